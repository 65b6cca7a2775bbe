"""Demo data for `aftercare init --demo`: one user per role and six engineers (password `demo`),
the domain records, and cases in flight in every flow."""
from __future__ import annotations

import logging

import sqlalchemy as sa

from engine.db import db
from engine.identity import create_user
from engine.models import User
from workflows.demo.cases import load_cases
from workflows.demo.kits import load_kits
from workflows.demo.records import load_engineers, load_records
from workflows.roles import DEMO_USERS

DEMO_PASSWORD = "demo"
log = logging.getLogger(__name__)


def load_users() -> list[str]:
    """Users first, then records and cases (each only once): returns the users created."""
    created = []
    for username, display_name, roles in DEMO_USERS:
        if db.session.execute(sa.select(User.id).where(User.username == username)).first():
            continue
        create_user(username, DEMO_PASSWORD, roles, display_name=display_name)
        created.append(username)
    created += load_engineers(DEMO_PASSWORD)
    if load_records():
        log.info("demo records loaded")
    load_kits()
    cases = load_cases()
    if cases:
        log.info("%d demo cases started", cases)
    return created
