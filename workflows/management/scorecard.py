"""The engineer's monthly scorecard (manual art. 59: the service manager rates every engineer each
month): the computed lines (workflows/management/scorecard_lines.py), the items the manager enters
for what the system has no data on, the ±5 bonus with its reason, and the manager's confirmation,
which freezes the card. A confirmed card is what it was when confirmed: a later computation is
shown beside it as differences and never written over it. Entries, bonus and confirmation are audit
events of the system stream; confirming also writes the month's complaint fines to the ledger
(workflows/management/fines.py).

An engineer reads only their own cards; the manager, the vice presidents, the general manager and
auditors read every card; only the service manager enters, adds the bonus and confirms."""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from engine.audit import chain as audit
from engine.clock import isoformat, utc_naive
from engine.db import db
from engine.errors import Conflict, Forbidden, NotFound, ValidationFailed
from engine.identity import Actor
from engine.models import JSON
from workflows.management import accountability, fines
from workflows.management import scorecard_lines as lines
from workflows.management.dashboard_labels import engineers
from workflows.records.dispatch import active_engineers
from workflows.records.references import find_engineer

RATER = "service_manager"
BONUS_RANGE = (-5, 5)
MAX_NOTE = 500


class Scorecard(db.Model):
    """An engineer's month: the bonus and, once confirmed, the card as it was confirmed."""

    __tablename__ = "scorecard"
    __table_args__ = (sa.UniqueConstraint("engineer", "month", name="uq_scorecard_engineer_month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    engineer: Mapped[str] = mapped_column(sa.String(80))
    month: Mapped[str] = mapped_column(sa.String(7), index=True)
    bonus: Mapped[int] = mapped_column(default=0)
    bonus_reason: Mapped[str | None] = mapped_column(sa.Text)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    confirmed_by: Mapped[str | None] = mapped_column(sa.String(80))
    frozen: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ScorecardEntry(db.Model):
    """A line the manager entered: the deduction on an item the system has no data for."""

    __tablename__ = "scorecard_entry"
    __table_args__ = (sa.UniqueConstraint("engineer", "month", "code", name="uq_scorecard_entry"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    engineer: Mapped[str] = mapped_column(sa.String(80))
    month: Mapped[str] = mapped_column(sa.String(7), index=True)
    code: Mapped[str] = mapped_column(sa.String(40))
    points: Mapped[int] = mapped_column()
    note: Mapped[str | None] = mapped_column(sa.Text)
    entered_by: Mapped[str] = mapped_column(sa.String(80))
    entered_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)


# ---------------------------------------------------------------- who
def check_may_read(actor: Actor, engineer: str) -> None:
    if actor.username != engineer:
        accountability.check_reader(actor)


def check_rater(actor: Actor) -> None:
    if not actor.has_role(RATER):
        raise Forbidden("only the service manager rates the engineers", roles=[RATER])


def _engineer(username: str) -> str:
    if find_engineer(username) is None:
        raise NotFound(f"no engineer '{username[:80]}'", username=username[:80])
    return username


# ---------------------------------------------------------------- computing
def _row(engineer: str, month: lines.Month) -> Scorecard | None:
    return db.session.execute(sa.select(Scorecard).where(Scorecard.engineer == engineer,
                                                         Scorecard.month == str(month))).scalar_one_or_none()


def _entered(engineer: str, month: lines.Month) -> list[lines.Line]:
    rows = {row.code: row for row in db.session.execute(sa.select(ScorecardEntry).where(
        ScorecardEntry.engineer == engineer, ScorecardEntry.month == str(month))).scalars()}
    return [lines.Line(code, rows[code].points if code in rows else 0,
                       detail=(rows[code].note or "") if code in rows else "") for code in lines.ENTERED]


def compute(engineer: str, month: lines.Month) -> dict[str, Any]:
    """The card as the history and the manager's entries make it now (language-free)."""
    row = _row(engineer, month)
    found = lines.computed(engineer, month) + _entered(engineer, month)
    bonus = row.bonus if row is not None else 0
    scores = lines.item_scores(found)
    return {"engineer": engineer, "month": str(month), "total": sum(scores.values()) + bonus,
            "items": scores, "lines": [{"code": line.code, "points": line.points, "cases": line.cases,
                                        "detail": line.detail} for line in found],
            "bonus": bonus, "bonus_reason": row.bonus_reason if row is not None else None}


def _differences(frozen: dict[str, Any], fresh: dict[str, Any]) -> list[dict[str, Any]]:
    before = {line["code"]: line for line in frozen["lines"]}
    changed = []
    for line in fresh["lines"]:
        old = before.get(line["code"])
        ids = [c["instance_id"] for c in line["cases"]]
        if old is None or old["points"] != line["points"] or [c["instance_id"] for c in old["cases"]] != ids:
            changed.append({"code": line["code"], "confirmed_points": old["points"] if old else None,
                            "points_now": line["points"], "cases_now": line["cases"]})
    return changed


def _label(code: str, lang: str) -> str:
    zh, en, _item = lines.COMPUTED.get(code) or lines.ENTERED[code]
    return en if lang == "en" else zh


def _in_language(cases: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    return [{**case, "note": case["note"].get(lang, "") if isinstance(case["note"], dict) else case["note"]}
            for case in cases]


def _present(card: dict[str, Any], lang: str, names: dict[str, str]) -> dict[str, Any]:
    labelled = []
    for line in card["lines"]:
        item = (lines.COMPUTED.get(line["code"]) or lines.ENTERED[line["code"]])[2]
        labelled.append({**line, "cases": _in_language(line["cases"], lang), "label": _label(line["code"], lang),
                         "item": item, "entered": line["code"] in lines.ENTERED})
    items = [{"code": code, "label": en if lang == "en" else zh, "weight": weight, "score": card["items"][code]}
             for code, (zh, en, weight) in lines.SECTIONS.items()]
    return {**card, "name": names.get(card["engineer"], card["engineer"]), "lines": labelled, "items": items}


def card(username: str, month_text: str, *, actor: Actor, lang: str = "zh") -> dict[str, Any]:
    """`{engineer, month, total, lines, bonus, confirmed_at, …}`: the frozen card once confirmed, with
    the differences a computation now finds."""
    check_may_read(actor, username)
    month = lines.Month.parse(month_text)
    engineer = _engineer(username)
    _teams, names = engineers()
    return _card(engineer, month, lang, names)


def _card(engineer: str, month: lines.Month, lang: str, names: dict[str, str]) -> dict[str, Any]:
    row = _row(engineer, month)
    fresh = compute(engineer, month)
    if row is None or row.confirmed_at is None:
        return {**_present(fresh, lang, names), "confirmed_at": None, "confirmed_by": None, "differences": []}
    differences = [{**d, "label": _label(d["code"], lang), "cases_now": _in_language(d["cases_now"], lang)}
                   for d in _differences(row.frozen, fresh)]
    return {**_present(row.frozen, lang, names), "confirmed_at": isoformat(row.confirmed_at),
            "confirmed_by": row.confirmed_by, "differences": differences}


def month_cards(month_text: str, *, actor: Actor, lang: str = "zh") -> dict[str, Any]:
    """Every active engineer's card of the month (the manager's, VPs' and auditors' view)."""
    accountability.check_reader(actor)
    month = lines.Month.parse(month_text)
    _teams, names = engineers()
    people = [e.username for e in active_engineers()]
    return {"month": str(month), "items": [_card(username, month, lang, names) for username in people]}


# ---------------------------------------------------------------- the manager's changes
def _open_row(engineer: str, month: lines.Month) -> Scorecard:
    row = _row(engineer, month)
    if row is not None and row.confirmed_at is not None:
        raise Conflict(f"the scorecard of {engineer} for {month} is confirmed and cannot change",
                       username=engineer, status="confirmed")
    if row is None:
        row = Scorecard(engineer=engineer, month=str(month), bonus=0)
        db.session.add(row)
    return row


def _note(text: Any, field: str, *, required: bool) -> str | None:
    note = str(text or "").strip()
    if required and not note:
        raise ValidationFailed({field: ["give the reason"]})
    if len(note) > MAX_NOTE:
        raise ValidationFailed({field: [f"at most {MAX_NOTE} characters"]})
    return note or None


def _whole(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationFailed({field: [f"a whole number from {low} to {high}"]})
    try:
        number = int(str(value).strip())
    except ValueError as exc:
        raise ValidationFailed({field: [f"a whole number from {low} to {high}"]}) from exc
    if not low <= number <= high:
        raise ValidationFailed({field: [f"a whole number from {low} to {high}"]})
    return number


def _audit(kind: str, actor: Actor, now: dt.datetime, data: dict[str, Any]) -> None:
    audit.append(audit.SYSTEM_STREAM, [{"type": kind, "at": now, "actor": actor.username, "data": data}])


def enter_item(username: str, month_text: str, code: str, points: Any, note: Any, *, actor: Actor,
               now: dt.datetime) -> dict[str, Any]:
    """The manager's deduction on an item the system has no data for (0 clears it)."""
    check_rater(actor)
    month, engineer = lines.Month.parse(month_text), _engineer(username)
    if code not in lines.ENTERED:
        raise ValidationFailed({"code": [f"one of {', '.join(lines.ENTERED)}"]})
    weight = lines.SECTIONS[lines.ENTERED[code][2]][2]
    number = _whole(points, "points", -weight, 0)
    text = _note(note, "note", required=number != 0)
    _open_row(engineer, month)
    entry = db.session.execute(sa.select(ScorecardEntry).where(
        ScorecardEntry.engineer == engineer, ScorecardEntry.month == str(month),
        ScorecardEntry.code == code)).scalar_one_or_none() or ScorecardEntry(engineer=engineer, month=str(month),
                                                                              code=code)
    entry.points, entry.note, entry.entered_by, entry.entered_at = number, text, actor.username, utc_naive(now)
    db.session.add(entry)
    db.session.flush()
    _audit("scorecard_item_entered", actor, now, {"engineer": engineer, "month": str(month), "code": code,
                                                  "points": number, "note": text})
    return _card(engineer, month, "zh", engineers()[1])


def set_bonus(username: str, month_text: str, points: Any, reason: Any, *, actor: Actor,
              now: dt.datetime) -> dict[str, Any]:
    """The ±5 for an outstanding contribution or a serious mistake, with its reason."""
    check_rater(actor)
    month, engineer = lines.Month.parse(month_text), _engineer(username)
    number = _whole(points, "bonus", *BONUS_RANGE)
    text = _note(reason, "reason", required=number != 0)
    row = _open_row(engineer, month)
    row.bonus, row.bonus_reason = number, text
    db.session.flush()
    _audit("scorecard_bonus_set", actor, now, {"engineer": engineer, "month": str(month), "bonus": number,
                                               "reason": text})
    return _card(engineer, month, "zh", engineers()[1])


def confirm(username: str, month_text: str, *, actor: Actor, now: dt.datetime) -> dict[str, Any]:
    """Freeze the card as computed now and book the month's complaint fines."""
    check_rater(actor)
    month, engineer = lines.Month.parse(month_text), _engineer(username)
    month_end = dt.datetime.combine(month.after, dt.time(), tzinfo=lines.local_zone())
    if now < month_end:
        raise Conflict(f"{month} is not over yet; confirm it from {month.after.isoformat()}", status="open")
    row = _open_row(engineer, month)
    frozen = compute(engineer, month)
    row.frozen, row.confirmed_at, row.confirmed_by = frozen, utc_naive(now), actor.username
    db.session.flush()
    complaint_cases = next(line["cases"] for line in frozen["lines"] if line["code"] == "complaints")
    booked = fines.book_complaints(engineer, str(month), complaint_cases, actor=actor, now=now)
    _audit("scorecard_confirmed", actor, now, {"engineer": engineer, "month": str(month), "total": frozen["total"],
                                               "fines": [str(entry.amount) for entry in booked]})
    return _card(engineer, month, "zh", engineers()[1])
