"""Signatures bound to what they sign: a drawn signature is kept with the signer's name, the time and
a hash of the document's values; an audited correction of a signed value afterwards makes the
document say the signature no longer matches."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from engine import commands, operations
from engine.db import db
from engine.errors import ValidationFailed
from engine.forms import check_definition
from tests.web.documents_journey import drawn_signature
from tests.workflows.flowkit import complete, task_of
from workflows.documents import layouts, signatures
from workflows.documents.signatures import DocumentSignature


def _on_site(flows, actors):
    case = commands.start_instance(process_id="installation", data={
        "customer_id": flows.sw, "contract_number": "HT-2026-018", "wished_date": "2026-03-20",
        "equipment": [{"model": "HX-200 压滤机", "quantity": 1}]}, actor=actors["sales1"])
    complete(case, "desk_review", actors["desk1"])
    complete(case, "vp_approval", actors["salesvp1"], approved=True)
    complete(case, "assign_engineer", actors["manager1"], assigned_engineer="eng_sw1")
    for element in ("shipping_check", "goods_count", "commissioning"):
        complete(case, element, actors["eng_sw1"])
    return case


def test_a_signature_keeps_signer_time_and_the_hash_of_what_it_signs(flows, actors, clock):
    case = _on_site(flows, actors)
    complete(case, "training", actors["eng_sw1"], attendees=[
        {"name": "李操作", "signature": drawn_signature("李操作", "eng_sw1")}, {"name": "赵维修"}])
    rows = db.session.execute(sa.select(DocumentSignature)).scalars().all()
    assert [(r.document, r.field, r.signer, r.captured_by) for r in rows] == [
        ("training", "attendees.0.signature", "李操作", "eng_sw1")]
    assert rows[0].signed_at == clock.now().replace(tzinfo=None) and len(rows[0].values_hash) == 64
    document = layouts.case_document(case, "training", "zh")
    assert [(s.signer, s.matches) for s in signatures.states(document, "zh")] == [("李操作", True)]
    assert signatures.is_signed(document)


def test_correcting_a_signed_value_makes_the_signature_no_longer_match(flows, actors):
    case = _on_site(flows, actors)
    complete(case, "training", actors["eng_sw1"])
    complete(case, "performance_test", actors["eng_sw1"], passed=True, customer_signatory="王厂长",
             customer_signature=drawn_signature("王厂长", "eng_sw1"))
    acceptance = layouts.case_document(case, "acceptance", "zh")
    assert signatures.is_signed(acceptance)
    signed = acceptance.task_id
    operations.correct_value(instance_id=case.id, task_id=signed, field="problems", value="二号机振动偏大",
                             actor=actors["manager1"], reason="工程师漏记了问题")
    acceptance = layouts.case_document(case, "acceptance", "zh")
    assert [(s.signer, s.matches) for s in signatures.states(acceptance, "zh")] == [("王厂长", False)]
    assert not signatures.is_signed(acceptance)
    # the documents no signature covers are untouched
    assert layouts.case_document(case, "goods_count", "zh") is not None
    assert task_of(case, "summary_report")


def test_a_signature_names_an_image_its_capturer_uploaded(flows, actors):
    case = _on_site(flows, actors)
    someone_elses = drawn_signature("某人", "sales1")
    with pytest.raises(ValidationFailed) as failed:
        complete(case, "training", actors["eng_sw1"], attendees=[{"name": "李操作", "signature": someone_elses}])
    assert "attendees.0.signature" in failed.value.errors


def test_a_signature_field_needs_its_signer_beside_it():
    good = {"fields": [{"name": "who", "type": "string"}, {"name": "sig", "type": "signature", "signer": "who"}]}
    bad = {"fields": [{"name": "sig", "type": "signature", "signer": "nobody"}]}
    assert check_definition("f", good) == []
    assert check_definition("f", bad) == ["form 'f': signature field 'sig' needs a 'signer' field beside it"]
