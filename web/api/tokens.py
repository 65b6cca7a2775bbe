from __future__ import annotations

from flask import request

from engine import identity
from engine.clock import isoformat, now
from engine.commands import transaction
from web.api.base import bp, doc, parse_body
from web.schemas import TokenRequest, TokenResponse
from web.throttle import check_login_allowed, record_login_failure


@bp.post("/tokens")
@doc(summary="Exchange a username and password for a bearer token", tag="auth", body=TokenRequest,
     response=TokenResponse, status=201, errors=(401, 422, 429), public=True)
def create_token():
    body = parse_body(TokenRequest)
    check_login_allowed(body["username"], request.remote_addr)
    with transaction():
        user = identity.authenticate(body["username"], body["password"])
        if user is None:
            record_login_failure(body["username"], request.remote_addr)
            return {"code": "invalid_credentials", "message": "wrong username or password"}, 401
        token = identity.issue_token(user)
    return {"token": token, "expires_at": isoformat(now() + identity.TOKEN_LIFETIME)}, 201


