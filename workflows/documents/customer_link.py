"""The customer's link to their case: signed and expiring (itsdangerous, keyed by the site's secret),
read-only, naming one case. It shows the progress in plain words and the documents handed to the
customer; once the case is finished it asks one short satisfaction survey (1–5 and a comment), once.
The answer is one locked command on the case: an audit event in its timeline, the customer's last
satisfaction in the records, the open phone revisit prefilled, and the satisfaction figures."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy.orm import Mapped, mapped_column

from engine import clock, hooks, queries, store
from engine.audit import chain as audit
from engine.clock import utc_naive
from engine.commands import transaction
from engine.db import db
from engine.errors import Conflict, Forbidden, NotFound, ValidationFailed
from engine.identity import Actor
from engine.models import Instance, Task
from workflows.records.tables import Customer

SALT = "customer-link"
SURVEY_EVENT = "customer_survey_answered"
CUSTOMER_ACTOR = "customer"  # who answered, in the audit trail
MAX_COMMENT = 1000
ISSUERS = ("sales", "service_desk", "service_manager", "admin")  # who hands a customer their link
FINISHED = "completed"


class CustomerFeedback(db.Model):
    """The customer's answer to the survey of one finished case (one answer per case)."""

    __tablename__ = "customer_feedback"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(sa.ForeignKey("instance.id"), unique=True)
    customer_id: Mapped[int | None] = mapped_column()
    score: Mapped[int] = mapped_column()
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    answered_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)


class _ClockSigner(TimestampSigner):
    """Times links by the engine's clock, so a test's clock decides when a link expires."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT, signer=_ClockSigner)


# ---------------------------------------------------------------- issuing and reading a link
def require_issuer(actor: Actor, instance_id: int) -> None:
    if not actor.has_role(*ISSUERS):
        raise Forbidden("sales, the service desk and managers hand out the customer's link", instance_id=instance_id)


def issue(*, instance_id: int, actor: Actor, secret: str) -> str:
    """A link token for the case (the issuer must be able to read the case)."""
    require_issuer(actor, instance_id)
    instance = queries.readable_case(instance_id, actor)
    return _serializer(secret).dumps({"case": instance.id})


def case_of(token: str, *, secret: str, max_age_days: int) -> Instance:
    """The case a link names; a forged, damaged or expired link names none."""
    if not isinstance(token, str) or len(token) > 300:
        raise NotFound("no such link")
    try:
        payload = _serializer(secret).loads(token, max_age=max_age_days * 86400)
    except SignatureExpired as exc:
        raise Forbidden("this link has expired; ask the service desk for a new one", expired=True) from exc
    except BadSignature as exc:
        raise NotFound("no such link") from exc
    instance = queries.instance(payload.get("case") if isinstance(payload, dict) else None)
    if instance is None:
        raise NotFound("no such link")
    return instance


# ---------------------------------------------------------------- what the customer reads
@dataclass
class Progress:
    stage: str  # received / in_progress / on_site / finished / closed
    started_at: dt.datetime
    ended_at: dt.datetime | None


ON_SITE_ROLES = {"engineer"}
REFUSAL_STEPS = {"rejection_notice"}  # a request turned down ends too, but nothing was served


def progress(instance: Instance) -> Progress:
    """Where the case stands, in words a customer knows (no step names, people or roles)."""
    if instance.status == FINISHED:
        refused = any(t.element_id in REFUSAL_STEPS for t in queries.tasks_of(instance.id, "completed"))
        stage = "closed" if refused else "finished"
    elif instance.status in ("cancelled", "rejected") or instance.ended_at is not None:
        stage = "closed"
    else:
        ready = queries.tasks_of(instance.id, "ready")
        done = queries.tasks_of(instance.id, "completed")
        stage = "on_site" if any(t.role in ON_SITE_ROLES for t in ready) else "in_progress" if done else "received"
    return Progress(stage, instance.started_at, instance.ended_at)


def feedback_of(instance_id: int) -> CustomerFeedback | None:
    return db.session.execute(sa.select(CustomerFeedback).where(CustomerFeedback.instance_id == instance_id)
                              ).scalar_one_or_none()


def survey_score(instance_id: int) -> int | None:
    feedback = feedback_of(instance_id)
    return feedback.score if feedback else None


def survey_scores(instance_ids: list[int]) -> dict[int, int]:
    if not instance_ids:
        return {}
    return dict(db.session.execute(sa.select(CustomerFeedback.instance_id, CustomerFeedback.score).where(
        CustomerFeedback.instance_id.in_(instance_ids))).all())


# ---------------------------------------------------------------- the survey
MESSAGES = {
    "score": {"zh": "请选择 1 到 5 分。", "en": "Choose a score from 1 to 5."},
    "comment": {"zh": f"意见最多 {MAX_COMMENT} 个字。", "en": f"At most {MAX_COMMENT} characters."},
}


def _clean(score, comment, lang: str) -> tuple[int, str]:
    try:
        value = int(str(score).strip())
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        raise ValidationFailed({"score": [MESSAGES["score"].get(lang, MESSAGES["score"]["zh"])]})
    text = (comment or "").strip() if isinstance(comment, str) else ""
    if len(text) > MAX_COMMENT:
        raise ValidationFailed({"comment": [MESSAGES["comment"].get(lang, MESSAGES["comment"]["zh"])]})
    return value, text


def _prefill_phone_revisit(instance: Instance, score: int, comment: str) -> None:
    """The phone revisit opened after the case starts from what the customer already told us."""
    child = db.session.execute(sa.select(Instance.id).where(Instance.parent_id == instance.id,
                                                            Instance.process_id == "revisit")).scalars().all()
    if not child:
        return
    for task in db.session.execute(sa.select(Task).where(Task.instance_id.in_(child), Task.status == "ready",
                                                         Task.element_id == "phone_revisit")).scalars():
        task.draft = {**(task.draft or {}), "satisfaction": score, **({"comment": comment} if comment else {})}


def answer_survey(*, instance_id: int, score, comment, now: dt.datetime, lang: str = "zh") -> CustomerFeedback:
    """The customer's one answer for a finished case: one locked command on it."""
    with transaction():
        instance = store.lock(instance_id)
        if progress(instance).stage != "finished":
            raise Conflict("the survey opens when the service is finished", instance_id=instance_id)
        if feedback_of(instance.id) is not None:
            raise Conflict("this survey has already been answered; thank you", instance_id=instance_id)
        value, text = _clean(score, comment, lang)
        feedback = CustomerFeedback(instance_id=instance.id, customer_id=instance.customer_id, score=value,
                                    comment=text, answered_at=utc_naive(now))
        db.session.add(feedback)
        customer = db.session.get(Customer, instance.customer_id) if instance.customer_id else None
        if customer is not None:
            customer.last_satisfaction = value
        _prefill_phone_revisit(instance, value, text)
        db.session.flush()
        stream = audit.instance_stream(instance.id)
        state = {k: v for k, v in audit.last_state(stream).items() if k != "case_data"}
        data = {"score": value, "comment": text}
        [event] = audit.append(stream, [{"type": SURVEY_EVENT, "at": now, "actor": CUSTOMER_ACTOR, "data": data,
                                         "state": state}], instance_id=instance.id)
        context = hooks.CommandContext(instance=instance, now=now, actor=CUSTOMER_ACTOR, ready_tasks=[],
                                       closed_tasks=[], events=[{"type": SURVEY_EVENT, "seq": event.seq,
                                                                 "data": data}])
        for hook in hooks.get().after_command:
            hook(context)
        return feedback
