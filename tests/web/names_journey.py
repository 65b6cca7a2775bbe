"""A full quality-fault case with a 8,400-yuan parts compensation (sales VP, then the general
manager), driven through the real commands by people with display names; and a reader of a page's
visible text that finds login names, role ids, choice values and attachment hashes in it."""
from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

import sqlalchemy as sa

from engine import commands, loader
from engine.db import db
from engine.models import Attachment, Instance, User
from tests.workflows.collaboration.conftest import give_names
from tests.workflows.flowkit import attachment, complete, office_of, task_of
from workflows.roles import ROLES

# (element, who) after the engineer's repair: the compensation chain inside the fault case, then the tail;
# the office work of the shipped claim is a case of its own (OFFICE)
COMPENSATION = [("desk_verify", "desk1"), ("vp_approval", "salesvp1"), ("gm_approval", "gm1"),
                ("production_order", "sales1"), ("production", "prod1"), ("shipping", "logi1")]
OFFICE = [("cost_recording", "mfg1"), ("responsibility", "qualityvp1")]
TAIL = [("inspection_test", "eng_sw1"), ("trial_run", "eng_sw1"), ("service_report", "eng_sw1"),
        ("manager_review", "manager1")]


@dataclass
class Journey:
    case: Instance
    done_by: dict[str, list[str]]  # username -> task ids they completed
    people: list[str]  # everyone who did something in it


def drive(flows, actors, **overrides) -> Journey:
    """`overrides`: element -> form values that step submits besides its defaults."""
    give_names()
    done: dict[str, list[str]] = {}

    def step(element: str, who: str, **data):
        done.setdefault(who, []).append(task_of(case, element).id)
        return complete(case, element, actors[who], **data)

    case = commands.start_instance(process_id="fault_handling", data={
        "equipment_serial": "EQ-SW-001", "symptom": "主轴异响，温升高", "occurred_at": "2026-03-01T15:30:00",
        "damage_extent": "serious", "photos": [attachment("spindle-photo")]}, actor=actors["sales1"])
    step("desk_analysis", "desk1", suggested_mode="onsite")
    step("vp_decision", "salesvp1", service_mode="onsite")
    step("assign_engineer", "manager1", assigned_engineer="eng_sw1")
    step("onsite_investigation", "eng_sw1", site_photos=[attachment("site-photo", "eng_sw1")])
    step("repair", "eng_sw1", emergency=False, warranty_parts=[{"part_code": "PLC-S7", "quantity": 2}])
    for element, who in COMPENSATION + TAIL:
        case = step(element, who, **overrides.get(element, {}))
    assert case.status == "completed", case.status
    office = office_of(case)
    for element, who in OFFICE:
        complete(office, element, actors[who], **overrides.get(element, {}))
    return Journey(case, done, ["sales1", *done])


# ---------------------------------------------------------------- what a person sees
class _Visible(HTMLParser):
    HIDDEN = {"script", "style", "template", "title"}

    def __init__(self):
        super().__init__()
        self.depth, self.parts = 0, []

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.depth += 1
        if tag in ("input", "textarea") and self.depth == 0:  # what a field shows is visible too
            values = dict(attrs)
            if values.get("type") not in ("hidden", "checkbox", "radio", "file") and values.get("value"):
                self.parts.append(values["value"])

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.depth = max(0, self.depth - 1)

    def handle_data(self, data):
        if self.depth == 0:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return " ".join(parser.parts)


def forbidden_words() -> dict[str, str]:
    """word -> why it must not be seen: login names, role ids, choice values of every form, and
    attachment hashes (whole and as a 12-character prefix)."""
    words = {u: "login name" for u in db.session.execute(sa.select(User.username)).scalars()}
    words |= {r: "role id" for r in ROLES}
    for model in loader.latest_all():
        for definition in [loader.start_form(model) or {}, *model.forms.values()]:
            for spec in _specs(definition.get("fields", [])):
                for choice in spec.get("choices", []):
                    value = choice["value"] if isinstance(choice, dict) else choice
                    if isinstance(value, str) and re.fullmatch(r"[a-z][a-z0-9_]+", value):
                        words.setdefault(value, f"choice value of {spec['name']}")
    for file_id in db.session.execute(sa.select(Attachment.id)).scalars():
        words[file_id[:12]] = "attachment hash"
    return words


def _specs(specs):
    for spec in specs:
        yield spec
        yield from _specs(spec.get("fields", []))


def codes_in(text: str, words: dict[str, str]) -> list[str]:
    found = []
    for word, why in words.items():
        if re.search(rf"(?<![A-Za-z0-9_]){re.escape(word)}(?![A-Za-z0-9_])", text):
            found.append(f"{word} ({why})")
    return found
