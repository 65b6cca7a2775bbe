"""A month of eng_sw1's work (November 2026) played through the real engine on a fake clock, and
every line of the scorecard against the figures worked out by hand:

I1  installation (成都): training of 0 hours (−1 training); goods count without photos (1 form gap);
    6,000.00 parts sold (8 market points); its phone revisit done.
F1  fault on EQ-SW-001, on site, every expected field filled; the manager rates it 差 (failed −1);
    its phone revisit done.
F2  fault on EQ-CQ-001, remote fails, then on site; ended 13 Nov; F3 on the same equipment on
    20 Nov (within 30 days: failed −1); its phone revisit, due 27 Nov, is never done (late −1).
T1  technical question answered after its 8 working hours (late −1); F3's desk response is late
    too, but that is the desk's deadline, not the engineer's.
C1, C2 complaints counted against eng_sw1 (−2; fines 100 + 100 when the month is confirmed).
Two phone revisits done (< 6: −1); no site visit this year (−2); field days far below 220 (−1).
The manager enters −1 for a missing helmet and a +3 bonus.

Items: profit 6, productivity 6, after-sales cost 8, retention 8, reporting 8, field 8−2−1 = 5,
service quality 8−2−2−1 = 3, customer care 8−1−1−2 = 4, information 9−1 = 8, technical training 5,
market 8, four behaviour items 4 each = 16: 85, bonus +3 → 88. Confirmed without the manager's
entry and bonus: 86."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from engine import commands
from engine.audit import chain as audit
from engine.db import db
from engine.errors import Conflict, Forbidden, ValidationFailed
from engine.models import AuditEvent, Instance
from engine.timers import firing as timers
from tests.workflows.flowkit import attachment, complete
from workflows.deadlines.sla import SlaRecord
from workflows.management import fines, scorecard
from workflows.management.scorecard_lines import Month, late, sales_points

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
ENG = "eng_sw1"
INSTALLATION = {"contract_number": "HT-2026-118", "equipment": [{"model": "HX-200 压滤机", "quantity": 1}]}


def at(clock, day: int, hour: int, minute: int = 0, month: int = 11) -> None:
    clock.set(dt.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(dt.UTC))


def child(case, process_id: str) -> Instance:
    return db.session.execute(sa.select(Instance).where(Instance.parent_id == case.id,
                                                        Instance.process_id == process_id)).scalar_one()


def installation(flows, actors, clock):
    at(clock, 2, 10)
    case = commands.start_instance(process_id="installation", actor=actors["sales1"],
                                   data={"customer_id": flows.sw, **INSTALLATION})
    complete(case, "desk_review", actors["desk1"])
    complete(case, "vp_approval", actors["salesvp1"], approved=True)
    complete(case, "assign_engineer", actors["manager1"], assigned_engineer=ENG)
    at(clock, 3, 9)
    complete(case, "shipping_check", actors[ENG])
    complete(case, "goods_count", actors[ENG])  # no photos: one gap
    at(clock, 4, 9)
    complete(case, "commissioning", actors[ENG], finished_on="2026-11-04")
    complete(case, "training", actors[ENG], hours="0")
    at(clock, 5, 9)
    complete(case, "performance_test", actors[ENG])
    complete(case, "summary_report", actors[ENG], parts_sales="6000.00", customer_opinion="满意")
    at(clock, 5, 15)
    return complete(case, "manager_review", actors["manager1"])


def fault(flows, actors, serial: str):
    return commands.start_instance(process_id="fault_handling", actor=actors["sales1"], data={
        "equipment_serial": serial, "symptom": "主轴异响", "occurred_at": "2026-11-01T08:00:00",
        "damage_extent": "serious"})


ONSITE = {"arrived_at": "2026-11-10T09:00:00", "site_conditions": "三班运行"}
REPORT = {"customer_opinion": "满意", "customer_signatory": "王工", "service_log": "11月到场"}


def onsite_fault(flows, actors, clock, serial: str, day: int, rating: str, remote_first: bool = False):
    at(clock, day, 9)
    case = fault(flows, actors, serial)
    complete(case, "desk_analysis", actors["desk1"])
    complete(case, "vp_decision", actors["salesvp1"], service_mode="remote" if remote_first else "onsite")
    complete(case, "assign_engineer", actors["manager1"], assigned_engineer=ENG)
    if remote_first:
        complete(case, "remote_guidance", actors[ENG], resolved=False, result="远程无法排除")
    at(clock, day + 1, 9)
    complete(case, "onsite_investigation", actors[ENG], site_photos=[attachment(f"site-{day}", by=ENG)], **ONSITE)
    for element in ("repair", "inspection_test", "trial_run"):
        complete(case, element, actors[ENG])
    complete(case, "service_report", actors[ENG], **REPORT)
    at(clock, day + 1, 16)
    return complete(case, "manager_review", actors["manager1"], service_quality=rating)


def late_answer(flows, actors, clock):
    at(clock, 16, 9)
    case = commands.start_instance(process_id="tech_support", actor=actors["sales1"], data={
        "customer_id": flows.sw, "question": "压力如何设定", "assigned_engineer": ENG})
    at(clock, 18, 9)
    timers.fire_due()  # 8 working hours passed on the 16th at 18:00: breached
    return complete(case, "answer", actors[ENG])


def complaint_against(flows, actors, clock, day: int, received_at: str | None = None):
    if received_at is None:
        at(clock, day, 9)
    data = {"customer_id": flows.cq, "channel": "phone", "priority": "ordinary", "description": "服务态度差",
            "complained_engineer": ENG}
    if received_at:
        data["received_at"] = received_at
    case = commands.start_instance(process_id="complaint", actor=actors["desk1"], data=data)
    complete(case, "respond", actors["manager1"], handled_by="service_desk")
    complete(case, "desk_handling", actors["desk1"])
    complete(case, "confirm", actors["desk1"])
    return complete(case, "close", actors["manager1"], justified=True, engineer_responsible=ENG)


def phone_revisit(case, actors, clock, day: int):
    at(clock, day, 10)
    complete(child(case, "revisit"), "phone_revisit", actors[ENG], called_at=f"2026-11-{day:02d}T10:00:00")


def build_november(flows, actors, clock):
    i1 = installation(flows, actors, clock)
    phone_revisit(i1, actors, clock, 6)
    f1 = onsite_fault(flows, actors, clock, "EQ-SW-001", 9, "poor")
    phone_revisit(f1, actors, clock, 11)
    f2 = onsite_fault(flows, actors, clock, "EQ-CQ-001", 12, "good", remote_first=True)
    at(clock, 20, 9)
    f3 = fault(flows, actors, "EQ-CQ-001")
    t1 = late_answer(flows, actors, clock)
    c1 = complaint_against(flows, actors, clock, 23)
    c2 = complaint_against(flows, actors, clock, 24)
    at(clock, 30, 10)
    timers.fire_due()
    return dict(i1=i1, f1=f1, f2=f2, f3=f3, t1=t1, c1=c1, c2=c2)


@pytest.fixture
def november(flows, actors, clock):
    return build_november(flows, actors, clock)


def lines_of(card):
    return {line["code"]: line for line in card["lines"]}


def ids(line):
    return [c["instance_id"] for c in line["cases"]]


def test_every_line_of_a_month_of_real_cases(november, actors, clock):
    at(clock, 30, 18)
    scorecard.enter_item(ENG, "2026-11", "conduct", -1, "11月24日现场未戴安全帽", actor=actors["manager1"],
                         now=clock.now())
    scorecard.set_bonus(ENG, "2026-11", 3, "主动发现批量质量隐患", actor=actors["manager1"], now=clock.now())
    card = scorecard.card(ENG, "2026-11", actor=actors[ENG])
    got = lines_of(card)
    c = november
    f2_revisit = child(c["f2"], "revisit").id
    assert (got["late"]["points"], ids(got["late"])) == (-2, [c["t1"].id, f2_revisit])
    assert (got["complaints"]["points"], ids(got["complaints"])) == (-2, [c["c1"].id, c["c2"].id])
    assert (got["failed_services"]["points"], ids(got["failed_services"])) == (-2, [c["f1"].id, c["f2"].id])
    failed = got["failed_services"]["cases"]
    assert failed[0]["note"] == "经理审核评为差" and failed[1]["note"] == "30天内同一设备再次故障"
    assert got["field_days"]["points"] == -1 and got["field_days"]["detail"] == "5 / 220"
    assert (got["training"]["points"], ids(got["training"])) == (-1, [c["i1"].id])
    assert got["phone_revisits"]["points"] == -1 and got["phone_revisits"]["detail"] == "2 / 6"
    assert got["site_visits"]["points"] == -2 and got["site_visits"]["detail"] == "0 / 11"
    assert (got["forms"]["points"], ids(got["forms"])) == (-1, [c["i1"].id])
    assert got["forms"]["cases"][0]["note"] == "现场清点、验货交接：照片"
    assert (got["parts_sales"]["points"], got["parts_sales"]["detail"]) == (8, "6000.00")
    assert got["conduct"]["points"] == -1 and got["profit"]["points"] == 0
    assert got["late"]["cases"][0]["link"] == f"/cases/{c['t1'].id}"
    items = {item["code"]: item["score"] for item in card["items"]}
    assert items == {"profit": 6, "productivity": 6, "quality_cost": 8, "retention": 8, "reporting": 8, "field": 5,
                     "service_quality": 3, "customer_care": 4, "information": 8, "tech_training": 5, "market": 8,
                     "responsibility": 4, "teamwork": 4, "initiative": 4, "discipline": 4}
    assert (card["bonus"], card["total"], card["confirmed_at"]) == (3, 88, None)


def test_a_confirmed_card_is_frozen_and_books_the_complaint_fines(november, flows, actors, clock):
    with pytest.raises(Conflict):  # November is not over
        scorecard.confirm(ENG, "2026-11", actor=actors["manager1"], now=clock.now())
    at(clock, 1, 9, month=12)
    confirmed = scorecard.confirm(ENG, "2026-11", actor=actors["manager1"], now=clock.now())
    assert confirmed["confirmed_at"] and confirmed["total"] == 86 and confirmed["differences"] == []
    ledger = fines.ledger(actor=actors["manager1"], month="2026-11")
    assert [(e["engineer"], e["kind"], e["amount"]) for e in ledger["items"]] == [(ENG, "complaint", "100.00")] * 2
    # a complaint of 28 November closed later, and another parts sale, arrive after the confirmation
    at(clock, 2, 9, month=12)
    late = complaint_against(flows, actors, clock, 2, received_at="2026-11-28T10:00:00")
    card = scorecard.card(ENG, "2026-11", actor=actors["manager1"])
    assert card["total"] == 86 and lines_of(card)["complaints"]["points"] == -2
    [difference] = card["differences"]
    assert difference["code"] == "complaints" and (difference["confirmed_points"], difference["points_now"]) == (-2, -3)
    assert late.id in [c["instance_id"] for c in difference["cases_now"]]
    assert len(fines.ledger(actor=actors["manager1"], month="2026-11")["items"]) == 2
    with pytest.raises(Conflict):
        scorecard.set_bonus(ENG, "2026-11", 1, "x", actor=actors["manager1"], now=clock.now())
    kinds = db.session.execute(sa.select(AuditEvent.type).where(AuditEvent.stream == audit.SYSTEM_STREAM)).scalars()
    assert "scorecard_confirmed" in set(kinds)


def test_who_reads_and_who_rates(november, actors, clock):
    with pytest.raises(Forbidden):
        scorecard.card(ENG, "2026-11", actor=actors["eng_sw2"])
    assert scorecard.card("eng_sw2", "2026-11", actor=actors["eng_sw2"])["total"] > 0
    with pytest.raises(Forbidden):
        scorecard.set_bonus(ENG, "2026-11", 1, "x", actor=actors["salesvp1"], now=clock.now())
    with pytest.raises(ValidationFailed):
        scorecard.set_bonus(ENG, "2026-11", 6, "x", actor=actors["manager1"], now=clock.now())
    with pytest.raises(ValidationFailed):
        scorecard.set_bonus(ENG, "2026-11", 2, "", actor=actors["manager1"], now=clock.now())
    with pytest.raises(ValidationFailed):
        scorecard.enter_item(ENG, "2026-11", "profit", -7, "x", actor=actors["manager1"], now=clock.now())
    assert len(scorecard.month_cards("2026-11", actor=actors["salesvp1"])["items"]) == 4


@pytest.mark.parametrize(("count", "amounts"), [(1, ["50.00"]), (2, ["100.00"] * 2), (3, ["100.00"] * 3)])
def test_complaint_fines_for_one_two_three_complaints(flows, actors, clock, count, amounts):
    for day in range(count):
        complaint_against(flows, actors, clock, 3 + day)
    at(clock, 1, 9, month=12)
    scorecard.confirm(ENG, "2026-11", actor=actors["manager1"], now=clock.now())
    ledger = fines.ledger(actor=actors[ENG], engineer=ENG)
    assert [e["amount"] for e in ledger["items"]] == amounts
    assert Decimal(ledger["total"]) == sum(Decimal(a) for a in amounts)


@pytest.mark.parametrize(("amount", "points"), [("0", 4), ("4999.99", 4), ("5000", 8), ("9999.99", 8),
                                                ("10000", 10)])
def test_parts_sales_tiers(amount, points):
    assert sales_points(Decimal(amount)) == points


def test_months_are_checked():
    for bad in ("2026-13", "2026-1", "26-11", "2026-11-01", "x"):
        with pytest.raises(ValidationFailed):
            Month.parse(bad)


def test_a_missed_arrival_deadline_counts_as_late(flows, actors, clock):
    """The on-site arrival SLA (`arrival`) counts against the engineer who held it, whatever the role
    of its task; a deadline of the desk's never does."""
    at(clock, 3, 9)
    case, other = fault(flows, actors, "EQ-SW-001"), fault(flows, actors, "EQ-CQ-001")
    due = dt.datetime(2026, 11, 4, 1)
    for held, who in ((case, ENG), (other, "eng_sw2")):
        db.session.add(SlaRecord(instance_id=held.id, case_number=held.case_number, process_id="fault_handling",
                                 rule="arrival", assignee=who, started_at=due, due_at=due, breached_at=due,
                                 outcome="breached"))
    desk = db.session.execute(sa.select(SlaRecord).where(SlaRecord.instance_id == other.id,
                                                         SlaRecord.rule == "service_request_response")).scalar_one()
    desk.outcome, desk.breached_at, desk.assignee = "breached", due, ENG
    db.session.flush()
    line = late(ENG, Month.parse("2026-11"))
    assert (line.points, [c["instance_id"] for c in line.cases]) == (-1, [case.id])
