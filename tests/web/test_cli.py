"""The `aftercare` command against the test database."""
from __future__ import annotations

import shutil

import sqlalchemy as sa

from engine import loader
from engine.db import db
from engine.models import User
from tests.conftest import TEST_BPMN
from web.cli import main as cli


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(cli, list(args), input=input)


def test_init_deploys_every_diagram_and_loads_demo_users(app, tmp_path):
    for name in ("t_approval.bpmn", "t_rules.dmn", "t_dmn.bpmn"):
        shutil.copy(TEST_BPMN / name, tmp_path / name)
    shutil.copytree(TEST_BPMN / "forms", tmp_path / "forms")
    previous = app.config["BPMN_DIR"]
    app.config["BPMN_DIR"] = str(tmp_path)
    try:
        result = run(app, "init", "--demo")
        again = run(app, "init")
    finally:
        app.config["BPMN_DIR"] = previous
    assert result.exit_code == 0, result.output
    assert "t_approval v1 deployed" in result.output and "t_dmn v1 deployed" in result.output
    assert "password is 'demo'" in result.output
    assert "t_approval v1 unchanged" in again.output
    usernames = set(db.session.execute(sa.select(User.username)).scalars())
    assert {"sales1", "desk1", "auditor1", "admin", "owner1"} <= usernames


def test_user_create_and_bad_role(app):
    ok = run(app, "user", "create", "li4", "--role", "engineer", "--name", "李四", input="s3cret-pw\ns3cret-pw\n")
    assert ok.exit_code == 0, ok.output
    user = db.session.execute(sa.select(User).where(User.username == "li4")).scalar_one()
    assert user.role_ids == {"engineer"} and user.password_hash and "s3cret" not in user.password_hash
    bad = run(app, "user", "create", "w5", "--role", "wizard", input="s3cret-pw\ns3cret-pw\n")
    assert bad.exit_code == 2 and "roles: unknown role: wizard" in bad.output


def test_deploy_reports_each_problem(app, tmp_path):
    broken = tmp_path / "t_approval.bpmn"
    broken.write_text((TEST_BPMN / "t_approval.bpmn").read_text().replace('name="售后服务部"', 'name="Marketing"'))
    result = run(app, "deploy", str(broken), "--note", "a lane renamed")
    assert result.exit_code == 2
    assert "review: lane 'Marketing' is not a known role" in result.output
    assert "review: form 'review' was not provided" in result.output
    assert loader.latest("t_approval") is None
