"""Notifications: the unread count in the header and the person's list (from the outbox).
Opening one marks it read and goes to what it is about."""
from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, flash, redirect, render_template, request, url_for

from engine.clock import now
from engine.commands import transaction
from engine.errors import NotFound
from engine.timers import outbox
from web.auth import current_actor
from web.i18n import translate
from web.views.labels import N_
from workflows.collaboration import preferences

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
PER_PAGE = 20
QUEUE_CHOICES = {  # how tasks arriving in my roles' queues reach me
    "each": (N_("每个任务都通知我"), N_("新任务进入我的角色队列时，立即通知。")),
    "digest": (N_("每天一份摘要"), N_("每天早上汇总一次仍在队列里的新任务。")),
    "none": (N_("不通知"), N_("我自己到“角色队列”查看。指派给我的任务仍会通知。")),
}


def _page_number() -> int:
    try:
        return max(1, int(request.args.get("page") or 1))
    except ValueError:
        return 1


@bp.get("/")
def index():
    unread_only = request.args.get("unread") == "1"
    page = outbox.list_for(current_actor().username, unread_only=unread_only, page=_page_number(), per_page=PER_PAGE)
    return render_template("notifications.html", page=page, unread_only=unread_only)


def _on_this_site(link: str | None) -> str:
    parsed = urlparse(link or "")
    if link and link.startswith("/") and not link.startswith("//") and not parsed.netloc and not parsed.scheme:
        return link
    return url_for("notifications.index")


@bp.get("/<int:notification_id>")
def open_one(notification_id: int):
    username = current_actor().username
    row = outbox.get_for(username, notification_id)
    if row is None:
        raise NotFound(f"no notification {notification_id}", notification_id=notification_id)
    with transaction():
        outbox.mark_read(username, [notification_id])
    return redirect(_on_this_site(row.payload.get("link")))


@bp.post("/read")
def read_all():
    with transaction():
        outbox.mark_read(current_actor().username)
    flash(translate("已全部标为已读。"), "success")
    return redirect(url_for("notifications.index"))


@bp.get("/settings")
def settings():
    mode = preferences.queue_mode(current_actor().username)
    return render_template("notification_settings.html", mode=mode, choices=QUEUE_CHOICES)


@bp.post("/settings")
def save_settings():
    mode = request.form.get("queue_mode", "")
    if mode not in QUEUE_CHOICES:
        flash(translate(N_("请选择一种通知方式。")), "error")
        return render_template("notification_settings.html", mode=preferences.queue_mode(current_actor().username),
                               choices=QUEUE_CHOICES), 422
    with transaction():
        preferences.set_queue_mode(username=current_actor().username, mode=mode, now=now())
    flash(translate(N_("通知设置已保存。")), "success")
    return redirect(url_for("notifications.settings"))
