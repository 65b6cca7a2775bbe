"""Aftercare's engine: SpiffWorkflow behind our own types, persistence, timers and audit.

Import the submodules you need (engine.commands, engine.loader, engine.audit, ...). Nothing here
reads configuration or opens connections at import time.
"""
