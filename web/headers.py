"""Security headers on every response, and the session cookie's Secure flag over HTTPS.

The Content-Security-Policy allows only this site's own scripts and styles (no inline script, no
other origin); the pages keep their JavaScript in static files and their page data in
`<script type="application/json">` blocks, which the policy does not run. Responses that set
their own policy (downloads of uploaded files) keep it.

Behind a reverse proxy, set AFTERCARE_PROXY_COUNT to the number of proxies in front: then the
client address (login throttling) and the scheme (HTTPS, so Secure cookies) come from their
X-Forwarded-For / X-Forwarded-Proto headers, and from nothing else."""
from __future__ import annotations

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",  # the diagram viewers draw their logo and exports as data: URLs
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
HSTS = "max-age=31536000"


def secure_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


class SessionCookies(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS (or the setting says so)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def init_app(app: Flask) -> None:
    proxies = int(app.config.get("PROXY_COUNT") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    app.session_interface = SessionCookies()
    app.after_request(secure_headers)
