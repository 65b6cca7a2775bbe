"""Acceptance on the real flows: a finished demo case of each replays to its stored state,
every replay step matches its event, and the cases the flows open on their own (revisits,
complaints raised during a revisit) too."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from engine import replay
from engine.audit import chain as audit
from engine.db import db
from engine.models import Instance
from tests.audit.demo_cases import tamper
from tests.audit.flow_cases import SCENARIOS


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_finished_case_of_every_flow_replays_to_its_stored_state(demo, api, name):
    case = demo(name)
    assert case.status == "completed"
    every = list(db.session.execute(sa.select(Instance).order_by(Instance.id)).scalars())
    for instance in every:  # the case and whatever it opened (revisits started by a service task)
        report = replay.check(instance.id)
        assert report.ok, report.to_dict()
    assert db.session.execute(sa.select(sa.func.count()).select_from(Instance)).scalar_one() == len(every)
    auditor = api("auditor1")
    for event in audit.events_of(case.id):
        step = auditor.get(f"/process-instances/{case.id}/replay?step={event.seq}").get_json()
        assert (step["completed"], step["active"]) == (event.state["completed"], event.state["active"])


def test_changed_approval_in_a_real_flow_is_caught_at_its_step(demo):
    case = demo("compensation_manager")
    approval = next(e for e in audit.events_of(case.id) if e.element_id == "manager_approval"
                    and e.type == "task_completed")
    tamper(approval.id, data={**approval.data, "submitted": {**approval.data["submitted"], "approved": False}})
    report = replay.check(case.id)
    assert report.first_step == approval.seq
    assert audit.verify_stream(audit.instance_stream(case.id)).first_bad_seq == approval.seq
