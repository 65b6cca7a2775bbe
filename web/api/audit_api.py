from __future__ import annotations

from engine.audit import chain as audit
from web.api.base import bp, doc
from web.auth import roles_required
from web.schemas import Verify


@bp.get("/audit/verify")
@roles_required("auditor", "admin")
@doc(summary="Check every audit hash chain; reports the first event that does not verify", tag="audit",
     response=Verify, errors=(401, 403))
def verify():
    return audit.verify_all().to_dict()
