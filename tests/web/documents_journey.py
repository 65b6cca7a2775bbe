"""A finished installation and a finished quality-fault case whose customers and trainees signed on
the engineer's phone, driven through the real commands; and the text of a PDF."""
from __future__ import annotations

import io

from PIL import Image, ImageDraw
from pypdf import PdfReader

from engine import attachments, commands
from engine.clock import now
from tests.web.names_journey import drive
from tests.workflows.collaboration.conftest import give_names
from tests.workflows.flowkit import complete


def drawn_signature(name: str, by: str) -> str:
    """The id of a signature `by` captured: a real PNG of a few strokes, as the pad uploads it."""
    image = Image.new("RGB", (300, 120), "white")
    pen = ImageDraw.Draw(image)
    shift = sum(map(ord, name)) % 60  # each signer draws differently
    pen.line([(10, 90), (80, 20 + shift), (150, 95), (220, 30 + shift), (290, 80)], fill="black", width=4)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    with commands.transaction():
        return attachments.store(filename="signature.png", content=buffer.getvalue(), uploaded_by=by,
                                 max_bytes=1 << 20, now=now()).id


def photo(name: str, by: str) -> str:
    """A real JPEG photo (the documents draw it)."""
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 120, 160)).save(buffer, "JPEG")
    with commands.transaction():
        return attachments.store(filename=f"{name}.jpg", content=buffer.getvalue(), uploaded_by=by,
                                 max_bytes=1 << 20, now=now()).id


def finished_installation(flows, actors):
    give_names()
    eng = actors["eng_sw1"]
    case = commands.start_instance(process_id="installation", data={
        "customer_id": flows.sw, "contract_number": "HT-2026-018", "wished_date": "2026-03-20",
        "equipment": [{"model": "HX-200 压滤机", "quantity": 2}], "remarks": "厂房二号车间"}, actor=actors["sales1"])
    complete(case, "desk_review", actors["desk1"])
    complete(case, "vp_approval", actors["salesvp1"], approved=True)
    complete(case, "assign_engineer", actors["manager1"], assigned_engineer="eng_sw1")
    complete(case, "shipping_check", eng)
    complete(case, "goods_count", eng, photos=[photo("crate-photo", "eng_sw1")])
    complete(case, "commissioning", eng)
    complete(case, "training", eng, attendees=[
        {"name": "李操作", "position": "操作工", "signature": drawn_signature("李操作", "eng_sw1")},
        {"name": "赵维修", "position": "维修工", "signature": drawn_signature("赵维修", "eng_sw1")}])
    complete(case, "performance_test", eng, passed=True, customer_signatory="王厂长",
             customer_signature=drawn_signature("王厂长", "eng_sw1"))
    complete(case, "summary_report", eng)
    case = complete(case, "manager_review", actors["manager1"])
    assert case.status == "completed"
    return case


def at_the_receipt(flows, actors, until: str = "performance_test"):
    """An installation whose engineer is at the acceptance receipt (性能考核), or at an earlier on-site step."""
    give_names()
    case = commands.start_instance(process_id="installation", data={
        "customer_id": flows.sw, "contract_number": "HT-2026-018", "wished_date": "2026-03-20",
        "equipment": [{"model": "HX-200 压滤机", "quantity": 1}]}, actor=actors["sales1"])
    complete(case, "desk_review", actors["desk1"])
    complete(case, "vp_approval", actors["salesvp1"], approved=True)
    complete(case, "assign_engineer", actors["manager1"], assigned_engineer="eng_sw1")
    steps = ("shipping_check", "goods_count", "commissioning", "training", "performance_test")
    for element in steps[:steps.index(until)]:
        complete(case, element, actors["eng_sw1"])
    return case


def finished_fault(flows, actors):
    """The fault case of names_journey (with its 8,400-yuan compensation), its report signed."""
    return drive(flows, actors, service_report={"customer_signatory": "王工",
                                                "customer_signature": drawn_signature("王工", "eng_sw1")}).case


def pdf_text(body: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)


def pdf_images(body: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(body)).pages)
