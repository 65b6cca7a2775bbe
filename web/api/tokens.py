"""API tokens: exchange a password for one, list mine, revoke one. Only a digest of each token is
stored, so a list can never show a secret."""
from __future__ import annotations

from flask import g, request
from flask_login import current_user

from engine import identity, queries
from engine.clock import isoformat
from engine.commands import transaction
from web.api.base import bp, doc, envelope, parse_body, parse_query
from web.schemas import PageQuery, TokenItem, TokenRequest, TokenResponse, page_of
from web.throttle import check_login_allowed, record_login_failure, record_login_success


@bp.post("/tokens")
@doc(summary="Exchange a username and password for a bearer token", tag="auth", body=TokenRequest,
     response=TokenResponse, status=201, errors=(401, 422, 429), public=True)
def create_token():
    body = parse_body(TokenRequest)
    check_login_allowed(body["username"], request.remote_addr)
    user = identity.authenticate(body["username"], body["password"])
    if user is None:
        record_login_failure(body["username"], request.remote_addr)
        return {"code": "invalid_credentials", "message": "wrong username or password"}, 401
    record_login_success(body["username"])
    with transaction():
        token = identity.issue_token(user)
        row = identity.token_row(token)
    return {"token": token, "id": row.id, "expires_at": isoformat(row.expires_at)}, 201


@bp.get("/tokens")
@doc(summary="My live API tokens (never their secrets); `current` marks the one this call uses", tag="auth",
     query=PageQuery, response=page_of(TokenItem, "TokenPage"), errors=(401, 422))
def list_tokens():
    args = parse_query(PageQuery)
    page = queries.paginate(identity.tokens_query(current_user.id), args["page"], args["per_page"])
    return envelope(page, token_item)


@bp.delete("/tokens/<int:token_id>")
@doc(summary="Revoke one of my API tokens (it stops working at once)", tag="auth", status=204, errors=(401, 404))
def revoke_token(token_id: int):
    with transaction():
        identity.revoke_token(current_user.id, token_id)
    return "", 204


def token_item(row) -> dict:
    return {"id": row.id, "created_at": isoformat(row.created_at), "expires_at": isoformat(row.expires_at),
            "current": row.id == g.get("token_id")}
