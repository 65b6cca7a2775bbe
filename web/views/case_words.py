"""Case data in people's words, for the pages that show raw recorded values (history, replay,
audit report): a field by its form label, a choice by its label, a customer, part or engineer by
name, a file by its name, a person by display name, a time in the company's format — and the
facts the system adds to a case (region team, warranty, ...) by their labels too."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from engine import attachments, hooks, loader, queries
from engine.forms import text
from engine.models import AuditEvent, Instance
from web.i18n import catalog
from web.views.form_view import LOOKUPS, reference_values
from web.views.labels import FLOW_NAMES, N_
from web.views.references import reference_names
from web.views.ui import local_time
from workflows.deadlines import sla
from workflows.records.dispatch import TEAM_NAMES

HASH = re.compile(r"^[0-9a-f]{64}$")
# Facts the system adds to a case (workflows/case_data.py and the flows' scripts), by label.
SYSTEM_FIELDS = {
    "case_number": N_("案件编号"), "customer_id": N_("客户"), "customer_name": N_("客户名称"),
    "customer_class": N_("客户类别"), "region": N_("区域"), "region_team": N_("负责组"),
    "customer_address": N_("客户地址"), "customer_contact": N_("联系人"), "customer_phone": N_("联系电话"),
    "equipment_model": N_("设备型号"), "contract_number": N_("合同号"), "factory_date": N_("出厂日期"),
    "warranty_end": N_("质保到期"), "inspection_record": N_("检验记录"), "in_warranty": N_("在质保期内"),
    "warranty_start": N_("质保起始"), "warranty_months": N_("质保期（月）"), "payment_timing": N_("付款方式"),
    "quote_amount": N_("报价总额（元）"),
    "warranty_status": N_("质保状态"), "requested_by": N_("申请人"), "received_at": N_("受理时间"),
    "suggested_engineer": N_("建议工程师"), "compensation_result": N_("赔偿结果"), "amount": N_("金额"),
    "evidence_kind": N_("证据类型"), "description": N_("说明"), "revisit_case": N_("回访案件"),
    "related_case": N_("关联案件"), "copied_to": N_("报送备案"), "approval_chain": N_("审批链"),
    "lines": N_("赔偿明细"), "evidence": N_("证据"), "emergency": N_("紧急"), "source": N_("来源"),
    # what SLA, timer and escalation events record
    "rule": N_("时限规则"), "outcome": N_("结果"), "due_at": N_("期限"), "warn_at": N_("预警时间"),
    "started_at": N_("开始计时"), "done": N_("已完成"), "assignee": N_("处理人"), "name": N_("名称"),
    "manager": N_("经理"), "note": N_("说明"), "decision": N_("处理方式"), "escalation": N_("升级案件"),
    "task_open": N_("任务仍待处理"), "problem": N_("问题"), "reason": N_("原因"), "due": N_("到期"),
    "next": N_("下次"), "cycle": N_("循环"), "message": N_("说明"), "role": N_("角色"),
    "approver": N_("审批角色"), "claim": N_("赔偿申请"), "needs_general_manager": N_("须总经理批准"),
    "part_name": N_("零件名称"), "line_total": N_("小计（元）"), "task_role": N_("任务角色"),
    "breached_case_id": N_("超时案件"), "assigned_engineer": N_("服务工程师"),
}
ROLE_FIELDS = {"role", "approval_chain", "task_role", "approver_role", "approver"}
# what an event records for the machinery, not for people (left out of an event's description)
MACHINERY = {"lane", "form", "kind", "process_id", "version", "start_data", "submitted", "state", "parent_id", "to",
             "task_id", "instance_id", "element_id", "type"}
SYSTEM_VALUES = {
    "customer_class": {"key": N_("重点客户"), "ordinary": N_("普通客户")},
    "region_team": {team: names[0] for team, names in TEAM_NAMES.items()},
    "compensation_result": {"approved": N_("已批准"), "rejected": N_("已驳回")},
    "payment_timing": {"prepay": N_("维修前付款"), "on_completion": N_("维修后付款")},
    "evidence_kind": {"damage_report": N_("损坏报告"), "quality_letter": N_("质量函")},
    "outcome": {"met": N_("按时完成"), "breached": N_("超出时限"), "cancelled": N_("已取消"), "open": N_("进行中"),
                "unscheduled": N_("无法计算")},
    "decision": {"reassign": N_("改派给他人"), "intervene": N_("经理亲自介入")},
}
TEAM_EN = {names[0]: names[1] for names in TEAM_NAMES.values()}


class CaseWords:
    """Everything needed to show one case's recorded values, read in a few queries."""

    def __init__(self, instance: Instance, events: Iterable[AuditEvent], lang: str):
        self.lang = lang
        model = loader.model(instance.model_version_id)
        self.start = loader.start_form(model) or {}
        self.forms = dict(model.forms or {})
        self.by_name: dict[str, Mapping[str, Any]] = {}
        for definition in [self.start, *self.forms.values()]:
            for spec in definition.get("fields", []):
                self.by_name.setdefault(spec["name"], spec)
        wanted: dict[str, set[str]] = {}
        values: list[Any] = []
        people: set[str] = {instance.started_by}
        for event in events:
            data = event.data or {}
            people |= {event.actor, *(str(data.get(k) or "") for k in ("assignee", "from", "to", "previous_assignee"))}
            people |= set(data.get("mentions") or [])
            for name, form_data in (("", data.get("start_data")), (data.get("form"), data.get("submitted")),
                                    ("", (event.state or {}).get("case_data"))):
                if isinstance(form_data, Mapping):
                    reference_values(self.forms.get(name) if name else {"fields": list(self.by_name.values())},
                                     form_data, wanted)
                    values.append(form_data)
        self.references = reference_names(wanted)
        self.files = attachments.describe(self._hashes(values))
        people |= {v for v in self._strings(values) if re.fullmatch(r"[a-z][a-z0-9_]{1,40}", v)}
        self.people = queries.display_names({p for p in people if p})

    # ---------------------------------------------------------------- helpers
    def _hashes(self, values: Any) -> set[str]:
        return {v for v in self._strings(values) if HASH.match(v)}

    def _strings(self, value: Any) -> Iterable[str]:
        if isinstance(value, str):
            yield value
        elif isinstance(value, Mapping):
            for item in value.values():
                yield from self._strings(item)
        elif isinstance(value, list):
            for item in value:
                yield from self._strings(item)

    def word(self, key: str) -> str:
        return key if self.lang == "zh" else catalog(self.lang).get(key, key)

    def person(self, username: str | None) -> str:
        if not username:
            return ""
        if username == "system":
            return self.word(N_("系统"))
        if username == "customer":  # the customer answering through their link
            return self.word(N_("客户"))
        return self.people.get(username, username)

    # ---------------------------------------------------------------- fields and values
    def spec(self, form: str | None, field: str) -> Mapping[str, Any] | None:
        for spec in (self.forms.get(form or "") or {}).get("fields", []):
            if spec["name"] == field:
                return spec
        return self.by_name.get(field)

    def label(self, field: str, form: str | None = None) -> str:
        spec = self.spec(form, field)
        if spec is not None:
            return text(spec.get("label"), self.lang) or field
        return self.word(SYSTEM_FIELDS[field]) if field in SYSTEM_FIELDS else field

    def value(self, field: str, value: Any, form: str | None = None) -> str:
        if value is None or value == "" or value == []:
            return "—"
        spec = self.spec(form, field)
        if spec is not None:
            return self._by_spec(spec, value)
        if field in ROLE_FIELDS:
            return "、".join(self._role(v) for v in (value if isinstance(value, list) else [value]))
        if field == "rule":
            rule = sla.DEFAULTS.get(str(value))
            return (rule.name(self.lang) if rule else str(value))
        table = SYSTEM_VALUES.get(field)
        if table is not None and str(value) in table:
            return self.word(table[str(value)]) if field != "region_team" or self.lang == "zh" \
                else TEAM_EN.get(table[str(value)], table[str(value)])
        return self.plain(value)

    def plain(self, value: Any) -> str:
        """A value no form describes: files, people and times named; lists and objects spelled out."""
        if isinstance(value, bool):
            return self.word(N_("是")) if value else self.word(N_("否"))
        if isinstance(value, list):
            return "、".join(self.plain(v) for v in value) if self.lang == "zh" else ", ".join(
                self.plain(v) for v in value)
        if isinstance(value, Mapping):
            return "；".join(f"{self.label(k)} {self.value(k, v)}" for k, v in value.items() if v not in (None, ""))
        text_value = str(value)
        if text_value in self.files:
            return self.files[text_value].filename
        if text_value in self.people:
            return self.people[text_value]
        if re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", text_value):
            return form_moment(text_value)
        return text_value

    def _by_spec(self, spec: Mapping[str, Any], value: Any) -> str:
        kind = spec["type"]
        if kind == "file":
            ids = value if isinstance(value, list) else [value]
            return "、".join(self.files[i].filename if i in self.files else self.plain(i) for i in ids)
        if kind == "rows" and isinstance(value, list):
            subs = {s["name"]: s for s in spec.get("fields", [])}
            rows = []
            for row in value:
                if isinstance(row, Mapping):
                    rows.append(" ".join(f"{text(subs[k].get('label'), self.lang) if k in subs else self.label(k)} "
                                         f"{self._by_spec(subs[k], v) if k in subs else self.plain(v)}"
                                         for k, v in row.items() if v not in (None, "")))
            return "；".join(rows)
        if kind in LOOKUPS:
            return self.references.get(kind, {}).get(str(value)) or self.plain(value)
        if kind == "enum":
            labels = {str(c["value"] if isinstance(c, Mapping) else c): text(c.get("label"), self.lang)
                      if isinstance(c, Mapping) else str(c) for c in spec.get("choices", [])}
            items = value if isinstance(value, list) else [value]
            return "、".join(labels.get(str(v)) or str(v) for v in items)
        if kind == "datetime":
            return form_moment(value)
        return self.plain(value)

    def _role(self, role_id: Any) -> str:
        role = hooks.get().roles.get(str(role_id))
        return (role.name_en if self.lang == "en" else role.name_zh) if role else str(role_id)

    def describe(self, data: Mapping[str, Any] | None) -> str:
        """What an event records, in words (machinery left out)."""
        return "；".join(f"{self.label(k)} {self.value(k, v)}" for k, v in (data or {}).items()
                        if k not in MACHINERY and v not in (None, "", []))

    def changes(self, entry_changes, form: str | None) -> list[dict[str, Any]]:
        return [{"field": c.field, "label": self.label(c.field, form), "before": self.value(c.field, c.before, form),
                 "after": self.value(c.field, c.after, form), "changed": c.changed} for c in entry_changes]

    def data(self, data: Mapping[str, Any]) -> list[list[str]]:
        return [[self.label(k), self.value(k, v)] for k, v in sorted(data.items(), key=lambda kv: self.label(kv[0]))
                if v not in (None, "", [])]


def form_moment(value: Any) -> str:
    """A recorded date-time: with a zone it is converted to the company's; without one it was
    entered in company time (forms) and is shown as it is."""
    try:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(hooks.get().timezone))
    return local_time(moment)


def starter_name(instance: Instance, lang: str) -> str:
    """Who started a case, in words: a person's display name, or what started it for the system
    (the revisit plan, the case it follows from, a missed deadline)."""
    if instance.started_by != "system":
        return queries.display_names({instance.started_by}).get(instance.started_by, instance.started_by)
    words = catalog(lang) if lang != "zh" else {}
    source = (instance.data or {}).get("source")
    spec = next((s for s in (loader.start_form(instance.model) or {}).get("fields", []) if s["name"] == "source"), None)
    if source and source != "manual" and spec is not None:
        for choice in spec.get("choices", []):
            if isinstance(choice, Mapping) and choice.get("value") == source:
                return text(choice.get("label"), lang)
    parent = queries.instance(instance.parent_id) if instance.parent_id else None
    if parent is not None:
        flow = FLOW_NAMES.get(parent.process_id) or loader.model(parent.model_version_id).name
        return words.get(FOLLOWS, FOLLOWS).format(case=parent.case_number, flow=words.get(flow, flow))
    return words.get(N_("系统"), N_("系统"))


FOLLOWS = N_("{flow} {case}")
