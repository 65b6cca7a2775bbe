"""Schemathesis hooks for the API fuzz run (`.ci/api-fuzz`): bearer tokens of demo users.

Revoking tokens (`DELETE /tokens/{id}`) runs as another user than every other call, so a revoked id
never cuts the rest of the run off; a call answered 401 fetches a fresh token and is tried again."""
from __future__ import annotations

import os

import requests
import schemathesis

BASE = os.environ.get("AFTERCARE_FUZZ_URL", "http://127.0.0.1:5099/api/v1")
USERS = {"main": os.environ.get("AFTERCARE_FUZZ_USER", "admin"), "revoker": "desk1"}
PASSWORD = os.environ.get("AFTERCARE_FUZZ_PASSWORD", "demo")


def _role(case, _ctx=None) -> str:
    return "revoker" if case.operation.method.upper() == "DELETE" else "main"


@schemathesis.auth(refresh_interval=600, cache_by_key=_role, retry_on=[401])
class DemoUserToken:
    def get(self, case, ctx) -> str:
        response = requests.post(f"{BASE}/tokens", json={"username": USERS[_role(case)], "password": PASSWORD},
                                  timeout=30)
        response.raise_for_status()
        return response.json()["token"]

    def set(self, case, data: str, ctx) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}
