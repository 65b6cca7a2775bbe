"""Fixtures: one database per test session (a fresh PostgreSQL schema, or a SQLite file), emptied
before every test; a FakeClock installed for every test; helpers to deploy the tiny diagrams."""
from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from engine import identity, loader, schema
from engine.clock import FakeClock, set_clock
from engine.commands import transaction
from engine.db import db
from engine.identity import Actor, create_user, sync_roles
from web import create_app, throttle
from workflows.deadlines import sla

HERE = Path(__file__).parent
TEST_BPMN = HERE / "bpmn"
UTC = dt.UTC
identity.PASSWORD_METHOD = "pbkdf2:sha256:1000"  # fast hashes for test users


def _postgres_schema_url(base: str) -> tuple[str, str]:
    name = f"t_{uuid.uuid4().hex[:10]}"
    plain = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{name}", name


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    base = os.environ.get("AFTERCARE_DATABASE_URL", "")
    if base.startswith(("postgresql", "postgres")):
        if base.startswith("postgres://"):
            base = "postgresql://" + base[len("postgres://"):]
        url, name = _postgres_schema_url(base)
        yield url
        with psycopg.connect(base.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{name}" CASCADE')
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


class FreshContextClient(FlaskClient):
    """Each request gets its own app context (fresh `g` and database session), as in production,
    even though the test itself holds an app context open."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test-secret",
                      "AUDIT_KEY": "a1" * 32, "LOGIN_MAX_FAILURES": 5})
    app.test_client_class = FreshContextClient
    with app.app_context():
        schema.create_all()
    return app


def _empty_all_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(sa.text(f"DELETE FROM {table}"))
    db.session.commit()


@pytest.fixture
def clock():
    fake = FakeClock(dt.datetime(2026, 3, 2, 1, 0, tzinfo=UTC))  # Monday 09:00 in Shanghai
    previous = set_clock(fake)
    yield fake
    set_clock(previous)


@pytest.fixture(autouse=True)
def ctx(app, clock):
    with app.app_context():
        _empty_all_tables()
        loader.clear_cache()
        sla.forget_rules()  # the SLA settings a process keeps for a few seconds
        throttle.reset()
        sync_roles()
        db.session.commit()
        yield app
        db.session.rollback()
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


USERS = {
    "sales1": ["sales"], "desk1": ["service_desk"], "desk2": ["service_desk"], "manager1": ["service_manager"],
    "salesvp1": ["sales_vp"], "gm1": ["general_manager"], "eng1": ["engineer"], "prod1": ["production"],
    "owner1": ["process_owner"], "auditor1": ["auditor"], "admin": ["admin"],
}


@pytest.fixture
def users(ctx):
    with transaction():
        for username, roles in USERS.items():
            create_user(username, "pw-" + username, roles)
    return {name: Actor(name, frozenset(roles)) for name, roles in USERS.items()}


def deploy_test_model(*names: str, actor: str = "owner1"):
    """Deploy tests/bpmn/<name>.bpmn with its forms (and any .dmn named)."""
    paths = []
    for name in names:
        path = TEST_BPMN / name
        paths.append(path if path.suffix else path.with_suffix(".bpmn"))
    files = loader.read_folder_bundle(paths)
    with transaction():
        return loader.deploy(files, actor=actor)


@pytest.fixture
def deploy():
    return deploy_test_model


class Api:
    """A logged-in API client (bearer token)."""

    def __init__(self, client, username: str):
        self.client = client
        response = client.post("/api/v1/tokens", json={"username": username, "password": "pw-" + username})
        assert response.status_code == 201, response.get_json()
        self.headers = {"Authorization": f"Bearer {response.get_json()['token']}"}

    def get(self, path, **kw):
        return self.client.get("/api/v1" + path, headers=self.headers, **kw)

    def post(self, path, **kw):
        return self.client.post("/api/v1" + path, headers=self.headers, **kw)


@pytest.fixture
def api(client, users):
    cache: dict[str, Api] = {}

    def login(username: str) -> Api:
        if username not in cache:
            cache[username] = Api(client, username)
        return cache[username]

    return login
