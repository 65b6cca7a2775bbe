"""Cursors on the pages and in the API: the case list links onward by cursor, the API's task and case
lists give out `next_cursor` (by page number too) and take it back, and a cursor that is not one the
list gave out is a clear 422 on a page and in the API — never a server error."""
from __future__ import annotations

import re

import pytest

from engine import queries
from tests.engine.test_keyset_pages import seed
from tests.web.test_inbox_pages import start_approvals


def _link(html: str, rel: str) -> str | None:
    found = re.search(rf'href="([^"]+)" rel="{rel}"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_case_list_links_onward_and_back_by_cursor(as_user):
    seed(30)
    desk = as_user("desk1")
    first = desk.get("/cases/").get_data(as_text=True)
    assert "共 30 条" in first and _link(first, "prev") is None
    numbers = re.findall(r'href="/cases/(\d+)"', first)
    following = _link(first, "next")
    assert "cursor=" in following and "page=" not in following
    second = desk.get(following).get_data(as_text=True)
    later = re.findall(r'href="/cases/(\d+)"', second)
    assert len(numbers) == 25 and len(later) == 5 and not set(numbers) & set(later)
    assert re.findall(r'href="/cases/(\d+)"', desk.get(_link(second, "prev")).get_data(as_text=True)) == numbers


def test_a_count_past_the_cap_shows_as_more(as_user, monkeypatch):
    seed(30)
    monkeypatch.setattr(queries, "COUNT_CAP", 12)
    html = as_user("manager1").get("/inbox?tab=all").get_data(as_text=True)
    assert re.search(r'data-count="all">12\+<', html) and "共 12+ 条" in html


def test_the_api_walks_every_task_and_case_by_next_cursor(api, users, deploy):
    deploy("t_approval")
    start_approvals(users, *[f"客户{i:02d}" for i in range(23)])
    client = api("manager1")
    for path, key in (("/tasks?per_page=5", "id"), ("/process-instances?per_page=5", "id")):
        everything = [item[key] for item in client.get(path.replace("5", "100")).get_json()["items"]]
        body = client.get(path).get_json()
        seen = [item[key] for item in body["items"]]
        assert body["total"] == 23 and body["page"] == 1
        while body["next_cursor"]:
            body = client.get(f"{path}&cursor={body['next_cursor']}").get_json()
            seen.extend(item[key] for item in body["items"])
        assert seen == everything and len(seen) == 23
        numbered = client.get(f"{path}&page=2").get_json()  # older clients: page numbers still work
        continued = client.get(f"{path}&cursor={numbered['next_cursor']}").get_json()
        assert [i[key] for i in continued["items"]] == everything[10:15]


@pytest.mark.parametrize("path", ["/tasks?cursor=%s", "/process-instances?cursor=%s"])
@pytest.mark.parametrize("bad", ["garbage!", "e30", "x" * 700])
def test_a_bad_cursor_in_the_api_is_a_clear_422(api, path, bad):
    response = api("manager1").get(path % bad)
    assert response.status_code == 422
    body = response.get_json()
    assert "cursor" in str(body), body


@pytest.mark.parametrize("path", ["/inbox?tab=all&cursor=%s", "/cases/?cursor=%s"])
def test_a_bad_cursor_on_a_page_is_a_clear_422(as_user, path):
    response = as_user("manager1").get(path % "bm90IG91cnM")
    assert response.status_code == 422
    assert "cursor" in response.get_data(as_text=True)
