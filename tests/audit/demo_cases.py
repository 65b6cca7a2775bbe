"""Demo cases of every tiny diagram, driven to their end through the real engine and database,
with the clock moving between commands so that every command has its own recorded time."""
from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from engine import commands, loader, queries
from engine.commands import transaction
from engine.db import db, is_postgres
from engine.errors import Conflict
from engine.models import AuditEvent

AUDIT_BPMN = Path(__file__).parent / "bpmn"
TEST_BPMN = Path(__file__).parent.parent / "bpmn"


def ready(instance_id: int) -> dict:
    return {t.element_id: t for t in queries.tasks_of(instance_id, "ready")}


class Cases:
    """One method per demo case; each returns the case (instance row) in its final state."""

    def __init__(self, deploy, users, clock):
        self.deploy, self.users, self.clock = deploy, users, clock

    def _later(self, **delta):
        self.clock.advance(**(delta or {"minutes": 37}))

    def _do(self, case, element, username, data=None):
        self._later()
        return commands.complete_task(task_id=ready(case.id)[element].id, data=data or {}, actor=self.users[username])

    def approval(self, approved: bool = True):
        self.deploy("t_approval")
        case = commands.start_instance(process_id="t_approval", actor=self.users["sales1"], data={
            "customer_name": "华西机械", "amount": "1200.5", "wished_date": "2026-03-20"})
        self._later()
        commands.claim_task(task_id=ready(case.id)["review"].id, actor=self.users["desk1"])
        self._later()
        commands.reassign_task(task_id=ready(case.id)["review"].id, assignee="desk2", actor=self.users["manager1"],
                               reason="desk1 on leave")
        case = self._do(case, "review", "desk2", {"approved": approved, "comment": "合同齐全", "priority": "urgent",
                                                  "lines": [{"part_code": "P-1", "quantity": 2}]})
        if approved:
            case = self._do(case, "notify", "sales1")
        return case

    def parallel(self):
        self.deploy("t_parallel")
        case = commands.start_instance(process_id="t_parallel", actor=self.users["sales1"], data={
            "lines": [{"quantity": 2, "price": "100.50"}, {"quantity": 3, "price": 300}]})
        self._do(case, "make", "prod1")
        return self._do(case, "install", "eng1", {"hours": 6})

    def call(self):
        self.deploy("t_child")
        self.deploy("t_call")
        case = commands.start_instance(process_id="t_call", data={}, actor=self.users["sales1"])
        self._do(case, "vp_ok", "salesvp1")
        return self._do(case, "after", "sales1")

    def dmn(self, amount: str = "1000.00"):
        self.deploy("t_dmn", "t_rules.dmn")
        case = commands.start_instance(process_id="t_dmn", data={"amount": amount}, actor=self.users["desk1"])
        element, who = ("mgr_ok", "manager1") if ready(case.id).get("mgr_ok") else ("vp_ok", "salesvp1")
        return self._do(case, element, who)

    def pending(self, amount: str = "20000"):
        """A case waiting for its approver (the VP, for a large amount)."""
        self.deploy("t_dmn", "t_rules.dmn")
        return commands.start_instance(process_id="t_dmn", data={"amount": amount}, actor=self.users["desk1"])

    def timer(self):
        self.deploy("t_timer")
        case = commands.start_instance(process_id="t_timer", data={}, actor=self.users["eng1"])
        self._later(seconds=3)
        commands.fire_timers(instance_id=case.id)
        return self._do(case, "escalate", "manager1")

    def timer_late_submission(self):
        """The deadline passes before the engineer submits: the timer fires inside his command."""
        self.deploy("t_timer")
        case = commands.start_instance(process_id="t_timer", data={}, actor=self.users["eng1"])
        self._later(seconds=5)
        with pytest.raises(Conflict):
            commands.complete_task(task_id=ready(case.id)["repair"].id, data={}, actor=self.users["eng1"])
        self._later(seconds=5)
        commands.fire_timers(instance_id=case.id)
        return self._do(case, "escalate", "manager1")

    def failed(self):
        self.deploy("t_fail")
        case = commands.start_instance(process_id="t_fail", data={}, actor=self.users["sales1"])
        return self._do(case, "ask", "sales1")

    def cancelled(self):
        self.deploy("t_approval")
        case = commands.start_instance(process_id="t_approval", data={"customer_name": "川东"},
                                       actor=self.users["sales1"])
        self._later()
        return commands.cancel_instance(instance_id=case.id, actor=self.users["manager1"], reason="客户撤回")

    def claim(self, amount: str = "800", comment: str = "同意赔偿，配件随下批发货", approved_amount: str | None = None):
        """A compensation claim: DMN picks the approver, who approves with a comment (and may lower the
        amount); a service books the cost."""
        files = loader.read_folder_bundle([AUDIT_BPMN / "a_claim.bpmn", TEST_BPMN / "t_rules.dmn"])
        with transaction():
            loader.deploy(files, actor="owner1")
        case = commands.start_instance(process_id="a_claim", data={"customer_name": "华西机械", "amount": amount},
                                       actor=self.users["desk1"])
        element, who = ("mgr_ok", "manager1") if ready(case.id).get("mgr_ok") else ("vp_ok", "salesvp1")
        decision = {"approved": True, "comment": comment}
        if approved_amount is not None:
            decision["amount"] = approved_amount
        return self._do(case, element, who, decision)


FINISHED = ("approval", "parallel", "call", "dmn", "timer", "claim")


def tamper(event_id: int, **values) -> None:
    """Change one stored audit row the way a DBA could: on PostgreSQL the append-only trigger has to
    be disabled first."""
    postgres = is_postgres()
    if postgres:
        db.session.execute(sa.text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == event_id).values(**values))
    if postgres:
        db.session.execute(sa.text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only"))
    db.session.commit()
    db.session.expire_all()
