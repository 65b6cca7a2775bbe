"""The `aftercare` command: init, serve, deploy, user create, audit (verify, replay, export, archive, ...)."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import FlaskGroup

from engine import archive, backup, clock, hooks, integrity, loader, replay, schema
from engine.audit import anchor
from engine.audit import chain as audit
from engine.audit import queries as audit_queries
from engine.commands import transaction
from engine.db import db
from engine.errors import AftercareError, DeployError, ValidationFailed
from engine.identity import Actor, create_user
from engine.jsonutil import dumps
from web import create_app, management_cli, schedule_cli, warranty_cli
from web.api.history import archive_dir, archive_key
from web.server import serve
from workflows.demo import seed as demo


def _app(*_args):
    return create_app()


@click.group(cls=FlaskGroup, create_app=_app, add_default_commands=False, add_version_option=False)
def main() -> None:
    """Aftercare (售后): after-sales service BPM."""


def _deploy_paths(paths: list[Path], actor: str, note: str | None = None, replace: bool = False) -> list[str]:
    lines = []
    bpmn = [p for p in paths if loader.is_bpmn_file(p.name)]
    others = [p for p in paths if not loader.is_bpmn_file(p.name)]
    # called processes first, so the processes that call them find them deployed
    ordered = sorted(bpmn, key=lambda p: ("<bpmn:callActivity" in p.read_text(encoding="utf-8"), p.name))
    for path in ordered:
        files = loader.read_folder_bundle([path, *others])
        with transaction():
            for result in loader.deploy(files, actor=actor, note=note, replace=replace):
                state = "deployed" if result.created else "unchanged"
                lines.append(f"{result.process_id} v{result.version} {state}")
    return lines


def _fail(error: AftercareError) -> None:
    click.echo(f"error: {error.message}", err=True)
    if isinstance(error, DeployError):
        for item in error.errors:
            named = f"\"{item['name']}\" " if item.get("name") else ""
            click.echo(f"  {named}{item['element']}: {item['problem']}", err=True)
    if isinstance(error, ValidationFailed):
        for field, messages in error.errors.items():
            click.echo(f"  {field}: {' '.join(messages)}", err=True)
    sys.exit(2)


@main.command("init")
@click.option("--demo", "with_demo", is_flag=True, help="also load demo users and data (password: demo)")
def init_command(with_demo: bool) -> None:
    """Create the schema and deploy every diagram in bpmn/."""
    schema.create_all()
    with transaction():
        sealed = audit.seal_legacy()
    if sealed:
        click.echo(f"{len(sealed)} audit stream(s) written before the audit key sealed with it")
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
@click.option("--note", required=True, help="the change note: what changed and why")
@click.option("--replace", is_flag=True, help="confirm that a diagram takes over a process id another process has")
def deploy_command(files: tuple[Path, ...], actor: str, note: str, replace: bool) -> None:
    """Deploy BPMN (.bpmn, .bpmn20.xml) files (with forms/<process>/*.json beside them) and DMN files."""
    try:
        for line in _deploy_paths(list(files), actor, note, replace):
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
    """Recompute every hash chain (keyed with the audit key) and check every sealed head; list
    every broken stream and exit 1 if there is one."""
    verdict = audit.verify_all()
    if verdict.ok:
        click.echo(f"ok: {verdict.events} events verified")
        return
    for broken in verdict.broken:
        click.echo(f"FAILED: {broken.stream} event {broken.first_bad_seq}: {broken.problem}", err=True)
    click.echo(f"{len(verdict.broken)} broken stream(s), {verdict.events} events checked", err=True)
    sys.exit(1)


@audit_group.command("seal-legacy")
def audit_seal_legacy() -> None:
    """Seal the chains written before the audit key existed (once, after upgrading; `init` runs it)."""
    with transaction():
        sealed = audit.seal_legacy()
    click.echo(f"{len(sealed)} stream(s) sealed with the audit key")


def _case_or_exit(reference: str):
    try:
        return audit_queries.find_case(reference)
    except AftercareError as exc:
        _fail(exc)


@audit_group.command("replay")
@click.argument("case")
def audit_replay(case: str) -> None:
    """Re-execute CASE (id or case number) from its recorded inputs on its pinned version and compare
    with the stored state after every command; exit 1 at the first difference."""
    instance = _case_or_exit(case)
    report = replay.check(instance.id)
    chain = audit.verify_stream(audit.instance_stream(instance.id))
    name = instance.case_number or instance.id
    if report.ok:
        click.echo(f"ok: {name} replays to its stored state ({report.commands} commands, {report.steps} events)")
    else:
        click.echo(f"FAILED: {name} differs from its re-execution at step {report.first_step}", err=True)
        for diff in sorted(report.differences, key=lambda d: d.step):
            click.echo(f"  step {diff.step} [{diff.what}] {diff.message}: recorded {dumps(diff.recorded)}, "
                       f"re-executed {dumps(diff.replayed)}", err=True)
    if not chain.ok:
        click.echo(f"FAILED: hash chain broken at step {chain.first_bad_seq}: {chain.problem}", err=True)
    if not (report.ok and chain.ok):
        sys.exit(1)


@audit_group.command("export")
@click.argument("case")
@click.option("--out", type=click.Path(dir_okay=False, writable=True, path_type=Path), help="default: stdout")
@click.option("--actor", default=lambda: os.environ.get("USER", "cli"), show_default="$USER")
def audit_export(case: str, out: Path | None, actor: str) -> None:
    """Write CASE's full history as signed JSON (every event with its hashes)."""
    instance = _case_or_exit(case)
    document = archive.sign(archive.case_document(instance, now=clock.now(), exported_by=actor), archive_key())
    text = dumps(document)
    if out is None:
        click.echo(text)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"{instance.case_number}: {document['chain']['events']} events written to {out}")


@audit_group.command("archive")
@click.argument("cases", nargs=-1)
@click.option("--ended-before", type=click.DateTime(["%Y-%m-%d"]), help="archive every finished case ended before")
@click.option("--actor", default=lambda: os.environ.get("USER", "cli"), show_default="$USER")
def audit_archive(cases: tuple[str, ...], ended_before, actor: str) -> None:
    """Archive finished cases to signed exports in the archive folder; nothing is deleted."""
    ids = [_case_or_exit(ref).id for ref in cases]
    if ended_before is not None:
        ids += archive.finished_unarchived(ended_before=ended_before.replace(tzinfo=ZoneInfo(hooks.get().timezone)))
    if not ids:
        click.echo("nothing to archive (name cases or give --ended-before)", err=True)
        sys.exit(2)
    operator = Actor(actor, frozenset(), system=True)
    for instance_id in ids:
        try:
            result = archive.archive_case(instance_id, key=archive_key(), actor=operator, now=clock.now(),
                                          directory=archive_dir())
        except AftercareError as exc:
            _fail(exc)
        click.echo(f"{result.case_number}: archived to {result.path} (sha256 {result.sha256})")


@audit_group.command("check-archive")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def audit_check_archive(file: Path) -> None:
    """Verify an exported or archived file on its own: its hash chain and its signature."""
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        click.echo(f"FAILED: {file} is not a JSON export: {exc}", err=True)
        sys.exit(2)
    verdict = archive.verify_document(document, archive_key())
    if verdict.ok:
        click.echo(f"ok: {document.get('case', {}).get('case_number')}: signature and "
                   f"{len(document.get('events') or [])} events verified")
        return
    click.echo(f"FAILED: {verdict.problem}" + (f" at step {verdict.first_bad_seq}" if verdict.first_bad_seq else ""),
               err=True)
    sys.exit(1)


@audit_group.command("nightly")
def audit_nightly() -> None:
    """Run the integrity check now: every hash chain, and re-execution of newly finished cases."""
    report = integrity.run_check(now=clock.now())
    click.echo(f"{'ok' if report.ok else 'FAILED'}: {report.chain.events} events verified, "
               f"{report.rechecked} cases re-executed")
    for failure in report.failures:
        click.echo(f"  {failure['case_number']} step {failure['step']}: {failure['problem']}", err=True)
    if not report.chain.ok:
        click.echo(f"  {report.chain.stream} event {report.chain.first_bad_seq}: {report.chain.problem}", err=True)
    if not report.ok:
        sys.exit(1)


for _command in (*schedule_cli.COMMANDS, *management_cli.COMMANDS, *warranty_cli.COMMANDS):
    main.add_command(_command)


@main.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def backup_command(file: Path) -> None:
    """Write the database (every table), the archive folder and the audit key to FILE (a zip)."""
    summary = backup.write_backup(file, archive_dir=archive_dir(), archive_key_id=archive.key_id(archive_key()),
                                  now=clock.now())
    click.echo(f"backed up {summary.total_rows} rows of {len(summary.rows)} tables and "
               f"{summary.archive_files} archive files to {file}")
    click.secho("The file holds the audit key: keep it as safe as the server's instance folder.", err=True)


@main.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(file: Path) -> None:
    """Restore a backup into an empty database (schema created here) and the archive folder, then
    verify every audit chain."""
    db.session.rollback()  # no read may stay open across the schema's DDL
    if schema.is_initialised():
        try:
            with transaction():
                backup.check_empty()  # before touching the schema
        except AftercareError as exc:
            _fail(exc)
    schema.create_all()
    explicit = None if current_app.config.get("AUDIT_KEY_FILE") else current_app.config["AUDIT_KEY"]
    try:
        with transaction():
            restored = backup.restore_backup(file, archive_dir=archive_dir(), audit_key=explicit,
                                             archive_key_id=archive.key_id(archive_key()))
    except AftercareError as exc:
        _fail(exc)
    if restored.audit_key is not None and explicit is None:
        anchor.replace_key_file(Path(current_app.config["AUDIT_KEY_FILE"]), restored.audit_key)
        current_app.config["AUDIT_KEY"] = restored.audit_key
        anchor.use_key(restored.audit_key)
    click.echo(f"restored {sum(restored.rows.values())} rows and {restored.archive_files} archive files")
    verdict = audit.verify_all()
    if not verdict.ok:
        click.echo(f"FAILED: {len(verdict.broken)} broken audit stream(s), first {verdict.stream}: {verdict.problem}",
                   err=True)
        sys.exit(1)
    click.echo(f"ok: {verdict.events} audit events verified")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=None, type=int, help="default: 1 on SQLite, 2×CPU+1 on PostgreSQL")
@click.option("--scheduler/--no-scheduler", default=True, show_default=True,
              help="run the timer scheduler (in exactly one process among all servers on this database)")
def serve_command(host: str, port: int, workers: int | None, scheduler: bool) -> None:
    """Serve the web app with gunicorn; the timer scheduler runs in exactly one process."""
    serve(host=host, port=port, workers=workers, scheduler=scheduler)
