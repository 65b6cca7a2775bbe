"""A database made before SLAs had a recorded time of their own keeps working: `aftercare init`
adds the column, the old records read as before and new deadlines use it."""
from __future__ import annotations

import sqlalchemy as sa

from engine import commands, schema
from engine.db import db
from tests.workflows.deadlines.test_arrival import month, sent_on_site
from tests.workflows.flowkit import complete
from workflows.deadlines import sla, sla_tracking


def test_an_older_sla_table_gets_the_new_column_and_arrivals_are_kept(flows, actors, clock):
    earlier = commands.start_instance(process_id="tech_support", data={"customer_id": flows.sw, "question": "?"},
                                      actor=actors["desk1"]).id
    db.session.commit()
    db.session.remove()
    with db.engine.begin() as conn:  # the table as the older release made it
        conn.execute(sa.text("ALTER TABLE sla_record DROP COLUMN done_at"))
    assert "done_at" not in {c["name"] for c in sa.inspect(db.engine).get_columns("sla_record")}

    assert len(schema.upgrade_additively()) == 1
    [old] = sla.records_of(earlier)
    assert (old.rule, old.outcome, old.done_at) == ("tech_question_answer", "open", None)
    case = sent_on_site(flows, actors, clock)
    complete(case, "onsite_investigation", actors["eng_sw1"], arrived_at="2026-03-03T09:00")
    assert [row["outcome"] for row in sla_tracking.arrivals(**month())] == ["met"]
