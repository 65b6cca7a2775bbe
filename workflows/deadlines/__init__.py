"""Deadlines: the business calendar, SLA settings and tracking, and the yearly revisit plan."""
