"""Browser tests: the fixtures every browser test shares (tests/browserkit.py), and the page tests'
cases."""
from __future__ import annotations

from tests.browserkit import artifacts, chromium, live_server, open_session  # noqa: F401 - shared fixtures
from tests.web.conftest import actors, approval_case, flows, forms_case, records  # noqa: F401 - as the page tests
