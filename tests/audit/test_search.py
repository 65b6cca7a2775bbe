"""Auditors search across cases: customer, flow, date range, approver, amount band, SLA breached."""
from __future__ import annotations

from engine import commands
from engine.audit import chain as audit
from engine.commands import transaction
from tests.audit.demo_cases import ready


def _numbers(api, query=""):
    response = api("auditor1").get(f"/audit/cases?{query}")
    assert response.status_code == 200, response.get_json()
    return sorted(item["case_number"] for item in response.get_json()["items"])


def _claims(cases, clock):
    small = cases.claim(amount="800")  # the manager approves
    clock.advance(days=3)
    big = cases.claim(amount="4800")  # the VP approves
    clock.advance(days=3)
    cases.deploy("t_approval")
    other = commands.start_instance(process_id="t_approval", data={"customer_name": "川东机电", "amount": "5000"},
                                    actor=cases.users["sales1"])
    return small, big, other


def test_filters(cases, api, clock):
    small, big, other = _claims(cases, clock)
    everyone = sorted([small.case_number, big.case_number, other.case_number])
    assert _numbers(api) == everyone
    assert _numbers(api, "customer=华西") == sorted([small.case_number, big.case_number])
    assert _numbers(api, "process_id=t_approval") == [other.case_number]
    assert _numbers(api, "approver=manager1") == [small.case_number]
    assert _numbers(api, "approver=salesvp1") == [big.case_number]
    assert _numbers(api, "amount_min=1000&amount_max=5000") == sorted([big.case_number, other.case_number])
    assert _numbers(api, "amount_max=1000") == [small.case_number]
    assert _numbers(api, "status=running") == [other.case_number]
    # Monday 2026-03-02 09:00 Shanghai, then +3 days, +3 days: company calendar days
    assert _numbers(api, "started_from=2026-03-05&started_to=2026-03-05") == [big.case_number]
    assert _numbers(api, "started_to=2026-03-02") == [small.case_number]


def test_sla_breached_filter_reads_the_breaches_recorded_in_the_history(cases, api, clock):
    small, big, _other = _claims(cases, clock)
    with transaction():  # as the SLA service records a breach in the case's chain
        audit.append(audit.instance_stream(big.id), [{"type": "sla_breached", "at": clock.now(), "actor": "system",
                                                      "data": {"sla": "approval", "due_at": "2026-03-06T01:00:00Z"}}],
                     instance_id=big.id)
    assert _numbers(api, "sla_breached=true") == [big.case_number]
    assert small.case_number in _numbers(api, "sla_breached=false")
    assert big.case_number not in _numbers(api, "sla_breached=false")


def test_results_carry_the_approvers_and_search_is_for_auditors_only(cases, api, clock):
    small, _big, _other = _claims(cases, clock)
    [item] = api("auditor1").get("/audit/cases?approver=manager1").get_json()["items"]
    assert item["approvers"] == ["manager1"] and item["amount"] == "800.00" and item["status"] == "completed"
    assert api("sales1").get("/audit/cases").status_code == 403
    bad = api("auditor1").get("/audit/cases?amount_min=lots&started_from=yesterday")
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"amount_min", "started_from"}
    assert ready(small.id) == {}
