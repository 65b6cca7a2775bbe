"""A case saved by an earlier build must still load and run with this one."""
from __future__ import annotations

import json
from pathlib import Path

from engine import commands, queries
from engine.clock import utc_naive
from engine.commands import transaction
from engine.db import db
from engine.models import Instance, ModelVersion, Task

GOLDEN = Path(__file__).parent.parent / "golden" / "t_parallel_install_ready.json"


def test_golden_instance_loads_and_runs_to_completion(users, clock):
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    now = utc_naive(clock.now())
    with transaction():
        model = ModelVersion(process_id=golden["process_id"], version=1, name="golden", content_hash="0" * 64,
                             main_file="t_parallel.bpmn", sources=golden["sources"], forms=golden["forms"],
                             deployed_by="golden", deployed_at=now)
        db.session.add(model)
        db.session.flush()
        case = Instance(case_number="GOLD-1", process_id=golden["process_id"], model_version_id=model.id,
                        status="running", state=json.dumps(golden["state"]), version=1, data=golden["data"],
                        started_by="golden", started_at=now, updated_at=now)
        db.session.add(case)
        db.session.flush()
        [ready] = golden["ready"]
        db.session.add(Task(id=ready["id"], instance_id=case.id, process_id=case.process_id,
                            element_id=ready["element_id"], name="Install", role="engineer", status="ready",
                            form_name="t_parallel/install", created_at=now))
    case = commands.complete_task(task_id=ready["id"], data={"hours": 4}, actor=users["eng1"])
    assert case.status == "completed"
    assert case.data["total"] == "210.99" and case.data["hours"] == 4
    assert queries.tasks_of(case.id, "ready") == []
