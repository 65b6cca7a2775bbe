"""Uploaded documents: typed by their bytes, size-limited, stored once per content, accepted in
forms only when they exist, and linked to the cases whose forms name them."""
from __future__ import annotations

import pytest

from engine import attachments, commands, queries
from engine.clock import now
from engine.commands import transaction
from engine.errors import ValidationFailed
from tests.web.conftest import PNG

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 24


def store(content: bytes, name: str = "f", *, limit: int = 1024 * 1024, lang: str = "zh", by: str = "eng1"):
    with transaction():
        return attachments.store(filename=name, content=content, uploaded_by=by, max_bytes=limit, now=now(),
                                 lang=lang).id


@pytest.mark.parametrize(("content", "kind"), [(PNG, "image/png"), (PDF, "application/pdf"), (JPEG, "image/jpeg"),
                                              (WEBP, "image/webp"), (b"GIF89a" + b"\x00" * 10, "image/gif")])
def test_the_type_comes_from_the_bytes(content, kind):
    attachment_id = store(content, "whatever.bin")
    assert attachments.get(attachment_id).content_type == kind


@pytest.mark.parametrize("content", [b"<html><script>alert(1)</script>", b"MZ\x90\x00", b"PK\x03\x04zip"])
def test_anything_else_is_refused_in_the_page_language(content):
    with pytest.raises(ValidationFailed) as zh:
        store(content)
    assert zh.value.errors == {"file": ["只能上传图片（JPEG、PNG、GIF、WebP）或 PDF 文件。"]}
    with pytest.raises(ValidationFailed) as en:
        store(content, lang="en")
    assert "Only images" in en.value.errors["file"][0]


def test_empty_and_oversized_files_are_refused():
    with pytest.raises(ValidationFailed) as empty:
        store(b"")
    assert empty.value.errors == {"file": ["文件是空的。"]}
    with pytest.raises(ValidationFailed) as too_big:
        store(PNG + b"\x00" * 2048, limit=1024)
    assert "上限" in too_big.value.errors["file"][0]
    assert attachments.describe([]) == {}


def test_the_same_content_is_stored_once_and_names_are_made_safe():
    first = store(PNG, "../../etc/passwd.png")
    second = store(PNG, "again.png")
    assert first == second
    row = attachments.get(first)
    assert "/" not in row.filename and row.filename.endswith("etc_passwd.png")
    assert store(PDF, "") and attachments.get(store(PDF, "")).filename == "upload.pdf"


def test_a_form_only_accepts_ids_of_stored_files():
    attachment_id = store(PNG)
    assert attachments.resolve_file(attachment_id) == attachment_id
    with pytest.raises(ValueError):
        attachments.resolve_file("0" * 64)
    with pytest.raises(ValueError):
        attachments.resolve_file("../x")


def test_files_named_by_a_case_are_linked_to_it(deploy, users):
    deploy("t_forms")
    photo = store(PNG, "start.png", by="sales1")
    instance = commands.start_instance(process_id="t_forms", data={"customer_name": "A", "symptom": "x",
                                                                   "photos": [photo]}, actor=users["sales1"])
    assert [row.filename for _, row in attachments.case_files(instance.id)] == ["start.png"]
    [report] = queries.tasks_of(instance.id, "ready")
    site = store(PDF, "report.pdf")
    commands.complete_task(task_id=report.id, data={"summary": "ok", "hours": 1, "fixed": True, "photos": [site]},
                           actor=users["eng1"])
    links = attachments.case_files(instance.id)
    assert [(link.field, link.task_id, row.filename) for link, row in links] == \
        [("photos", None, "start.png"), ("photos", report.id, "report.pdf")]
    assert attachments.cases_naming(site) == [instance.id]
    with pytest.raises(ValidationFailed) as unknown:
        commands.start_instance(process_id="t_forms", data={"customer_name": "A", "symptom": "x",
                                                            "photos": ["f" * 64]}, actor=users["sales1"])
    assert "附件不存在" in unknown.value.errors["photos.0"][0]


def test_file_values_walks_rows():
    definition = {"fields": [{"name": "lines", "type": "rows", "fields": [{"name": "scan", "type": "file",
                                                                           "multiple": False}]},
                             {"name": "photo", "type": "file"}]}
    a, b = "a" * 64, "b" * 64
    assert attachments.file_values(definition, {"lines": [{"scan": a}, {}], "photo": [b, "junk"]}) == \
        [("lines.0.scan", a), ("photo", b)]
