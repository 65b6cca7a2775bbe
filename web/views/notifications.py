"""Notifications: the unread count in the header and the person's list (from the outbox).
Opening one marks it read and goes to what it is about."""
from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, flash, redirect, render_template, request, url_for

from engine.commands import transaction
from engine.errors import NotFound
from engine.timers import outbox
from web.auth import current_actor
from web.bounds import page_number
from web.i18n import translate

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
PER_PAGE = 20


@bp.get("/")
def index():
    unread_only = request.args.get("unread") == "1"
    page = outbox.list_for(current_actor().username, unread_only=unread_only, page=page_number(), per_page=PER_PAGE)
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
