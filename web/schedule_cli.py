"""`aftercare timers|calendar|sla`: the operator's view of timers, the business calendar and the SLA
settings (the same functions the admin pages call)."""
from __future__ import annotations

import os
import sys

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from engine.clock import isoformat
from engine.commands import transaction
from engine.db import db
from engine.errors import AftercareError
from engine.identity import Actor
from engine.models import Timer
from engine.timers import firing as timers
from workflows.deadlines import calendar, calendar_years, sla


def _operator() -> Actor:
    """Whoever holds a shell on the server acts as an administrator (recorded under their login)."""
    return Actor(os.environ.get("USER") or "cli", frozenset({"admin", "process_owner"}), system=True)


def _fail(error: AftercareError) -> None:
    click.echo(f"error: {error.message}", err=True)
    for field, messages in getattr(error, "errors", {}).items():
        click.echo(f"  {field}: {'; '.join(messages)}", err=True)
    sys.exit(2)


# ---------------------------------------------------------------- timers
@click.group("timers", cls=AppGroup)
def timers_group() -> None:
    """Pending and failed timers."""


@timers_group.command("list")
def timers_list() -> None:
    """How many timers wait, the next due time, and every failed timer."""
    counts = dict(db.session.execute(sa.select(Timer.status, sa.func.count()).group_by(Timer.status)).all())
    click.echo(f"pending {counts.get('pending', 0)}, fired {counts.get('fired', 0)}, "
               f"failed {counts.get('failed', 0)}; next due {isoformat(timers.next_due()) or '-'}")
    for row in timers.failed_timers():
        click.echo(f"FAILED timer {row.id} case {row.instance_id} {row.kind} {row.element_id} "
                   f"after {row.attempts} tries: {row.last_error}")


@timers_group.command("retry")
@click.argument("timer_id", type=int)
def timers_retry(timer_id: int) -> None:
    """Queue a failed timer again and clear its case's incident."""
    try:
        timers.retry_failed(timer_id, actor=_operator())
    except AftercareError as exc:
        _fail(exc)
    click.echo(f"timer {timer_id} queued again")


# ---------------------------------------------------------------- calendar
@click.group("calendar", cls=AppGroup)
def calendar_group() -> None:
    """The business calendar: company exceptions, confirmed years, working hours."""


@calendar_group.command("show")
@click.argument("year", type=int)
def calendar_show(year: int) -> None:
    """Working hours, whether the year is known, and the company's exceptions in it."""
    cal = calendar.current()
    known = "known" if cal.knows(year) else "NOT KNOWN (deadlines in it are flagged)"
    click.echo(f"{year}: {known}; official schedule up to {cal.official_until}; working hours "
               f"{cal.start:%H:%M}-{cal.end:%H:%M} {cal.tz.key}")
    for row in calendar.exceptions_in(year):
        click.echo(f"  {row.day} {'working day' if row.working else 'day off'}  {row.note}")


@calendar_group.command("set")
@click.argument("day")
@click.argument("kind", type=click.Choice(["off", "work"]))
@click.option("--note", default="")
def calendar_set(day: str, kind: str, note: str) -> None:
    """Make DAY (YYYY-MM-DD) an extra day off or an extra working day."""
    try:
        with transaction():
            calendar.set_exception(day, working=kind == "work", note=note, actor=_operator())
    except AftercareError as exc:
        _fail(exc)
    click.echo(f"{day}: {'working day' if kind == 'work' else 'day off'}")


@calendar_group.command("unset")
@click.argument("day")
def calendar_unset(day: str) -> None:
    """Remove the company exception for DAY."""
    try:
        with transaction():
            removed = calendar.remove_exception(day, actor=_operator())
    except AftercareError as exc:
        _fail(exc)
    click.echo(f"{day}: {'exception removed' if removed else 'no exception'}")


@calendar_group.command("confirm-year")
@click.argument("year", type=int)
@click.option("--note", default="")
def calendar_confirm(year: int, note: str) -> None:
    """Declare YEAR's official holidays and make-up workdays entered (as exceptions)."""
    try:
        with transaction():
            confirmed = calendar_years.confirm_year(year, note=note, actor=_operator())
    except AftercareError as exc:
        _fail(exc)
    click.echo(f"{year} confirmed; {len(confirmed.rescheduled)} waiting deadlines scheduled")


@calendar_group.command("hours")
@click.argument("start")
@click.argument("end")
def calendar_hours(start: str, end: str) -> None:
    """Set the working hours, e.g. `aftercare calendar hours 08:30 17:30`."""
    try:
        with transaction():
            calendar.set_working_hours(start, end, actor=_operator())
    except AftercareError as exc:
        _fail(exc)
    click.echo(f"working hours {start}-{end}")


# ---------------------------------------------------------------- SLA settings
@click.group("sla", cls=AppGroup)
def sla_group() -> None:
    """SLA settings (a process owner's)."""


@sla_group.command("list")
def sla_list() -> None:
    for rule in sla.rules():
        state = "" if rule.enabled else "  (disabled)"
        click.echo(f"{rule.key:<30} {rule.amount} {rule.unit:<13} warn {rule.warn_percent}%  "
                   f"{','.join(rule.processes)}  {rule.name_zh}{state}")


@sla_group.command("set")
@click.argument("key")
@click.option("--amount", type=str)
@click.option("--unit", type=click.Choice(sla.UNITS))
@click.option("--warn", "warn_percent", type=int)
@click.option("--processes", help="comma-separated process ids")
@click.option("--enable/--disable", "enabled", default=None)
def sla_set(key: str, amount: str | None, unit: str | None, warn_percent: int | None, processes: str | None,
            enabled: bool | None) -> None:
    """Change one SLA rule; cases whose SLA starts afterwards use it."""
    try:
        with transaction():
            rule = sla.update_rule(key, actor=_operator(), amount=amount, unit=unit, warn_percent=warn_percent,
                                   enabled=enabled, processes=processes.split(",") if processes else None)
    except AftercareError as exc:
        _fail(exc)
    click.echo(f"{rule.key}: {rule.amount} {rule.unit}, warn at {rule.warn_percent}%")


COMMANDS = (timers_group, calendar_group, sla_group)
