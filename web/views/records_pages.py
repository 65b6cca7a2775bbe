"""The records pages' blueprints (customers, equipment, parts, users), registered together by the app factory."""
from __future__ import annotations

from web.views import records_customers, records_equipment, records_parts, users_admin

BLUEPRINTS = (records_customers.bp, records_equipment.bp, records_parts.bp, users_admin.bp)
