"""The test users get the demo's display names, so a test can tell a name from a login id."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from engine.commands import transaction
from engine.db import db
from engine.models import User
from workflows.demo.records import ENGINEERS
from workflows.roles import DEMO_USERS

NAMES = {username: name for username, name, _roles in DEMO_USERS} | {u: n for u, n, _t, _s in ENGINEERS} | {
    "desk2": "钱客服", "eng1": "冯工（备勤）"}


def give_names() -> None:
    with transaction():
        for user in db.session.execute(sa.select(User)).scalars():
            user.display_name = NAMES.get(user.username, user.display_name)


@pytest.fixture
def named(actors):
    give_names()
    return NAMES
