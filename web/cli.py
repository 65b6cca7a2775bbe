"""The `aftercare` command: init, serve, deploy, user create, audit verify."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup

from engine import audit, loader, schema
from engine.commands import transaction
from engine.errors import AftercareError, DeployError, ValidationFailed
from engine.identity import create_user
from web import create_app
from web.server import serve
from workflows import demo


def _app(*_args):
    return create_app()


@click.group(cls=FlaskGroup, create_app=_app, add_default_commands=False, add_version_option=False)
def main() -> None:
    """Aftercare (售后): after-sales service BPM."""


def _deploy_paths(paths: list[Path], actor: str) -> list[str]:
    lines = []
    bpmn = [p for p in paths if p.suffix == ".bpmn"]
    others = [p for p in paths if p.suffix != ".bpmn"]
    # called processes first, so the processes that call them find them deployed
    ordered = sorted(bpmn, key=lambda p: ("<bpmn:callActivity" in p.read_text(encoding="utf-8"), p.name))
    for path in ordered:
        files = loader.read_folder_bundle([path, *others])
        with transaction():
            for result in loader.deploy(files, actor=actor):
                state = "deployed" if result.created else "unchanged"
                lines.append(f"{result.process_id} v{result.version} {state}")
    return lines


def _fail(error: AftercareError) -> None:
    click.echo(f"error: {error.message}", err=True)
    if isinstance(error, DeployError):
        for item in error.errors:
            click.echo(f"  {item['element']}: {item['problem']}", err=True)
    if isinstance(error, ValidationFailed):
        for field, messages in error.errors.items():
            click.echo(f"  {field}: {' '.join(messages)}", err=True)
    sys.exit(2)


@main.command("init")
@click.option("--demo", "with_demo", is_flag=True, help="also load demo users and data (password: demo)")
def init_command(with_demo: bool) -> None:
    """Create the schema and deploy every diagram in bpmn/."""
    schema.create_all()
    bpmn_dir = Path(current_app.config["BPMN_DIR"])
    paths = sorted(bpmn_dir.glob("*.bpmn")) + sorted(bpmn_dir.glob("*.dmn"))
    try:
        for line in _deploy_paths(paths, "system"):
            click.echo(line)
    except AftercareError as exc:
        _fail(exc)
    if with_demo:
        with transaction():
            users = demo.load_users()
        click.echo(f"demo users created: {', '.join(users) or 'none (already there)'}")
        click.secho("WARNING: demo mode. Every demo user's password is 'demo'. Never use this in production.",
                    fg="yellow", err=True)


@main.command("deploy")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--actor", default=lambda: os.environ.get("USER", "cli"), show_default="$USER")
def deploy_command(files: tuple[Path, ...], actor: str) -> None:
    """Deploy BPMN files (with forms/<process>/*.json beside them) and DMN files."""
    try:
        for line in _deploy_paths(list(files), actor):
            click.echo(line)
    except AftercareError as exc:
        _fail(exc)


@main.group("user")
def user_group() -> None:
    """Manage users."""


@user_group.command("create")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, help="role id (repeatable)")
@click.option("--name", "display_name", default="")
@click.option("--email", default=None)
@click.password_option()
def user_create(username: str, roles: tuple[str, ...], display_name: str, email: str | None, password: str) -> None:
    """Create a user with a password and roles."""
    try:
        with transaction():
            create_user(username, password, roles, display_name=display_name, email=email)
    except AftercareError as exc:
        _fail(exc)
    click.echo(f"user {username} created with roles {', '.join(roles)}")


@main.group("audit")
def audit_group() -> None:
    """Check the audit trail."""


@audit_group.command("verify")
def audit_verify() -> None:
    """Recompute every hash chain; exit 1 at the first event that does not verify."""
    verdict = audit.verify_all()
    if verdict.ok:
        click.echo(f"ok: {verdict.events} events verified")
        return
    click.echo(f"FAILED: {verdict.stream} event {verdict.first_bad_seq}: {verdict.problem} "
               f"({verdict.events} events checked)", err=True)
    sys.exit(1)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=None, type=int, help="default: 1 on SQLite, 2×CPU+1 on PostgreSQL")
def serve_command(host: str, port: int, workers: int | None) -> None:
    """Serve the web app with gunicorn; the timer scheduler runs in exactly one process."""
    serve(host=host, port=port, workers=workers)
