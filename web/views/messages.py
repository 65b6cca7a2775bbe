"""Engine errors in the words of the page's language. The engine's messages are English sentences
for logs and the API; a person sees these instead, chosen by the error's code and context."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint

from engine import queries
from engine.errors import AftercareError
from web.i18n import translate
from web.views.labels import N_
from web.views.ui import role_name

bp = Blueprint("messages", __name__)

STATUS_TITLES = {400: N_("请求无效"), 401: N_("请先登录"), 403: N_("没有权限"), 404: N_("找不到页面"),
                 405: N_("不支持的操作"), 409: N_("操作冲突"), 413: N_("文件太大"), 422: N_("提交的内容有误"),
                 429: N_("尝试次数过多"), 500: N_("系统出错了")}


def _person(username: str) -> str:
    return queries.display_names({username}).get(username, username)


def _conflict(message: str, context: Mapping[str, Any]) -> str:
    if context.get("assignee"):
        return translate("该任务已由 {who} 领取。", who=_person(context["assignee"]))
    if "deadline" in message:
        return translate("该任务已因到期被流程关闭。")
    if context.get("status") or "already" in message and "task" in message:
        return translate("该任务已经处理过了。")
    if "changed by someone else" in message:
        return translate("案件刚被他人修改，请刷新后重试。")
    if "case is already" in message:
        return translate("案件已经结束。")
    return ""


def _forbidden(message: str, context: Mapping[str, Any]) -> str:
    if context.get("assignee"):
        return translate("此任务已分配给 {who}。", who=_person(context["assignee"]))
    if context.get("role"):
        return translate("此任务需要“{role}”角色。", role=role_name(context["role"]))
    if "assignee or a manager" in message:
        return translate("只有处理人或经理可以退回此任务。")
    if "reassign" in message:
        return translate("只有售后服务部经理可以改派任务。")
    if context.get("process_id"):
        return translate("你的角色不能发起此流程。")
    if context.get("instance_id"):
        return translate("你没有参与这个案件。")
    return translate("你没有权限执行此操作。")


def _not_found(context: Mapping[str, Any]) -> str:
    if context.get("task_id"):
        return translate("找不到该任务。")
    if context.get("instance_id"):
        return translate("找不到该案件。")
    if context.get("process_id"):
        return translate("该流程尚未部署。")
    if context.get("username"):
        return translate("找不到用户 {who}。", who=context["username"])
    if context.get("attachment_id"):
        return translate("找不到该文件。")
    return translate("找不到你要的页面。")


def explain(code: str, message: str, context: Mapping[str, Any] | None = None) -> str:
    context = context or {}
    if code == "conflict":
        return _conflict(message, context) or translate("操作冲突，请刷新后重试。")
    if code == "forbidden":
        return _forbidden(message, context)
    if code == "not_found":
        return _not_found(context)
    if code == "too_many_attempts":
        return translate("登录失败次数过多，请 {wait} 秒后再试。", wait=context.get("retry_after", 60))
    if code == "request_entity_too_large":
        return translate("上传的内容太大，请压缩照片或分次上传。")
    if code == "validation_failed":
        return translate("请检查标出的字段。")
    if code == "bad_request" and "CSRF" in message:
        return translate("页面已过期，请刷新后重试。")
    return ""


def explain_error(error: AftercareError) -> str:
    return explain(error.code, error.message, error.context) or error.message


@bp.app_template_global()
def explain_problem(problem: Mapping[str, Any]) -> str:
    context = {k: v for k, v in problem.items() if k not in ("code", "message")}
    return explain(problem.get("code", ""), problem.get("message", ""), context)


@bp.app_template_global()
def status_title(status: int) -> str:
    return translate(STATUS_TITLES.get(status, N_("出错了")))
