"""Warranty computed from the equipment register: the commissioning date starts it (the ship date
until then), the register's months or the company default decide its length, and the end day is
the same day of the last month (that month's last day when it has none), still covered."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from engine.commands import transaction
from engine.db import db
from engine.errors import Forbidden, ValidationFailed
from engine.models import AuditEvent
from web.cli import main as cli
from workflows.records import warranty
from workflows.records.tables import Equipment
from workflows.records.warranty import add_months, warranty_of, warranty_term


def registered(shipped=dt.date(2025, 1, 10), commissioned=None, months=None):
    return SimpleNamespace(ship_date=shipped, commissioned_on=commissioned, warranty_months=months)


@pytest.mark.parametrize(("start", "months", "end"), [
    (dt.date(2025, 3, 15), 12, dt.date(2026, 3, 15)),
    (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 28)),  # no 29 February: the month's last day
    (dt.date(2025, 1, 31), 1, dt.date(2025, 2, 28)),
    (dt.date(2025, 11, 30), 3, dt.date(2026, 2, 28)),
    (dt.date(2025, 12, 31), 24, dt.date(2027, 12, 31)),
])
def test_the_period_ends_on_the_same_day_of_the_last_month(start, months, end):
    assert add_months(start, months) == end
    assert warranty_term(start, months, on=end).in_warranty is True
    assert warranty_term(start, months, on=end + dt.timedelta(days=1)).in_warranty is False


def test_commissioning_starts_the_warranty_and_the_register_sets_its_length():
    equipment = registered(commissioned=dt.date(2025, 3, 1), months=24)
    covered = warranty_of(equipment, on=dt.date(2027, 3, 1))
    assert (covered.start, covered.end, covered.months, covered.in_warranty) == (
        dt.date(2025, 3, 1), dt.date(2027, 3, 1), 24, True)
    assert covered.from_commissioning and covered.status == "质保期内"
    ended = warranty_of(equipment, on=dt.date(2027, 3, 2))
    assert ended.in_warranty is False and ended.status == "已过质保期"
    assert ended.facts() == {"warranty_start": "2025-03-01", "warranty_end": "2027-03-01", "warranty_months": 24,
                             "in_warranty": False, "warranty_status": "已过质保期"}


def test_not_yet_commissioned_counts_from_the_ship_date():
    shipped = registered(shipped=dt.date(2025, 5, 20))
    covered = warranty_of(shipped, on=dt.date(2026, 5, 20))
    assert (covered.start, covered.end, covered.from_commissioning) == (dt.date(2025, 5, 20), dt.date(2026, 5, 20),
                                                                        False)
    assert warranty_of(shipped, on=dt.date(2026, 5, 21)).in_warranty is False


def test_the_company_default_is_a_setting(users, clock):
    equipment = registered(commissioned=dt.date(2025, 6, 1))
    assert warranty_of(equipment, on=dt.date(2026, 6, 1)).end == dt.date(2026, 6, 1)  # 12 months by default
    with pytest.raises(Forbidden):
        warranty.change_setting("warranty_months", 18, actor=users["desk1"], now=clock.now())
    assert warranty.change_setting("warranty_months", "18", actor=users["admin"], now=clock.now()) == "18"
    assert warranty_of(equipment, on=dt.date(2026, 6, 1)).end == dt.date(2026, 12, 1)
    assert warranty_of(registered(commissioned=dt.date(2025, 6, 1), months=6), on=clock.now().date()).months == 6
    for bad in ("0", "601", "12.5", "一年"):
        with pytest.raises(ValidationFailed):
            warranty.change_setting("warranty_months", bad, actor=users["admin"], now=clock.now())
    with pytest.raises(ValidationFailed):
        warranty.change_setting("paid_repair_payment", "never", actor=users["admin"], now=clock.now())
    assert warranty.paid_repair_payment() == "prepay"
    warranty.change_setting("paid_repair_payment", "on_completion", actor=users["owner1"], now=clock.now())
    assert warranty.paid_repair_payment() == "on_completion"
    changed = db.session.execute(sa.select(AuditEvent).where(AuditEvent.type == "warranty_setting_changed")
                                 .order_by(AuditEvent.seq)).scalars()
    assert [(e.actor, e.data["key"], e.data["value"]) for e in changed] == [
        ("admin", "warranty_months", "18"), ("owner1", "paid_repair_payment", "on_completion")]


def test_the_terms_are_changed_from_the_command_line(app, users):
    runner = app.test_cli_runner()
    assert runner.invoke(cli, ["warranty", "setting", "warranty_months"]).output == "warranty_months = 12\n"
    assert runner.invoke(cli, ["warranty", "setting", "warranty_months", "24"]).output == "warranty_months = 24\n"
    assert warranty.default_warranty_months() == 24
    refused = runner.invoke(cli, ["warranty", "setting", "paid_repair_payment", "later"])
    assert refused.exit_code == 2 and "prepay" in refused.output
    assert runner.invoke(cli, ["warranty", "setting", "colour"]).exit_code == 2


def test_an_older_register_keeps_the_warranty_it_recorded(app, records, clock):
    with transaction():
        old = db.session.execute(sa.select(Equipment).where(Equipment.serial == "EQ-CQ-001")).scalar_one()
        old.commissioned_on, old.warranty_months = None, None  # as an upgraded database has them
        old.ship_date, old.warranty_end = dt.date(2025, 1, 31), dt.date(2027, 2, 28)
    assert warranty_of(old, on=clock.now().date()).end == dt.date(2026, 1, 31)  # the default would cut it short
    output = app.test_cli_runner().invoke(cli, ["warranty", "adopt"]).output
    assert output == "warranty length adopted for 1 pieces of equipment\n"
    db.session.refresh(old)
    assert old.warranty_months == 25 and warranty_of(old, on=clock.now().date()).end == dt.date(2027, 2, 28)
    assert app.test_cli_runner().invoke(cli, ["warranty", "adopt"]).output.startswith("warranty length adopted for 0")
