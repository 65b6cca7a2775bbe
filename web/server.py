"""`aftercare serve`: gunicorn (never Flask's development server), with the timer scheduler.

SQLite has one writer, so it gets one worker with threads; PostgreSQL gets several workers. Every
worker runs a `SchedulerHost`, and exactly one of them holds the lease and runs the scheduler (a
PostgreSQL advisory lock, or a lock file beside the SQLite database); if that worker dies another
takes over within seconds. Commands in the other workers wake it through PostgreSQL NOTIFY, and
starting it fires at once whatever fell due while the server was down.
"""
from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from engine import clock, integrity
from engine.timers import outbox, webhook
from engine.timers.scheduler import SchedulerHost, TimerScheduler
from web import create_app
from web.health import HOST_KEY
from web.views.history import integrity_link
from workflows.collaboration import digest
from workflows.deadlines import calendar_years, revisit_plan
from workflows.management import reports_schedule, tools_schedule

MAIL_EVERY_SECONDS = 30
PLAN_EVERY_SECONDS = 3600
INTEGRITY_POLL_SECONDS = 300  # the nightly check starts within five minutes of its time
DIGEST_POLL_SECONDS = 300  # the daily digest goes out within five minutes of its time
CALENDAR_REMINDER_SECONDS = 3600  # the fourth quarter's monthly reminder to confirm next year's calendar
REPORTS_POLL_SECONDS = 900  # the monthly and quarterly reports appear within a quarter hour of the working day


def smtp_settings(config: dict[str, Any]) -> outbox.SmtpSettings | None:
    if not config.get("SMTP_HOST"):
        return None
    return outbox.SmtpSettings(
        host=config["SMTP_HOST"], port=int(config.get("SMTP_PORT") or 25),
        sender=config.get("SMTP_FROM") or "aftercare@localhost", username=config.get("SMTP_USER"),
        password=config.get("SMTP_PASSWORD"), starttls=bool(config.get("SMTP_STARTTLS")))


def _time_of_day(config: dict[str, Any], key: str, default: str) -> dt.time:
    """AFTERCARE_<key>: "02:00", or an hour (3); company time."""
    value = config.get(key)
    try:
        return dt.time(value) if isinstance(value, int) else dt.time.fromisoformat(str(value or default))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"AFTERCARE_{key} must be a time of day such as {default}, not {value!r}") from exc


def integrity_check_time(config: dict[str, Any]) -> dt.time:
    return _time_of_day(config, "INTEGRITY_CHECK_AT", "02:00")


def webhook_settings(config: dict[str, Any]) -> webhook.WebhookSettings | None:
    if not config.get("WEBHOOK_URL"):
        return None
    return webhook.WebhookSettings(url=str(config["WEBHOOK_URL"]), base_url=str(config.get("BASE_URL") or ""))


def build_scheduler(app: Flask) -> TimerScheduler:
    """The one scheduler: timers, plus the jobs that must run in one process only."""
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # not a line per job run
    scheduler = TimerScheduler(app, sweep_seconds=float(app.config.get("SCHEDULER_SWEEP_SECONDS", 60)))
    smtp = smtp_settings(app.config)
    if smtp is not None:
        scheduler.add_periodic("outbox.deliver", lambda: outbox.deliver(smtp), MAIL_EVERY_SECONDS)
    hook = webhook_settings(app.config)
    if hook is not None:
        scheduler.add_periodic("webhook.deliver", lambda: webhook.deliver(hook), MAIL_EVERY_SECONDS)
    digest_at = _time_of_day(app.config, "DIGEST_AT", "08:00")
    scheduler.add_periodic("collaboration.digest", lambda: digest.run(now=clock.now(), at=digest_at),
                           DIGEST_POLL_SECONDS)
    scheduler.add_periodic("revisit_plan.generate", revisit_plan.run, PLAN_EVERY_SECONDS)
    nightly = integrity.nightly_job(integrity.staff_notifier(link=integrity_link),
                                    at=integrity_check_time(app.config))
    scheduler.add_periodic("integrity.nightly", nightly, INTEGRITY_POLL_SECONDS)
    scheduler.add_periodic("reports.produce", reports_schedule.job(), REPORTS_POLL_SECONDS)
    scheduler.add_periodic("calendar.remind_next_year", calendar_years.job(), CALENDAR_REMINDER_SECONDS)
    scheduler.add_periodic("tools.replenishment", tools_schedule.job(), REPORTS_POLL_SECONDS)
    return scheduler


def start_scheduler_host(app: Flask) -> SchedulerHost | None:
    """Compete for the scheduler lease in this process (returns None when the app disables it)."""
    if not app.config.get("SCHEDULER"):
        return None
    host = SchedulerHost(app, lambda: build_scheduler(app),
                         retry_seconds=float(app.config.get("SCHEDULER_RETRY_SECONDS", 5)))
    app.extensions[HOST_KEY] = host
    return host.start()


def _post_worker_init(worker) -> None:
    start_scheduler_host(worker.wsgi)


def _worker_exit(_server, worker) -> None:
    host = getattr(worker, "wsgi", None) and worker.wsgi.extensions.get(HOST_KEY)
    if host is not None:
        host.stop()


class AftercareServer(BaseApplication):
    def __init__(self, options: dict, scheduler: bool):
        self.options = options
        self.scheduler = scheduler
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return create_app({"SCHEDULER": self.scheduler})


def ready_banner(config: dict[str, Any], host: str, port: int) -> str:
    """What the console says once the server listens: the address, and in demo mode how to log in."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    lines = [f"Aftercare 售后 is running at http://{shown}:{port}/"]
    if config.get("DEMO"):
        lines.append("Demo login: manager1 / demo  (every demo user's password is demo; sales1, desk1, eng_sw1, "
                     "auditor1, admin …)")
    return "\n".join(lines)


def serve(*, host: str, port: int, workers: int | None, scheduler: bool = True) -> None:
    probe = create_app()
    banner = ready_banner(probe.config, host, port)
    sqlite = probe.config["DATABASE_URL"].startswith("sqlite")
    if workers is None:
        workers = 1 if sqlite else min(2 * multiprocessing.cpu_count() + 1, 8)
    options = {
        "bind": f"{host}:{port}",
        "workers": 1 if sqlite else workers,
        "threads": 8 if sqlite else 4,
        "worker_class": "gthread",
        "timeout": 60,
        "graceful_timeout": 20,
        "accesslog": "-",
        "errorlog": "-",
        "preload_app": False,
        "post_worker_init": _post_worker_init,
        "worker_exit": _worker_exit,
        "when_ready": lambda _server: print(banner, flush=True),
    }
    AftercareServer(options, scheduler).run()
