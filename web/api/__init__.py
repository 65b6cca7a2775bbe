"""JSON API under /api/v1. Importing the endpoint modules registers their routes on `bp`."""
from web.api import (  # noqa: F401
    audit_api,
    case_messages,
    comments,
    dashboard,
    files,
    history,
    instances,
    models,
    openapi,
    operations,
    records,
    reports,
    tasks,
    tokens,
)
from web.api.base import bp

__all__ = ["bp"]
