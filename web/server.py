"""`aftercare serve`: gunicorn (never Flask's development server).

SQLite has one writer, so it gets one worker with threads; PostgreSQL gets several workers.
"""
from __future__ import annotations

import multiprocessing

from gunicorn.app.base import BaseApplication

from web import create_app


class AftercareServer(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return create_app()


def serve(*, host: str, port: int, workers: int | None) -> None:
    probe = create_app()
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
    }
    AftercareServer(options).run()
