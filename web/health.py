"""GET /healthz for load balancers and monitoring: is the database reachable, and which process
runs the timer scheduler. 200 while the database answers (the scheduler's state is reported, since
a node serves requests without leading the scheduler); 503 `database_unavailable` otherwise."""
from __future__ import annotations

from flask import Flask, current_app, jsonify

from engine.timers import scheduler
from web import outage

HOST_KEY = "aftercare_scheduler_host"  # the SchedulerHost of this process (web/server.py)


def _scheduler_state() -> dict:
    host = current_app.extensions.get(HOST_KEY)
    leader = scheduler.leader(current_app.instance_path)
    return {"ok": leader is not None, "leader": leader, "here": bool(host is not None and host.is_leader),
            "enabled_here": host is not None}


def health():
    problem = outage.probe()
    if problem is not None:
        retry = int(current_app.config.get("RETRY_AFTER_SECONDS", 10))
        body = {"ok": False, "code": "database_unavailable", "retry_after": retry,
                "message": "the database is not reachable at the moment; try again shortly",
                "database": {"ok": False, "error": problem}, "scheduler": {"ok": None, "leader": None}}
        return jsonify(body), 503, {"Retry-After": str(retry), "Cache-Control": "no-store"}
    state = _scheduler_state()
    return jsonify({"ok": state["ok"], "database": {"ok": True}, "scheduler": state}), 200, \
        {"Cache-Control": "no-store"}


def init_app(app: Flask) -> None:
    app.add_url_rule("/healthz", endpoint="health", view_func=health)
