"""Who sees and decides what in the engineers' accountability (manual art. 14, 55–59): the service
manager, the vice presidents and the general manager see every engineer's figures and use the
calculators; auditors read; an engineer sees only their own scorecard."""
from __future__ import annotations

from decimal import Decimal

from engine.errors import Forbidden
from engine.identity import Actor
from workflows.management import accountability_settings as settings
from workflows.management import calculators

MANAGERS = ("service_manager", "sales_vp", "quality_vp", "general_manager")
READERS = (*MANAGERS, "auditor")


def check_reader(actor: Actor) -> None:
    if not actor.has_role(*READERS):
        raise Forbidden("the engineers' accountability figures are for the service manager, the vice presidents, "
                        "the general manager and auditors", roles=list(READERS))


def check_manager(actor: Actor) -> None:
    if not actor.has_role(*MANAGERS):
        raise Forbidden("only the service manager, the vice presidents and the general manager may do this",
                        roles=list(MANAGERS))


def accident_fine(*, actor: Actor, loss: Decimal) -> calculators.Fine:
    """The major-accident fine on `loss` under the bands as they stand."""
    check_reader(actor)
    return calculators.accident_fine(loss, settings.accident_bands())
