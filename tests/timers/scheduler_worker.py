"""One timer scheduler process for the multi-process test: started at an agreed moment, it runs
until nothing is due, then prints what it fired as JSON.

    python -m tests.timers.scheduler_worker DATABASE_URL GO_AT_EPOCH_SECONDS
"""
from __future__ import annotations

import dataclasses
import json
import os
import sys
import time

from engine import hooks
from engine.audit import chain as audit
from engine.clock import now as clock_now
from engine.timers import firing as timers
from engine.timers.scheduler import TimerScheduler
from web import create_app

COUNTED = "counted"


def count(context: hooks.TimerContext) -> None:
    """A timer kind whose firing leaves one audit event naming the timer and the process."""
    audit.append(audit.instance_stream(context.instance.id), [{
        "type": COUNTED, "at": context.now, "actor": "system", "element_id": context.timer.element_id,
        "data": {"timer_id": context.timer.id, "pid": os.getpid()}}], instance_id=context.instance.id)


def main(url: str, go_at: float) -> None:
    # the same audit key as the test's app, so the events it writes verify there
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "worker", "TESTING": True, "AUDIT_KEY": "a1" * 32})
    hooks.configure(dataclasses.replace(hooks.get(), timer_handlers={**hooks.get().timer_handlers, COUNTED: count}))
    scheduler = TimerScheduler(app, sweep_seconds=1.0)
    time.sleep(max(0.0, go_at - time.time()))
    scheduler.start()
    while True:
        time.sleep(0.2)
        with app.app_context():
            due = timers.next_due()
        if due is None or due > clock_now():
            break
    time.sleep(0.5)  # let a firing in flight finish
    scheduler.shutdown(wait=True)
    report = dataclasses.asdict(scheduler.total)
    report.pop("lateness")
    print(json.dumps({"pid": os.getpid(), **report}))


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]))
