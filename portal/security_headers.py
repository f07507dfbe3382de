"""Browser hardening on every portal response: what the page may load, who may frame it, how links refer to it,
and, behind a proxy, the client's real address from X-Forwarded-For."""
from __future__ import annotations

from flask import Flask, Response
from werkzeug.middleware.proxy_fix import ProxyFix

# Pages load only the portal's own files: no inline script or style (they live in static/), no plugins, no framing.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
HSTS = "max-age=31536000"


def add_security_headers(app: Flask, *, https: bool) -> None:
    """Add HEADERS to every response that has not set its own (the public pages' stricter Referrer-Policy
    stays); over HTTPS also tell browsers to keep to HTTPS."""
    headers = HEADERS | ({"Strict-Transport-Security": HSTS} if https else {})

    @app.after_request
    def _harden(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response


def trust_proxies(app: Flask, count: int) -> None:
    """Take the client address and scheme from the last ``count`` X-Forwarded-For/-Proto entries, those the
    trusted proxies in front of the portal added; with 0 the headers are ignored (anyone can send them)."""
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore[method-assign]
