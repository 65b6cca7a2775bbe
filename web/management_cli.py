"""`aftercare facts|reports`: rebuild the management facts from history, change a setting of the
figures, and produce a period's report now (the scheduler does it on the first working day)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from engine import clock
from engine.commands import transaction
from engine.errors import AftercareError, ValidationFailed
from web.schedule_cli import _fail, _operator  # the operator and the error output of the other commands
from workflows.management import facts_update, reports, reports_schedule


@click.group("facts", cls=AppGroup)
def facts_group() -> None:
    """The flat tables the dashboard and reports read."""


@facts_group.command("rebuild")
def rebuild_command() -> None:
    """Recompute every case's facts from the case, task and SLA rows (for cases older than the facts)."""
    with transaction():
        count = facts_update.rebuild(now=clock.now())
    click.echo(f"facts rebuilt for {count} cases")


@facts_group.command("setting")
@click.argument("key")
@click.argument("value", required=False)
def setting_command(key: str, value: str | None) -> None:
    """Show or change a setting of the figures (first_time_fix_days: the repeat-fault window)."""
    try:
        if value is None:
            if key not in facts_update.SETTINGS:
                raise ValidationFailed({"key": [f"no setting '{key}'"]})
            click.echo(f"{key} = {facts_update.setting(key)}")
            return
        with transaction():
            number = facts_update.update_setting(key, value, actor=_operator(), now=clock.now())
        click.echo(f"{key} = {number}")
    except AftercareError as error:
        _fail(error)


@click.group("reports", cls=AppGroup)
def reports_group() -> None:
    """The monthly and quarterly department reports."""


@reports_group.command("produce")
@click.option("--month", help="YYYY-MM")
@click.option("--quarter", help="YYYYQn")
def produce_command(month: str | None, quarter: str | None) -> None:
    """Produce, keep and announce a report now (again, if it was produced before)."""
    try:
        if bool(month) == bool(quarter):
            raise ValidationFailed({"period": ["give --month or --quarter"]})
        period = reports.month_period(month) if month else reports.quarter_period(quarter or "")
        with transaction():
            reports_schedule.produce(period, now=clock.now())
    except AftercareError as error:
        _fail(error)
    click.echo(f"{period.kind} report {period.label} produced")


COMMANDS = (facts_group, reports_group)
