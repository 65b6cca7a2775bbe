"""The customer's link (no login): `/c/<token>` shows one case's progress in plain words and the
documents handed to the customer, and once the case is finished a short survey — the only thing
the link can write, once. Staff issue the link from the case page: copied, or e-mailed when SMTP is
set. The link shows nothing internal: no people, no steps, no comments, no audit data."""
from __future__ import annotations

import re
import smtplib
from email.message import EmailMessage

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from engine.clock import now
from engine.errors import Conflict, Forbidden, NotFound, ValidationFailed
from web.auth import current_actor
from web.i18n import current_language, translate
from web.views import documents
from web.views.labels import N_
from workflows.documents import customer_link, layouts

bp = Blueprint("customer_link", __name__)
PUBLIC_ENDPOINTS = {"customer_link.show", "customer_link.document", "customer_link.survey"}  # see web/auth.py
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")
STAGES = {"received": N_("我们已收到您的申请，正在安排。"), "in_progress": N_("我们正在处理您的申请。"),
          "on_site": N_("服务工程师正在为您服务。"), "finished": N_("服务已完成，感谢您的信任。"),
          "closed": N_("此申请已关闭。")}


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _case(token: str):
    return customer_link.case_of(token, secret=_secret(), max_age_days=int(current_app.config["CUSTOMER_LINK_DAYS"]))


def _refused(error: Exception):
    expired = isinstance(error, Forbidden)
    message = N_("此链接已过期，请联系售后服务部获取新链接。") if expired else N_("链接无效。")
    return render_template("customer/refused.html", message=translate(message)), 403 if expired else 404


def _customer_documents(instance):
    return [d for d in layouts.case_documents(instance, current_language()) if d.layout.customer_facing]


# ---------------------------------------------------------------- the customer's pages (no login)
@bp.get("/c/<token>")
def show(token: str):
    try:
        instance = _case(token)
    except (Forbidden, NotFound) as error:
        return _refused(error)
    return render_template("customer/case.html", token=token, instance=instance,
                           progress=customer_link.progress(instance), stages=STAGES,
                           documents=_customer_documents(instance),
                           feedback=customer_link.feedback_of(instance.id), errors={})


@bp.get("/c/<token>/documents/<key>.pdf")
def document(token: str, key: str):
    try:
        instance = _case(token)
    except (Forbidden, NotFound) as error:
        return _refused(error)
    if key not in {d.layout.key for d in _customer_documents(instance)}:
        return _refused(NotFound("no such document"))
    return documents.pdf_response(documents.one(instance, key, current_language()))


@bp.post("/c/<token>/survey")
def survey(token: str):
    try:
        instance = _case(token)
    except (Forbidden, NotFound) as error:
        return _refused(error)
    try:
        customer_link.answer_survey(instance_id=instance.id, score=request.form.get("score"),
                                    comment=request.form.get("comment", ""), now=now(), lang=current_language())
    except ValidationFailed as failed:
        return render_template("customer/case.html", token=token, instance=instance,
                               progress=customer_link.progress(instance), stages=STAGES,
                               documents=_customer_documents(instance), feedback=None, errors=failed.errors), 422
    except Conflict:
        return render_template("customer/refused.html", message=translate(N_("此问卷已提交，感谢您的评价。"))), 409
    flash(translate(N_("感谢您的评价！")), "success")
    return redirect(url_for("customer_link.show", token=token))


# ---------------------------------------------------------------- staff hand the link out
@bp.post("/cases/<int:instance_id>/customer-link")
def issue(instance_id: int):
    """Issuing a link hands out a way into the case: an action (a button), not a page to browse."""
    token = customer_link.issue(instance_id=instance_id, actor=current_actor(), secret=_secret())
    instance = documents.readable(instance_id, current_actor())
    return render_template("customer/issue.html", instance=instance,
                           link=url_for("customer_link.show", token=token, _external=True),
                           days=current_app.config["CUSTOMER_LINK_DAYS"],
                           smtp=bool(current_app.config.get("SMTP_HOST")))


@bp.post("/cases/<int:instance_id>/customer-link/email")
def email(instance_id: int):
    token = customer_link.issue(instance_id=instance_id, actor=current_actor(), secret=_secret())
    address = (request.form.get("email") or "").strip()
    if not current_app.config.get("SMTP_HOST"):
        raise Conflict("e-mail is not set up (AFTERCARE_SMTP_HOST); copy the link instead")
    if not EMAIL.match(address) or len(address) > 254:
        raise ValidationFailed({"email": [translate(N_("请输入有效的邮箱地址。"))]})
    instance = documents.readable(instance_id, current_actor())
    message = EmailMessage()
    message["From"], message["To"] = current_app.config["SMTP_FROM"], address
    message["Subject"] = translate(N_("您的售后服务进度：{number}"), number=instance.case_number or instance.id)
    greeting = translate(N_("您好！您可以通过以下链接查看服务进度和服务文件（{days} 天内有效）："),
                         days=current_app.config["CUSTOMER_LINK_DAYS"])
    message.set_content(f"{greeting}\n{url_for('customer_link.show', token=token, _external=True)}\n")
    with smtplib.SMTP(current_app.config["SMTP_HOST"], int(current_app.config.get("SMTP_PORT") or 25),
                      timeout=10) as server:
        server.send_message(message)
    flash(translate(N_("链接已发送至 {email}。"), email=address), "success")
    return redirect(url_for("cases.show", instance_id=instance_id))
