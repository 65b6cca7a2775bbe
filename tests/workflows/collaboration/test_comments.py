"""Comments with @mentions: one locked command appends them to the case's audit chain, the people
mentioned are told, auditors read but never write, and every input is bounded."""
from __future__ import annotations

import pytest

from engine import commands
from engine.audit import chain as audit
from engine.errors import Forbidden, NotFound, ValidationFailed
from engine.timers import outbox
from workflows.collaboration import comments


def fault_case(actors):
    return commands.start_instance(process_id="fault_handling", data={
        "equipment_serial": "EQ-SW-001", "symptom": "主轴异响", "occurred_at": "2026-03-01T15:30:00",
        "damage_extent": "serious"}, actor=actors["sales1"])


def test_a_comment_is_an_audit_event_and_tells_the_people_it_mentions(named, flows, actors, clock):
    case = fault_case(actors)
    comment = comments.add_comment(instance_id=case.id, body="请尽快联系客户确认停机时间",
                                   mentions=["desk1", "manager1"], actor=actors["sales1"], now=clock.now())
    last = audit.events_of(case.id)[-1]
    assert (last.type, last.actor, last.seq) == ("comment_added", "sales1", comment.seq)
    assert last.data == {"body": "请尽快联系客户确认停机时间", "mentions": ["desk1", "manager1"]}
    assert audit.verify_stream(audit.instance_stream(case.id)).ok
    [note] = [n for n in outbox.list_for("manager1").items if n.kind == "mentioned"]
    assert note.payload["title"]["zh"] == f"王销售 在 {case.case_number} 中提到了你"
    assert note.payload["body"]["zh"] == "请尽快联系客户确认停机时间"
    assert note.payload["link"] == f"/cases/{case.id}#comment-{comment.seq}"
    assert [c.body for c in comments.comments_of(case.id)] == ["请尽快联系客户确认停机时间"]
    assert not [n for n in outbox.list_for("sales1").items if n.kind == "mentioned"]  # not himself


def test_auditors_read_comments_but_never_write(named, flows, actors, clock):
    case = fault_case(actors)
    with pytest.raises(Forbidden):
        comments.add_comment(instance_id=case.id, body="审计意见", actor=actors["auditor1"], now=clock.now())
    with pytest.raises(Forbidden):  # the role check comes before the case is looked up
        comments.add_comment(instance_id=999_999, body="x", actor=actors["auditor1"], now=clock.now())
    with pytest.raises(NotFound):
        comments.add_comment(instance_id=999_999, body="x", actor=actors["manager1"], now=clock.now())
    with pytest.raises(Forbidden):  # an engineer with no part in the case
        comments.add_comment(instance_id=case.id, body="x", actor=actors["eng_n1"], now=clock.now())
    assert "auditor1" not in {u.username for u in comments.mention_candidates(case)}


def test_bad_comments_are_refused_and_leave_nothing_behind(named, flows, actors, clock):
    case = fault_case(actors)
    before = len(audit.events_of(case.id))
    for body, mentions, field in (("  ", [], "body"), ("长" * 2001, [], "body"),
                                  ("请看", ["eng_n1"], "mentions"), ("请看", ["nobody"], "mentions"),
                                  ("请看", [f"u{i}" for i in range(21)], "mentions")):
        with pytest.raises(ValidationFailed) as failed:
            comments.add_comment(instance_id=case.id, body=body, mentions=mentions, actor=actors["desk1"],
                                 now=clock.now())
        assert field in failed.value.errors
    assert len(audit.events_of(case.id)) == before
    assert outbox.list_for("eng_n1").total == 0
