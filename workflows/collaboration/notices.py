"""What each notification says, in Chinese and English, naming people, tasks and cases the way
staff call them (display names, form titles, case numbers) — never login ids or codes."""
from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from engine import hooks, loader, queries
from engine.clock import as_aware
from engine.forms import text
from engine.identity import SYSTEM
from engine.models import Instance, Task

# kind -> ((title zh, title en), (body zh, body en))
TEXTS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "task_assigned": (("新任务：{task}", "New task: {task}"),
                      ("{case}（{customer}）的任务「{task}」已指派给你。{due}",
                       "The task '{task}' of {case} ({customer}) is assigned to you. {due}")),
    "task_reassigned": (("改派给你：{task}", "Reassigned to you: {task}"),
                        ("{actor} 把 {case}（{customer}）的任务「{task}」改派给你。{reason}{due}",
                         "{actor} reassigned the task '{task}' of {case} ({customer}) to you. {reason}{due}")),
    "queue_task": (("队列新任务：{task}", "New in your queue: {task}"),
                   ("{case}（{customer}）的任务「{task}」等待{role}领取。{due}",
                    "The task '{task}' of {case} ({customer}) waits in the {role} queue. {due}")),
    "case_completed": (("案件已完成：{case}", "Case finished: {case}"),
                       ("你发起的{flow} {case}（{customer}）已完成：{end}。",
                        "The {flow} case {case} ({customer}) you started has finished: {end}.")),
    "case_rejected": (("案件被驳回：{case}", "Case rejected: {case}"),
                      ("{actor} 在「{task}」驳回了你发起的{flow} {case}（{customer}）。{comment}",
                       "{actor} rejected the {flow} case {case} ({customer}) you started at '{task}'. {comment}")),
    "case_cancelled": (("案件已取消：{case}", "Case cancelled: {case}"),
                       ("{actor} 取消了你发起的{flow} {case}（{customer}）。原因：{reason}",
                        "{actor} cancelled the {flow} case {case} ({customer}) you started. Reason: {reason}")),
    "mentioned": (("{actor} 在 {case} 中提到了你", "{actor} mentioned you on {case}"),
                  ("{body}", "{body}")),
    "queue_digest": (("今日队列摘要：{count} 项新任务", "Your queue today: {count} new tasks"),
                     ("{lines}", "{lines}")),
}
FLOW_NAMES = {  # the flows' names as staff say them
    "installation": ("设备安装调试", "installation"), "fault_handling": ("质量故障处理", "quality fault"),
    "revisit": ("客户回访", "revisit"), "compensation_approval": ("零部件赔偿", "parts compensation"),
    "tech_support": ("技术支持", "technical support"), "complaint": ("客户投诉处理", "complaint"),
    "sla_escalation": ("超时升级", "deadline escalation"),
}


def local_text(when: dt.datetime | None) -> str:
    """A moment in the company's time zone and format."""
    if when is None:
        return ""
    return as_aware(when).astimezone(ZoneInfo(hooks.get().timezone)).strftime("%Y-%m-%d %H:%M")


def person(username: str | None) -> str | dict[str, str]:
    """A person's display name (the system in the reader's language)."""
    if not username:
        return ""
    if username == SYSTEM.username:
        return {"zh": "系统", "en": "the system"}
    return queries.display_names({username}).get(username, username)


def task_title(task: Task, instance: Instance) -> dict[str, str]:
    """{"zh", "en"}: the task's form title, else its diagram name."""
    model = loader.model(instance.model_version_id)
    definition = model.forms.get(task.form_name) if task.form_name else None
    title = (definition or {}).get("title")
    return {lang: text(title, lang) or task.name for lang in ("zh", "en")}


def role_title(role_id: str) -> dict[str, str]:
    role = hooks.get().roles.get(role_id)
    return {"zh": role.name_zh, "en": role.name_en} if role else {"zh": role_id, "en": role_id}


def flow_title(process_id: str) -> dict[str, str]:
    zh, en = FLOW_NAMES.get(process_id, (process_id, process_id))
    return {"zh": zh, "en": en}


def compose(kind: str, values: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A notification payload: title and body in both languages, plus what it is about.
    A value given as {"zh", "en"} is used in its own language."""
    (title_zh, title_en), (body_zh, body_en) = TEXTS[kind]

    def fill(template: str, lang: str) -> str:
        return template.format(**{k: text(v, lang) if isinstance(v, dict) else v for k, v in values.items()}).strip()

    return {"title": {"zh": fill(title_zh, "zh"), "en": fill(title_en, "en")},
            "body": {"zh": fill(body_zh, "zh"), "en": fill(body_en, "en")}, **extra}


def task_values(task: Task, instance: Instance, **more: Any) -> dict[str, Any]:
    due = local_text(task.due_at)
    values = {"task": task_title(task, instance), "case": instance.case_number or f"#{instance.id}",
              "customer": instance.customer_name or "—", "role": role_title(task.role),
              "due": {"zh": f"期限 {due}。", "en": f"Due {due}."} if due else "", "reason": "", "actor": ""}
    values.update(more)
    return values


def task_extra(task: Task, instance: Instance) -> dict[str, Any]:
    return {"case_number": instance.case_number, "instance_id": instance.id, "task_id": task.id,
            "link": f"/tasks/{task.id}"}


def case_extra(instance: Instance) -> dict[str, Any]:
    return {"case_number": instance.case_number, "instance_id": instance.id, "link": f"/cases/{instance.id}"}
