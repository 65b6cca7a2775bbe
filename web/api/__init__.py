"""JSON API under /api/v1. Importing the endpoint modules registers their routes on `bp`."""
from web.api import audit_api, comments, history, instances, models, openapi, records, tasks, tokens  # noqa: F401
from web.api.base import bp

__all__ = ["bp"]
