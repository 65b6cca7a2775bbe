"""People as staff pick them: by display name, with their team and open work where it helps
(reassigning a task, mentioning someone). Login ids stay in the form values only."""
from __future__ import annotations

import sqlalchemy as sa

from engine.db import db
from engine.identity import users_with_role
from engine.models import User
from web.i18n import translate
from workflows.records.dispatch import TEAM_NAMES, open_task_counts
from workflows.records.tables import Engineer


def teams_of(user_ids: list[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = db.session.execute(sa.select(Engineer.user_id, Engineer.region_team).where(Engineer.user_id.in_(user_ids)))
    return dict(rows.all())


def person_choices(role: str, lang: str) -> list[tuple[str, str]]:
    """(username, what the list shows) for everyone active with `role`: display name, region team
    for engineers, and how many open tasks they hold — ordered by name."""
    users: list[User] = users_with_role(role)
    teams = teams_of([u.id for u in users])
    load = open_task_counts([u.username for u in users])
    choices = []
    for user in sorted(users, key=lambda u: (u.display_name or u.username, u.username)):
        parts = [user.display_name or user.username]
        team = TEAM_NAMES.get(teams.get(user.id, ""))
        if team:
            parts.append(team[1] if lang == "en" else team[0])
        parts.append(translate("{n} 项待办", n=load.get(user.username, 0)))
        choices.append((user.username, " · ".join(parts)))
    return choices


def everyone_active() -> list[tuple[str, str]]:
    """(username, display name) for every active member of staff, by name."""
    users = db.session.execute(sa.select(User.username, User.display_name).where(User.active.is_(True))
                               .order_by(User.display_name, User.username)).all()
    return [(username, name or username) for username, name in users if username != "system"]
