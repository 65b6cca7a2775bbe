"""Fixtures for the business flows: the real diagrams of bpmn/ deployed, a few domain records,
and the extra users the flows need (engineers of each region team, the quality VP, ...)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from engine import loader
from engine.commands import transaction
from engine.db import db
from engine.identity import Actor, create_user, get_user
from engine.models import ModelVersion
from tests.browserkit import chromium  # noqa: F401 - the diagram checks open the modeler bundles
from workflows.records.tables import Customer, Engineer, Equipment, Part

ROOT = Path(__file__).resolve().parents[2]
BPMN_DIR = ROOT / "bpmn"
EXTRA_USERS = {
    "qualityvp1": ["quality_vp"], "logi1": ["logistics"], "mfg1": ["mfg_tech"],
    "eng_sw1": ["engineer"], "eng_sw2": ["engineer"], "eng_n1": ["engineer"], "eng_g1": ["engineer"],
}
TEAMS = {"eng_sw1": "south_west", "eng_sw2": "south_west", "eng_n1": "north", "eng_g1": "general"}
STAMP = dt.datetime(2026, 1, 5)


def deploy_flows(actor: str = "owner1") -> list[str]:
    """Deploy bpmn/ the way `aftercare init` does: called processes first."""
    bpmn = sorted(BPMN_DIR.glob("*.bpmn"), key=lambda p: ("callActivity" in p.read_text(encoding="utf-8"), p.name))
    dmn = sorted(BPMN_DIR.glob("*.dmn"))
    deployed = []
    for path in bpmn:
        with transaction():
            deployed += [r.process_id for r in loader.deploy(loader.read_folder_bundle([path, *dmn]), actor=actor)]
    return deployed


@pytest.fixture
def actors(users):
    with transaction():
        for username, roles in EXTRA_USERS.items():
            create_user(username, "pw-" + username, roles)
    return {**users, **{name: Actor(name, frozenset(roles)) for name, roles in EXTRA_USERS.items()}}


def _customer(name, klass, region, contact="王工", phone="13800000000"):
    row = Customer(name=name, customer_class=klass, region=region, address=f"{region}某工业园区",
                   contacts=[{"name": contact, "phone": phone, "title": "设备科长"}],
                   created_at=STAMP, updated_at=STAMP)
    db.session.add(row)
    db.session.flush()
    return row


def _equipment(serial, customer, commissioned_on, months, model="HX-200 压滤机", shipped=dt.date(2025, 1, 10)):
    row = Equipment(serial=serial, model=model, contract_number=f"HT-{serial}", ship_date=shipped,
                    commissioned_on=commissioned_on, warranty_months=months, inspection_record="出厂检验合格",
                    customer_id=customer.id, created_at=STAMP, updated_at=STAMP)
    db.session.add(row)
    return row


@pytest.fixture
def records(actors):
    with transaction():
        sw = _customer("成都蓉城机械有限公司", "key", "四川")
        cq = _customer("重庆山城重工有限公司", "ordinary", "重庆")
        north = _customer("北京京北精工有限公司", "ordinary", "北京")
        south = _customer("广州珠江装备有限公司", "key", "广东")
        # warranty ends (commissioning + months): 2027-12-31, 2025-06-30 and 2027-06-30
        _equipment("EQ-SW-001", sw, dt.date(2025, 3, 31), 33)
        _equipment("EQ-SW-OLD", sw, dt.date(2024, 6, 30), 12, model="HX-100 压滤机", shipped=dt.date(2024, 6, 1))
        _equipment("EQ-CQ-001", cq, dt.date(2025, 6, 30), 24)
        _equipment("EQ-N-001", north, dt.date(2025, 6, 30), 24)
        _equipment("EQ-G-001", south, dt.date(2025, 6, 30), 24)
        for username, team in TEAMS.items():
            db.session.add(Engineer(user_id=get_user(username).id, region_team=team, skills=["installation"],
                                    created_at=STAMP, updated_at=STAMP))
        for code, name, price in [("BRG-6205", "深沟球轴承 6205", "85.50"), ("SEAL-80", "骨架油封 80", "12.00"),
                                  ("MTR-2K2", "电机 2.2kW", "1850.00"), ("PLC-S7", "PLC 控制器", "4200.00"),
                                  ("PUMP-50", "隔膜泵 50", "999.99")]:
            db.session.add(Part(code=code, name=name, price=Decimal(price), created_at=STAMP, updated_at=STAMP))
    return SimpleNamespace(sw=sw.id, cq=cq.id, north=north.id, south=south.id)


_deployed: list[dict] = []


def install_flows() -> None:
    """Deploy bpmn/ for real once per session; later tests get the same model versions back as
    rows (deploying parses and validates every diagram, about a second; the tests need the result)."""
    if not _deployed:
        deploy_flows()
        columns = [c.key for c in sa.inspect(ModelVersion).mapper.column_attrs if c.key != "id"]
        rows = db.session.execute(sa.select(ModelVersion).order_by(ModelVersion.id)).scalars()
        _deployed.extend({key: getattr(row, key) for key in columns} for row in rows)
        return
    with transaction():
        db.session.add_all(ModelVersion(**values) for values in _deployed)


@pytest.fixture
def flows(records):
    install_flows()
    return records
