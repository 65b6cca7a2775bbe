"""JSON API under /api/v1. Importing the endpoint modules registers their routes on `bp`."""
from web.api import (  # noqa: F401
    appointments,
    audit_api,
    calculators,
    case_messages,
    comments,
    dashboard,
    documents,
    files,
    history,
    instances,
    models,
    openapi,
    operations,
    parts_draws,
    record_copies,
    records,
    reports,
    scorecards,
    tasks,
    tokens,
    tools,
)
from web.api.base import bp

__all__ = ["bp"]
