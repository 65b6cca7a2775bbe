"""Demo data for `aftercare init --demo`: one user per role, all with the password `demo`."""
from __future__ import annotations

import sqlalchemy as sa

from engine.db import db
from engine.identity import create_user
from engine.models import User
from workflows.roles import DEMO_USERS

DEMO_PASSWORD = "demo"


def load_users() -> list[str]:
    created = []
    for username, display_name, roles in DEMO_USERS:
        if db.session.execute(sa.select(User.id).where(User.username == username)).first():
            continue
        create_user(username, DEMO_PASSWORD, roles, display_name=display_name)
        created.append(username)
    return created
