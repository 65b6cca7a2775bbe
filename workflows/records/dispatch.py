"""Default dispatch (DOMAIN.md): the customer's region decides the engineer team, and within the
team the engineer with the fewest open tasks is suggested. The manager may always choose another."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa

from engine.db import db
from engine.hooks import CommandContext
from engine.models import Task, User
from workflows.records.tables import Engineer

# Province-level regions a customer can be in (the records API accepts these).
PROVINCES = (
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江", "安徽",
    "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州", "云南",
    "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆", "香港", "澳门", "台湾",
)
SOUTH_WEST = frozenset({"四川", "重庆", "云南", "贵州", "西南"})
# 华北 and 东北, by their provinces as well as by the area names themselves
NORTH = frozenset({"华北", "东北", "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江"})
TEAM_NAMES = {
    "south_west": ("西南组", "South-west team"),
    "north": ("华北东北组", "North team"),
    "general": ("综合组", "General team"),
}


def region_team(region: str | None) -> str:
    region = (region or "").strip()
    if region in SOUTH_WEST:
        return "south_west"
    if region in NORTH:
        return "north"
    return "general"


def open_task_counts(usernames: list[str]) -> dict[str, int]:
    if not usernames:
        return {}
    rows = db.session.execute(
        sa.select(Task.assignee, sa.func.count()).where(Task.status == "ready", Task.assignee.in_(usernames))
        .group_by(Task.assignee))
    counts = dict.fromkeys(usernames, 0)
    counts.update({assignee: count for assignee, count in rows})
    return counts


def active_engineers(team: str | None = None) -> list[Engineer]:
    query = sa.select(Engineer).join(User, User.id == Engineer.user_id).where(User.active.is_(True))
    if team:
        query = query.where(Engineer.region_team == team)
    return list(db.session.execute(query.order_by(User.username)).scalars())


def teammates(username: str) -> list[str]:
    """The other engineers of `username`'s region team (none for someone who is not an engineer):
    with the `team` reading rule, an engineer reads the cases assigned to them too."""
    team = sa.select(Engineer.region_team).join(User, User.id == Engineer.user_id).where(User.username == username)
    rows = db.session.execute(sa.select(User.username).join(Engineer, Engineer.user_id == User.id)
                              .where(Engineer.region_team.in_(team.scalar_subquery()), User.username != username))
    return sorted(rows.scalars())


def suggest_engineer(region: str | None) -> str | None:
    """Username of the least-loaded active engineer of the region's team (of anyone if the team
    has nobody); ties go to the first username. None when there are no engineers at all."""
    candidates = active_engineers(region_team(region)) or active_engineers()
    if not candidates:
        return None
    counts = open_task_counts([e.username for e in candidates])
    return min(candidates, key=lambda e: (counts[e.username], e.username)).username


def suggest_engineer_service(data: dict[str, Any], params: dict[str, Any]) -> str | None:
    """Service task `suggest_engineer` (parameter `region`): the suggestion lands in case data."""
    return suggest_engineer(params.get("region") or data.get("region"))


def prefill_hook(drafts: Mapping[str, Callable[[Mapping[str, Any]], dict[str, Any]]]):
    """After-command hook: when a task whose form has a suggestion becomes ready, put the
    suggestion in the task's draft so the form opens filled in (the user can still change it)."""

    def prefill(context: CommandContext) -> None:
        for row in context.ready_tasks:
            make = drafts.get(row.form_name or "")
            if make is None or row.draft:
                continue
            draft = {key: value for key, value in make(context.instance.data or {}).items() if value is not None}
            if draft:
                row.draft = draft

    return prefill
