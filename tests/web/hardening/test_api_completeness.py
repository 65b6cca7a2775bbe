"""What a page can do, an API client can do: upload a document and start a compensation claim with
it as evidence, entirely over the API. The OpenAPI document is true to the answers (checked by
schemathesis on a subset here, on every operation in CI), and a 405 says what is allowed."""
from __future__ import annotations

import io

import pytest
import schemathesis
from hypothesis import given, settings
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from engine import attachments
from tests.web.conftest import PNG
from web.api.openapi import build_spec

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def test_a_compensation_claim_with_its_evidence_is_started_entirely_over_the_api(api, flows):
    engineer = api("eng_sw1")
    uploaded = engineer.post("/files", data={"file": (io.BytesIO(PDF), "客户来函.pdf")},
                             content_type="multipart/form-data")
    assert uploaded.status_code == 201, uploaded.get_json()
    document = uploaded.get_json()
    assert document["content_type"] == "application/pdf" and document["filename"] == "客户来函.pdf"
    assert len(document["id"]) == 64 and document["size"] == len(PDF)
    created = engineer.post("/process-instances", json={"process_id": "compensation_approval", "data": {
        "customer_id": flows.sw, "equipment_serial": "EQ-SW-001", "evidence_kind": "quality_letter",
        "evidence": [document["id"]], "description": "主轴承滚道剥落",
        "lines": [{"part_code": "BRG-6205", "quantity": 2}]}})
    assert created.status_code == 201, created.get_json()
    case = created.get_json()
    assert case["data"]["evidence"] == [document["id"]] and case["data"]["amount"] == "171.00"
    assert [t["element_id"] for t in case["tasks"]] == ["desk_verify"]
    linked = attachments.case_files(case["id"])
    assert [(link.field, row.filename) for link, row in linked] == [("evidence", "客户来函.pdf")]
    assert engineer.client.get(document["url"], headers=engineer.headers).data == PDF


def test_uploads_over_the_api_are_checked_like_the_pages(api, users, client):
    desk = api("desk1")
    missing = desk.post("/files", data={}, content_type="multipart/form-data")
    assert missing.status_code == 422 and "file" in missing.get_json()["errors"]
    script = desk.post("/files", data={"file": (io.BytesIO(b"<script>alert(1)</script>"), "x.html")},
                       content_type="multipart/form-data")
    assert script.status_code == 422 and script.get_json()["errors"]["file"]
    image = desk.post("/files", data={"file": (io.BytesIO(PNG), "p.png")}, content_type="multipart/form-data")
    assert image.status_code == 201 and image.get_json()["content_type"] == "image/png"
    assert client.post("/api/v1/files", data={"file": (io.BytesIO(PNG), "p.png")}).status_code == 401


def test_method_not_allowed_says_which_methods_are(api, users):
    desk = api("desk1")
    response = desk.client.put("/api/v1/tasks", headers=desk.headers)
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert response.get_json()["code"] == "method_not_allowed"
    tokens = desk.client.patch("/api/v1/tokens", headers=desk.headers)
    assert tokens.status_code == 405 and {"GET", "POST"} <= set(tokens.headers["Allow"].split(", "))


def test_the_document_types_money_as_decimal_strings_and_bounds_every_id(app):
    with app.test_request_context():
        document = build_spec()
    schemas = document["components"]["schemas"]
    assert schemas["PartItem"]["properties"]["price"]["type"] == "string"
    assert schemas["PartItem"]["properties"]["price"]["format"] == "decimal"
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert "503" in operation["responses"], (method, path)
            for parameter in operation["parameters"]:
                schema = parameter.get("schema", {})
                assert "minimum" not in schema or isinstance(schema["minimum"], int | float), (path, parameter)
                if parameter["in"] == "path" and schema.get("type") == "integer":
                    assert schema["maximum"] == 2**31 - 1
    error = schemas["Error"]["properties"]
    assert {"code", "message", "errors", "retry_after", "task_id", "role"} <= set(error)


@pytest.fixture
def api_schema(app, users, flows, api):
    token = api("admin").headers["Authorization"]
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    schema.config.generation.update(max_examples=8, deterministic=True)
    return schema, token


@pytest.mark.parametrize("path", ["/tasks", "/parts", "/tokens", "/process-models", "/customers/{customer_id}"])
def test_answers_match_the_document(api_schema, path):
    """A subset driven by schemathesis through the app itself: no 5xx, every answer as documented."""
    schema, token = api_schema
    operation = schema[path]["GET"]
    strategy = operation.as_strategy()

    @settings(max_examples=8, deadline=None, derandomize=True)
    @given(case=strategy)
    def check(case):
        response = case.call(headers={"Authorization": token})
        assert response.status_code < 500, response.text
        case.validate_response(response, checks=[status_code_conformance, response_schema_conformance])

    check()
