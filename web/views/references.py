"""What people call the records forms refer to (customers, equipment, parts, engineers, staff)."""
from __future__ import annotations

import sqlalchemy as sa

from engine import queries
from engine.db import db
from workflows.records.tables import Customer, Equipment, Part


def reference_names(wanted: dict[str, set[str]]) -> dict[str, dict[str, str]]:
    """What people call the records forms refer to: customers and parts by name, equipment by
    serial and model, engineers by their display name (one query per kind named)."""
    names: dict[str, dict[str, str]] = {}
    ids = [int(v) for v in wanted.get("customer", ()) if v.isdigit()]
    if ids:
        rows = db.session.execute(sa.select(Customer.id, Customer.name).where(Customer.id.in_(ids)))
        names["customer"] = {str(i): name for i, name in rows}
    if wanted.get("equipment"):
        rows = db.session.execute(sa.select(Equipment.serial, Equipment.model)
                                  .where(Equipment.serial.in_(sorted(wanted["equipment"]))))
        names["equipment"] = {serial: f"{serial}（{model}）" for serial, model in rows}
    if wanted.get("part"):
        rows = db.session.execute(sa.select(Part.code, Part.name).where(Part.code.in_(sorted(wanted["part"]))))
        names["part"] = {code: f"{code} {name}" for code, name in rows}
    for kind in ("engineer", "person"):  # people by their display name
        if wanted.get(kind):
            names[kind] = queries.display_names(set(wanted[kind]))
    return names
