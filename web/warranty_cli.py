"""`aftercare warranty setting KEY [VALUE]`: show or change the company's warranty terms
(warranty_months: the default length; paid_repair_payment: prepay or on_completion)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from engine import clock
from engine.errors import AftercareError
from web.schedule_cli import _fail, _operator  # the operator and the error output of the other commands
from workflows.records import warranty


@click.group("warranty", cls=AppGroup)
def warranty_group() -> None:
    """The company's warranty terms."""


@warranty_group.command("setting")
@click.argument("key")
@click.argument("value", required=False)
def setting_command(key: str, value: str | None) -> None:
    """Show or change a warranty term (the change is audited)."""
    try:
        if value is None:
            if key not in warranty.DEFAULTS:
                click.echo(f"error: no warranty setting '{key}' ({', '.join(warranty.DEFAULTS)})", err=True)
                raise SystemExit(2)
            click.echo(f"{key} = {warranty.setting(key)}")
            return
        click.echo(f"{key} = {warranty.change_setting(key, value, actor=_operator(), now=clock.now(), lang='en')}")
    except AftercareError as error:
        _fail(error)


@warranty_group.command("adopt")
def adopt_command() -> None:
    """Once, on a database from before computed warranties: equipment with no warranty length takes
    the length its recorded warranty end implies."""
    try:
        count = warranty.adopt_recorded_ends(actor=_operator(), now=clock.now())
    except AftercareError as error:
        _fail(error)
    click.echo(f"warranty length adopted for {count} pieces of equipment")


COMMANDS = (warranty_group,)
