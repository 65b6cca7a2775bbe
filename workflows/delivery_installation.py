"""Furniture delivery and installation 送货安装 (003, 客服部管理制度): sales fills the customer
feedback form for an end customer, or a department head coordinates a dealer's delivery with the
customer service head; the head assigns the crew and date (a large crew needs the supervising
leader's decision); the crew checks the packaging at loading and calls the customer with the
arrival time. At an end customer: unload and count, install protecting the premises, adjust and
explain the warranty, clean up, get the installation receipt signed, thank the customer. At a
dealer: count with the dealer, the delivery note in two copies signed by the dealer, the signed
copy to the installation supervisor. A quality problem not solved on site means an apology and a
promised date, which becomes the redelivery's deadline (missed: the head follows up); goods going
back are repacked with a return record. The driver records every trip (出车记录)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from workflows.case_data import local_zone
from workflows.deadlines import calendar

PROCESS_ID = "delivery_installation"
CASE_PREFIX = "DLV"
LARGE_JOB_CREW = 4  # 大量人员外出安装: from this many people the supervising leader decides


# ---------------------------------------------------------------- start preparation
def prepare_start(data: dict[str, Any], username: str) -> dict[str, Any]:
    return {**data, "large_job_crew": LARGE_JOB_CREW, "requested_by": username}


DRAFTS: dict[str, Any] = {}


# ---------------------------------------------------------------- service-task handlers
def promised_deadline(data: dict[str, Any], params: dict[str, Any]) -> str:
    """The promise is kept when the goods arrive by the end of the working day promised."""
    day = dt.date.fromisoformat(data["promised_date"])
    return dt.datetime.combine(day, calendar.current().end, tzinfo=local_zone()).isoformat()


SERVICES = {"promised_deadline": promised_deadline}
