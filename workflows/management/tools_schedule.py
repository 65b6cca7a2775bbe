"""The yearly replenishment request (《售后服务器械管理办法》3.1: every February the service manager
files one request to buy the service tools): from 1 February, once a year, the request is drawn
up from the registers and kept, and the service managers are told through the outbox in the same
transaction. The scheduler polls `job`, so a downtime is caught up at the next poll."""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from engine import clock
from engine.clock import utc_naive
from engine.commands import transaction
from engine.db import db
from engine.identity import SYSTEM
from engine.models import JSON
from engine.timers import outbox
from workflows.management import tools
from workflows.management.dashboard import today

log = logging.getLogger(__name__)
NOTIFY_ROLE, NOTIFICATION_KIND = "service_manager", "tool_replenishment"


class ToolRequest(db.Model):
    """The year's replenishment request as drawn up in February."""

    __tablename__ = "tool_request"
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    produced_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


def due(now: dt.datetime) -> int | None:
    """The year whose request should exist by now and does not."""
    day = today(now)
    if day.month < tools.REPLENISHMENT_MONTH or db.session.get(ToolRequest, day.year) is not None:
        return None
    return day.year


def produce(year: int, *, now: dt.datetime) -> ToolRequest:
    request = tools.replenishment(year, actor=SYSTEM)
    row = ToolRequest(year=year, produced_at=utc_naive(now), lines=request["lines"])
    db.session.add(row)
    db.session.flush()
    count = len(request["lines"])
    outbox.notify_role(NOTIFY_ROLE, NOTIFICATION_KIND, {
        "title": {"zh": f"{year}年度服务器械请购单已生成", "en": f"The {year} service tool purchase request is ready"},
        "body": {"zh": f"按各工程师的器械登记，共需补充 {count} 件器械，请审核后报公司领导批准。",
                 "en": f"By the engineers' registers, {count} tools are to be bought; review it and submit it "
                       f"for approval."},
        "link": "/tools", "year": year}, now=now)
    return row


def job() -> Callable[[], int | None]:
    """The function the scheduler polls (inside an app context)."""

    def run() -> int | None:
        now = clock.now()
        year = due(now)
        if year is not None:
            with transaction():
                produce(year, now=now)
            log.info("tool replenishment request for %s produced", year)
        db.session.rollback()  # end the read
        return year

    return run
