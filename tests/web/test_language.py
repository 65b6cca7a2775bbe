"""Pages are Chinese by default; `?lang=en` switches every label to English and is remembered.
On an English page no Chinese interface text remains: only people's data (customer names, what
was typed into forms), which the pages mark translate="no"."""
from __future__ import annotations

import re
from html.parser import HTMLParser

from engine import commands

CJK = re.compile(r"[\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
LABEL_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")


class InterfaceText(HTMLParser):
    """The text a person reads as the interface: text nodes and label attributes, leaving out
    elements marked translate="no" (data) and scripts."""

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.found: list[str] = []

    def _skipping(self) -> bool:
        return any(skip for _, skip in self.stack)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        skip = attributes.get("translate") == "no" or tag in ("script", "style")
        if not skip and not self._skipping():
            self.found += [attributes[a] for a in LABEL_ATTRIBUTES if attributes.get(a)]
        if tag not in VOID:
            self.stack.append((tag, skip))

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        if data.strip() and not self._skipping():
            self.found.append(data.strip())


def chinese_interface_text(html: str) -> list[str]:
    parser = InterfaceText()
    parser.feed(html)
    return [text for text in parser.found if CJK.search(text)]


def pages(instance, task) -> list[str]:
    return ["/inbox?tab=role", "/inbox?tab=mine", f"/tasks/{task.id}", f"/cases/{instance.id}", "/cases/",
            "/start/", "/start/t_forms", "/inbox?tab=role&q=none-such", "/tasks/no-such-task"]


def test_every_page_is_chinese_by_default(as_user, forms_case):
    instance, report = forms_case
    eng = as_user("eng1")
    for path in pages(instance, report):
        html = eng.get(path).get_data(as_text=True)
        assert '<html lang="zh-CN">' in html, path
        assert chinese_interface_text(html), path


def test_english_pages_show_no_chinese_interface_text(as_user, forms_case, users):
    instance, report = forms_case
    commands.claim_task(task_id=report.id, actor=users["eng1"])  # fills "my tasks" too
    eng = as_user("eng1")
    eng.get("/inbox?lang=en")
    for path in pages(instance, report):
        html = eng.get(path).get_data(as_text=True)  # the cookie remembers the choice
        assert '<html lang="en">' in html, path
        assert chinese_interface_text(html) == [], path
    draft = eng.post(f"/tasks/{report.id}", {"summary": "x", "action": "complete"}).get_data(as_text=True)
    assert chinese_interface_text(draft) == []  # inline validation errors included


def test_the_login_and_error_pages_switch_too(client, users):
    from tests.web.conftest import Browser
    b = Browser(client)
    html = b.get("/login?lang=en").get_data(as_text=True)
    assert "Log in" in html and chinese_interface_text(html) == []
    wrong = b.post("/login", {"username": "desk1", "password": "no"}).get_data(as_text=True)
    assert "Wrong username or password." in wrong and chinese_interface_text(wrong) == []
    assert "登录" in b.get("/login?lang=zh").get_data(as_text=True)


def test_the_switch_link_keeps_the_page(as_user, approval_case):
    instance, _ = approval_case
    html = as_user("desk1").get(f"/cases/{instance.id}").get_data(as_text=True)
    assert f'href="/cases/{instance.id}?lang=en"' in html
