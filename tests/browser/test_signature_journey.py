"""On a phone (390×844) the engineer has the customer sign the installation acceptance receipt with
a finger on the signature pad; the receipt then shows the drawn signature as matching."""
from __future__ import annotations

import pytest

from engine.db import db
from tests.browserkit import NO_HORIZONTAL_SCROLL
from tests.web.documents_journey import at_the_receipt
from tests.workflows.flowkit import task_of
from workflows.documents import layouts, signatures

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def test_the_engineer_has_the_customer_sign_the_receipt_on_the_pad(open_session, flows, actors, artifacts):
    case = at_the_receipt(flows, actors)
    receipt = task_of(case, "performance_test")
    page = open_session("eng_sw1", **PHONE).go(f"/tasks/{receipt.id}")
    page.fill("[name='results-0-indicator']", "处理量")
    page.fill("[name='results-0-measured']", "21 m³/h")
    page.check("input[name='passed'][value='true']")
    page.fill("[name='customer_signatory']", "王厂长")
    pad = page.locator("[data-signature-pad]")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box["width"] <= 390
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 25, box["y"] + box["height"] * (0.3 if step % 2 else 0.7), steps=3)
    page.mouse.up()
    page.wait_for_function("() => document.querySelector('[data-signature-value]').value.length === 64")
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    page.screenshot(path=str(artifacts / "signature-pad-390.png"), full_page=True)
    with page.expect_navigation():
        page.click("[data-testid=complete]")
    db.session.expire_all()  # the live server wrote it
    document = layouts.case_document(case, "acceptance", "zh")
    [state] = signatures.states(document, "zh")
    assert (state.signer, state.matches) == ("王厂长", True)
    shown = page.context.new_page()
    shown.goto(page.url.split("/tasks")[0].split("/cases")[0] + f"/cases/{case.id}/documents/acceptance")
    assert "签名有效" in shown.text_content("[data-testid=signatures]")
    assert shown.evaluate(NO_HORIZONTAL_SCROLL)  # the printable receipt reads on the phone too
    shown.screenshot(path=str(artifacts / "receipt-390.png"), full_page=True)


def sign(page, pad) -> None:
    """A few strokes with the pointer across the pad."""
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 15, box["y"] + box["height"] * 0.6)
    page.mouse.down()
    for step in range(1, 9):
        page.mouse.move(box["x"] + 15 + step * 30, box["y"] + box["height"] * (0.3 if step % 2 else 0.7), steps=3)
    page.mouse.up()


def test_each_trainee_signs_the_training_sheet_in_their_own_row(open_session, flows, actors):
    case = at_the_receipt(flows, actors, until="training")
    training = task_of(case, "training")
    page = open_session("eng_sw1", **PHONE).go(f"/tasks/{training.id}")
    page.fill("[name='training_date']", "2026-03-11")
    page.fill("[name='topics']", "操作与日常维护")
    page.fill("[name='attendees-0-name']", "李操作")
    sign(page, page.locator("[data-field='attendees.0.signature'] [data-signature-pad]"))
    page.click("[data-field='attendees'] [data-add-row]")
    page.fill("[name='attendees-1-name']", "赵维修")
    sign(page, page.locator("[data-field='attendees.1.signature'] [data-signature-pad]"))
    page.wait_for_function("() => [...document.querySelectorAll('[data-signature-value]')]"
                           ".filter(i => i.value.length === 64).length === 2")
    with page.expect_navigation():
        page.click("[data-testid=complete]")
    db.session.expire_all()
    document = layouts.case_document(case, "training", "zh")
    assert [(s.signer, s.matches) for s in signatures.states(document, "zh")] == [("李操作", True), ("赵维修", True)]
