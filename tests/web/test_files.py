"""`POST /files` (the page script's one-file-at-a-time upload) and who may download."""
from __future__ import annotations

import io

from engine import attachments
from tests.web.conftest import PNG


def upload(browser, content: bytes, name: str, *, token: str | None = None):
    with browser.client.application.app_context():
        return browser.client.post("/files", data={"file": (io.BytesIO(content), name)},
                                   headers={"X-CSRFToken": browser.token if token is None else token,
                                            "Accept": "application/json"}, content_type="multipart/form-data")


def test_the_page_script_uploads_one_file_and_gets_its_id(as_user):
    eng = as_user("eng1")
    response = upload(eng, PNG, "现场.png")
    assert response.status_code == 201
    body = response.get_json()
    assert body["filename"] == "现场.png" and body["content_type"] == "image/png" and body["size"] == len(PNG)
    assert body["url"] == f"/files/{body['id']}"
    assert attachments.get(body["id"]).uploaded_by == "eng1"
    assert eng.get(body["url"]).data == PNG  # the uploader may look at it before any case names it
    assert as_user("desk1").get(body["url"]).status_code == 403  # nobody else, until a case names it


def test_refusals_come_back_as_json_with_the_reason(as_user):
    eng = as_user("eng1")
    refused = upload(eng, b"#!/bin/sh\necho hi\n", "script.png")
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {"file": ["只能上传图片（JPEG、PNG、GIF、WebP）或 PDF 文件。"]}
    assert upload(eng, PNG, "x.png", token="forged").status_code == 400


def test_downloads_need_login_and_a_known_id(client, as_user):
    assert client.get("/files/" + "a" * 64).status_code == 302
    assert as_user("eng1").get("/files/" + "a" * 64).status_code == 404
    assert as_user("eng1").get("/files/..%2f..%2fetc%2fpasswd").status_code == 404
