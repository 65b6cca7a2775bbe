"""The management facts: flat, indexed tables the dashboards and reports read, so that no figure
ever loads a workflow or scans the audit log.

`case_fact` holds one row per case (who, where, when, what state, and the outcome measures of its
flow), `step_fact` one row per completed user task (how long it waited), `sla_fact` one row per SLA
of a case with the case's filter columns beside it. They are kept up to date by an after-command
hook and by the SLA breach timer (workflows/management/facts_update.py), and recomputed from the
flat history tables by `aftercare facts rebuild`. The `*_month` and `case_week` tables hold their
sums per month (week) and filter, kept in step with them (workflows/management/facts_cubes.py), so
a year of figures reads a few hundred sum rows instead of every case.

Period filters read `opened_on`: the company-local day the customer's request was received (the
case start when no receipt time was recorded)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import db

OPEN_STATUSES = ("running", "waiting", "error")
SCORED, DISPATCHED = sa.text("satisfaction IS NOT NULL"), sa.text("dispatched_at IS NOT NULL")  # partial indexes
OPEN_SLA = sa.text("outcome = 'open'")


class CaseFact(db.Model):
    __tablename__ = "case_fact"
    __table_args__ = (
        sa.Index("ix_case_fact_opened", "opened_on", "process_id"),
        sa.Index("ix_case_fact_open", "is_open", "region_team", "due_at"),
        sa.Index("ix_case_fact_team_opened", "region_team", "opened_on"),
        sa.Index("ix_case_fact_ended", "ended_on"),
        sa.Index("ix_case_fact_equipment", "equipment_serial", "opened_at"),
        sa.Index("ix_case_fact_revisit_due", "revisit_due_on"),
        sa.Index("ix_case_fact_engineer", "engineer", "is_open"),
        sa.Index("ix_case_fact_flow_opened", "process_id", "opened_on"),
        sa.Index("ix_case_fact_scored", "opened_on", "satisfaction", postgresql_where=SCORED, sqlite_where=SCORED),
        sa.Index("ix_case_fact_compensation", "compensation_result", "opened_on"),
        sa.Index("ix_case_fact_dispatched", "opened_on", "engineer", postgresql_where=DISPATCHED,
                 sqlite_where=DISPATCHED),
    )
    instance_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    case_number: Mapped[str | None] = mapped_column(sa.String(40))
    process_id: Mapped[str] = mapped_column(sa.String(80))
    status: Mapped[str] = mapped_column(sa.String(20))
    is_open: Mapped[bool] = mapped_column(default=True)
    # who and where
    customer_id: Mapped[int | None] = mapped_column(index=True)
    customer_name: Mapped[str | None] = mapped_column(sa.String(200))
    customer_class: Mapped[str | None] = mapped_column(sa.String(20))
    region: Mapped[str | None] = mapped_column(sa.String(40))
    region_team: Mapped[str] = mapped_column(sa.String(20), default="general")
    equipment_serial: Mapped[str | None] = mapped_column(sa.String(80))
    engineer: Mapped[str | None] = mapped_column(sa.String(80))
    # when (naive UTC), with the company-local day, week (its Monday) and month of receipt and end
    opened_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    opened_on: Mapped[dt.date] = mapped_column(sa.Date)
    opened_week: Mapped[dt.date] = mapped_column(sa.Date)
    opened_month: Mapped[str] = mapped_column(sa.String(7))
    started_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    ended_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    ended_week: Mapped[dt.date | None] = mapped_column(sa.Date)
    # where it waits now: the oldest open task, and the earliest open deadline (task or SLA)
    current_step: Mapped[str | None] = mapped_column(sa.String(120))
    current_step_name: Mapped[str | None] = mapped_column(sa.String(200))
    waiting_since: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    due_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    # response and resolution (seconds, wall clock from receipt)
    first_response_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    first_response_seconds: Mapped[int | None] = mapped_column()
    resolution_seconds: Mapped[int | None] = mapped_column()
    # satisfaction (revisit questionnaires and surveys), complaints
    satisfaction: Mapped[int | None] = mapped_column()
    complaint_grade: Mapped[str | None] = mapped_column(sa.String(20))
    # compensation claims
    compensation_amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    compensation_cost: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    compensation_band: Mapped[str | None] = mapped_column(sa.String(20))
    compensation_party: Mapped[str | None] = mapped_column(sa.String(30))
    compensation_result: Mapped[str | None] = mapped_column(sa.String(20))
    compensation_quarter: Mapped[str | None] = mapped_column(sa.String(6))
    # dispatch and the visit on site
    suggested_engineer: Mapped[str | None] = mapped_column(sa.String(80))
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    dispatch_overridden: Mapped[bool | None] = mapped_column()
    arrived_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    arrival_seconds: Mapped[int | None] = mapped_column()
    onsite_visits: Mapped[int] = mapped_column(default=0)
    # days from this fault case's end to the next fault case on the same equipment (first-time fix)
    next_fault_gap_days: Mapped[float | None] = mapped_column(sa.Float)
    # revisits: the day it is due (company time), its month, and whether the customer was reached
    revisit_due_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    revisit_due_month: Mapped[str | None] = mapped_column(sa.String(7))
    revisit_done: Mapped[bool | None] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)


class StepFact(db.Model):
    """One completed user task: how long it waited from ready to done, with its case's filters."""

    __tablename__ = "step_fact"
    __table_args__ = (sa.Index("ix_step_fact_opened", "opened_on", "process_id", "element_id"),)
    task_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    instance_id: Mapped[int] = mapped_column(index=True)
    process_id: Mapped[str] = mapped_column(sa.String(80))
    element_id: Mapped[str] = mapped_column(sa.String(120))
    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str | None] = mapped_column(sa.String(40))
    completed_by: Mapped[str | None] = mapped_column(sa.String(80))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    completed_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    seconds: Mapped[int] = mapped_column()
    first_in_case: Mapped[bool] = mapped_column(default=True)  # the case's first completion of this step
    opened_on: Mapped[dt.date] = mapped_column(sa.Date)
    opened_month: Mapped[str] = mapped_column(sa.String(7))
    region_team: Mapped[str] = mapped_column(sa.String(20))
    customer_class: Mapped[str | None] = mapped_column(sa.String(20))


class StepMonth(db.Model):
    """`step_fact` summed per month of receipt, step and filter (kept with it): the dashboard reads whole
    months here and only the days of a partly covered month from `step_fact`."""

    __tablename__ = "step_month"
    opened_month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    process_id: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    element_id: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    region_team: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    customer_class: Mapped[str] = mapped_column(sa.String(20), primary_key=True)  # '' when unknown
    name: Mapped[str] = mapped_column(sa.String(200))
    steps: Mapped[int] = mapped_column(default=0)
    cases: Mapped[int] = mapped_column(default=0)
    seconds: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class SlaFact(db.Model):
    """One SLA of one case (a copy of its `sla_record` outcome) with the case's filter columns."""

    __tablename__ = "sla_fact"
    __table_args__ = (sa.Index("ix_sla_fact_opened", "opened_on", "rule"),
                      sa.Index("ix_sla_fact_pending", "opened_month", postgresql_where=OPEN_SLA,
                               sqlite_where=OPEN_SLA))
    record_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    instance_id: Mapped[int] = mapped_column(index=True)
    rule: Mapped[str] = mapped_column(sa.String(40))
    outcome: Mapped[str] = mapped_column(sa.String(12))
    due_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    assignee: Mapped[str | None] = mapped_column(sa.String(80))
    process_id: Mapped[str] = mapped_column(sa.String(80))
    opened_on: Mapped[dt.date] = mapped_column(sa.Date)
    opened_month: Mapped[str] = mapped_column(sa.String(7))
    region_team: Mapped[str] = mapped_column(sa.String(20))
    customer_class: Mapped[str | None] = mapped_column(sa.String(20))


class ManagementSetting(db.Model):
    """A setting of the management figures a process owner can change (e.g. the first-time-fix window)."""

    __tablename__ = "management_setting"
    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(200))
    updated_by: Mapped[str] = mapped_column(sa.String(80))
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)


class CaseMonth(db.Model):
    """Cases per month of receipt, flow and filter: received, completed, still open (kept with the facts)."""

    __tablename__ = "case_month"
    opened_month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    process_id: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    region_team: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    customer_class: Mapped[str] = mapped_column(sa.String(20), primary_key=True)  # '' when unknown
    received: Mapped[int] = mapped_column(default=0)
    completed: Mapped[int] = mapped_column(default=0)
    still_open: Mapped[int] = mapped_column(default=0)


class CaseWeek(db.Model):
    """Cases received and closed per week (its Monday), flow and filter: the backlog's weeks."""

    __tablename__ = "case_week"
    week: Mapped[dt.date] = mapped_column(sa.Date, primary_key=True)
    process_id: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    region_team: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    customer_class: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    opened: Mapped[int] = mapped_column(default=0)
    closed: Mapped[int] = mapped_column(default=0)


class SlaMonth(db.Model):
    """SLAs per month of the case's receipt, kind, flow, filter and recorded outcome."""

    __tablename__ = "sla_month"
    opened_month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    rule: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    process_id: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    region_team: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    customer_class: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    outcome: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class ScoreMonth(db.Model):
    """Satisfaction scores per month of receipt, flow, filter and score."""

    __tablename__ = "score_month"
    opened_month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    process_id: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    region_team: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    customer_class: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    score: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(default=0)


class ComplaintMonth(db.Model):
    """Complaints per month of receipt, filter and grade, with their response and resolution times."""

    __tablename__ = "complaint_month"
    opened_month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    process_id: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    region_team: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    customer_class: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    grade: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    responded: Mapped[int] = mapped_column(default=0)
    response_seconds: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    resolved: Mapped[int] = mapped_column(default=0)
    resolution_seconds: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class DispatchMonth(db.Model):
    """Dispatches per month of receipt, filter and engineer ('' when none was named)."""

    __tablename__ = "dispatch_month"
    opened_month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    process_id: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    region_team: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    customer_class: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    engineer: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    dispatched: Mapped[int] = mapped_column(default=0)
    overridden: Mapped[int] = mapped_column(default=0)
    arrivals: Mapped[int] = mapped_column(default=0)
    arrival_seconds: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class RevisitMonth(db.Model):
    """Revisits per month they are due, flow and filter: due and done."""

    __tablename__ = "revisit_month"
    due_month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    process_id: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    region_team: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    customer_class: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    due: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
