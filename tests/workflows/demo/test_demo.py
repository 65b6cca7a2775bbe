"""`aftercare init --demo` on an empty database: every diagram deployed, the demo records, and
cases in flight in every flow, all with an intact audit trail."""
from __future__ import annotations

import sqlalchemy as sa

from engine.audit import chain as audit
from engine.db import db
from engine.models import Instance, Task
from web.cli import main as cli
from workflows.management.tools import STANDARD_KIT, ToolItem
from workflows.records.parts_draw import PartsDraw
from workflows.records.tables import Customer, Engineer, Equipment, Part

FLOWS = {"installation", "fault_handling", "revisit", "compensation_approval", "tech_support", "complaint",
         "service_appointment", "delivery_installation"}


def _count(model, *where) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model).where(*where)).scalar_one()


def test_init_demo_shows_a_living_system(app, clock):
    result = app.test_cli_runner().invoke(cli, ["init", "--demo"])
    assert result.exit_code == 0, result.output
    assert all(f"{process} v1 deployed" in result.output for process in FLOWS)
    assert "eng_sw2" in result.output
    assert _count(Customer) == 30 and _count(Equipment) == 80 and _count(Engineer) == 6 and _count(Part) == 40
    assert {c for c in db.session.execute(sa.select(Customer.customer_class)).scalars()} == {"key", "ordinary"}
    assert _count(Equipment, Equipment.warranty_end < clock.now().date()) >= 10
    running = set(db.session.execute(sa.select(Instance.process_id).where(Instance.status == "running")).scalars())
    assert running == FLOWS | {"compensation_office"}  # a shipped claim's cost and responsibility are open
    ready = set(db.session.execute(sa.select(Task.role).where(Task.status == "ready")).scalars())
    assert {"sales", "service_desk", "service_manager", "sales_vp", "general_manager", "engineer",
            "production", "mfg_tech", "quality_vp"} <= ready
    assert _count(Instance, Instance.status == "error") == 0
    complaints = set(db.session.execute(sa.select(Task.element_id).where(
        Task.status == "ready", Task.form_name.like("complaint/%"))).scalars())
    assert complaints == {"respond", "engineer_handling", "confirm"}  # a complaint at every stage
    closed = db.session.execute(sa.select(Instance.data).where(Instance.process_id == "complaint",
                                                               Instance.status == "completed")).scalar_one()
    assert closed["engineer_complaint"] == "eng_sw2"
    assert _count(Instance, Instance.parent_id.is_not(None)) == 3  # revisits opened by finished cases, office work
    assert _count(PartsDraw) == 1  # parts issued against the approved claim in production
    assert _count(Task, Task.status == "ready", Task.element_id == "customer_answer") == 1  # a paid repair quoted
    assert _count(ToolItem, ToolItem.engineer == "eng_sw1") == len(STANDARD_KIT)  # every engineer's kit
    assert audit.verify_all().ok
    db.session.commit()  # end this session's read transaction: `init` alters the audit table on PostgreSQL
    again = app.test_cli_runner().invoke(cli, ["init", "--demo"])
    assert again.exit_code == 0 and "none (already there)" in again.output
    assert _count(Customer) == 30 and _count(Instance) == 41 and _count(ToolItem) == 6 * len(STANDARD_KIT)
