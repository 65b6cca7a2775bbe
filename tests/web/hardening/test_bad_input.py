"""Hostile input gets a clear 4xx, never a 500: numbers beyond what a column holds, page numbers
beyond 64 bits, JSON nested without end, 1e308 as money, NUL characters and unpaired surrogates
anywhere, and XML with a DOCTYPE in a diagram."""
from __future__ import annotations

import io

import pytest

from tests.conftest import TEST_BPMN

HUGE = "9243002429315649445729568555008"


@pytest.mark.parametrize("path", [
    "/api/v1/process-instances/2147483648", f"/api/v1/process-instances/{HUGE}",
    f"/api/v1/process-instances/{'9' * 5000}/events", f"/api/v1/customers/{HUGE}",
])
def test_ids_beyond_any_row_are_not_found(api, path):
    response = api("sales1").client.get(path, headers=api("sales1").headers)
    assert response.status_code == 404
    body = response.get_json()
    assert body["code"] == "not_found" and "largest id" in body["message"]


@pytest.mark.parametrize("path", ["/tasks", "/process-instances", "/customers", "/tokens"])
def test_api_page_numbers_are_bounded(api, path):
    response = api("desk1").get(f"{path}?page={HUGE}")
    assert response.status_code == 422
    assert response.get_json()["errors"]["page"] == ["Must be greater than or equal to 1 and less than or equal "
                                                      "to 100000."]


@pytest.mark.parametrize("path", ["/cases/", "/notifications/", "/inbox"])
@pytest.mark.parametrize("page", [HUGE, "-1", "abc"])
def test_page_numbers_on_pages_get_an_error_page(as_user, path, page):
    response = as_user("desk1").get(f"{path}?page={page}")
    assert response.status_code == 422 and response.content_type.startswith("text/html")
    assert "页码必须是 1 到 100000 之间的整数" in response.get_data(as_text=True)


def test_case_page_beyond_the_largest_id_is_a_not_found_page(as_user):
    response = as_user("desk1").get("/cases/2147483648")
    assert response.status_code == 404 and response.content_type.startswith("text/html")


def _nested(depth: int) -> str:
    return '{"process_id": "t_approval", "data": {"a": ' + "[" * depth + "]" * depth + "}}"


@pytest.mark.parametrize("depth", [40, 100_000])
def test_deeply_nested_json_is_refused(api, deploy, depth):
    deploy("t_approval")
    response = api("sales1").post("/process-instances", data=_nested(depth), content_type="application/json")
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert body["code"] == "invalid_input" and "nested deeper than 32 levels" in str(body["errors"])
    assert api("sales1").get("/process-instances").get_json()["total"] == 0


@pytest.mark.parametrize(("amount", "problem"), [
    ("1e308", "不能大于 9999999999.99"), ("1e400", "too large"), ("-1e308", "不能小于 -9999999999.99"),
    ("NaN", "NaN is not allowed"), ("Infinity", "Infinity is not allowed"),
    ('"99999999999999999999999999999999.5"', "不能大于 9999999999.99"),
])
def test_money_out_of_range_is_a_field_error(api, deploy, amount, problem):
    deploy("t_approval")
    body = '{"process_id": "t_approval", "data": {"customer_name": "成都重工", "amount": ' + amount + "}}"
    response = api("sales1").post("/process-instances", data=body, content_type="application/json")
    assert response.status_code == 422, response.get_json()
    assert problem in str(response.get_json()), response.get_json()
    assert api("sales1").get("/process-instances").get_json()["total"] == 0


def test_integers_beyond_64_bits_in_a_body_are_refused(api, deploy):
    deploy("t_approval")
    body = '{"process_id": "t_approval", "data": {"customer_name": "x", "n": ' + HUGE + "}}"
    response = api("sales1").post("/process-instances", data=body, content_type="application/json")
    assert response.status_code == 422 and "64 bits" in response.get_json()["message"]


@pytest.mark.parametrize(("escaped", "problem"), [("\\u0000", "NUL character"), ("\\ud800", "unpaired surrogate")])
def test_nul_and_lone_surrogates_in_json_are_refused_with_the_field_named(api, deploy, escaped, problem):
    deploy("t_approval")
    body = '{"process_id": "t_approval", "data": {"customer_name": "成都' + escaped + '重工"}}'
    response = api("sales1").post("/process-instances", data=body, content_type="application/json")
    assert response.status_code == 422
    assert problem in response.get_json()["errors"]["data.customer_name"][0]
    assert api("sales1").get("/process-instances").get_json()["total"] == 0


def test_nul_in_query_strings_path_segments_and_forms_is_refused(api, client, browser):
    desk = api("desk1")
    query = desk.get("/tasks?q=a%00b")
    assert query.status_code == 422 and "NUL" in query.get_json()["errors"]["query.q"][0]
    path = desk.get("/tasks/ab%00cd")
    assert path.status_code == 422 and "path.task_id" in path.get_json()["errors"]
    login = browser.post("/login", {"username": "desk1\x00", "password": "x"})
    assert login.status_code == 422 and login.content_type.startswith("text/html")
    assert "空字符" in login.get_data(as_text=True)
    token = client.post("/api/v1/tokens", json={"username": "sales1\u0000", "password": "pw"})
    assert token.status_code == 422 and token.get_json()["errors"]["username"] == ["contains a NUL character"]


def _deploy(api, bpmn_text: str):
    forms = TEST_BPMN / "forms" / "t_approval"
    files = {"file": [(io.BytesIO(bpmn_text.encode()), "t_approval.bpmn"),
                      (io.BytesIO((forms / "start.json").read_bytes()), "start.json"),
                      (io.BytesIO((forms / "review.json").read_bytes()), "review.json")]}
    return api("owner1").post("/process-models", data=files, content_type="multipart/form-data")


@pytest.mark.parametrize("doctype", [
    '<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]>',  # an external entity
    '<!DOCTYPE d [<!ENTITY % p SYSTEM "http://127.0.0.1:1/x.dtd"> %p;]>',  # a parameter entity
    '<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',  # an expansion
    "<!DOCTYPE definitions>",  # a plain one: refused all the same
])
def test_a_diagram_with_any_doctype_is_refused(api, doctype):
    text = (TEST_BPMN / "t_approval.bpmn").read_text(encoding="utf-8")
    declaration, rest = text.split("?>", 1) if text.startswith("<?xml") else ("", text)
    hostile = (declaration + "?>" if declaration else "") + doctype + rest.replace(
        'name="', 'name="&e;', 1)
    response = _deploy(api, hostile)
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["code"] == "invalid_model"
    assert body["errors"] == [{"element": "t_approval.bpmn", "problem": "a DOCTYPE is not allowed in BPMN or DMN "
                                                                         "files (entities could read files or "
                                                                         "expand without bound)"}]
    assert api("owner1").get("/process-models").get_json()["total"] == 0
