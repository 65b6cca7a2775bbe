"""Demo service tools: every demo engineer holds the standard kit, issued by the service manager at
the start of the previous year (so the consumables and class-2 tools show in this year's request)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from engine.clock import now
from engine.db import db
from engine.identity import SYSTEM
from workflows.management import tools
from workflows.records.dispatch import active_engineers

PRICES = {"laptop": "6000.00", "camera": "2500.00", "caliper": "420.00", "multimeter": "380.00",
          "thermometer": "260.00", "usb_drive": "80.00", "feeler_gauge": "45.00", "spring_scale": "60.00",
          "hammer": "55.00", "wrench_set": "680.00", "vibration_plate": "120.00", "toolbox": "150.00",
          "hose": "40.00", "tape": "25.00", "work_clothes": "180.00", "safety_shoes": "220.00"}


def load_kits() -> int:
    """Issue the kit to every engineer who holds no tool yet; returns the tools issued."""
    moment = now()
    issued_on = dt.date(moment.year - 1, 2, 20)
    count = 0
    for engineer in active_engineers():
        if db.session.execute(sa.select(tools.ToolItem.id).where(tools.ToolItem.engineer == engineer.username)
                              .limit(1)).first() is not None:
            continue
        for tool in tools.STANDARD_KIT:
            tools.issue(engineer.username, tool.code, Decimal(PRICES[tool.code]), issued_on, actor=SYSTEM,
                        now=moment)
            count += 1
    return count
