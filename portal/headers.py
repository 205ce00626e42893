"""Security headers on every response, and a request handler that sends no server banner.

The policy lets the browser run only our own script files and the inline blocks rendered
with this request's nonce (``csp_nonce()`` in templates; Flask-Admin gets it too), never
inline event handlers: templates attach behaviour by data attribute (static/portal.js).
"""
from __future__ import annotations

import secrets

from flask import Flask, Response, g, request
from werkzeug.serving import WSGIRequestHandler

# <style> blocks need the nonce too. Style attributes stay allowed (style-src-attr): our
# templates and a list column use a few; select2, Bootstrap and the date picker set styles
# from script, which no policy limits. No style can load anything from elsewhere.
POLICY = ("default-src 'self'; script-src 'self' 'nonce-{nonce}'; "
          "style-src 'self' 'nonce-{nonce}'; style-src-attr 'unsafe-inline'; "
          "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
          "frame-ancestors 'none'")
HEADERS = {
    "X-Frame-Options": "DENY",  # for browsers that predate frame-ancestors
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
# Blueprints that choose their own caching: the public notice board revalidates each view
# (portal/public.py, whose other headers also win, being set first).
OWN_CACHING = ("public",)


def csp_nonce() -> str:
    """Return this request's CSP nonce (for script and style blocks), made on first use."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def add_headers(response: Response) -> Response:
    """Add the security headers, and forbid storing anything but static assets."""
    response.headers.setdefault("Content-Security-Policy", POLICY.format(nonce=csp_nonce()))
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    static = (request.endpoint or "").rpartition(".")[2] == "static"
    if not static and request.blueprint not in OWN_CACHING:
        # Pages, exports and workbooks hold personal data: not for the disk cache, a proxy
        # or the back button (this also replaces send_file's "no-cache").
        response.headers["Cache-Control"] = "no-store"
    return response


class RequestHandler(WSGIRequestHandler):
    """werkzeug's request handler without the ``Server: Werkzeug/x Python/y`` banner.

    The server writes that header itself, before the app's own, so no after_request hook
    or WSGI middleware can take it back: the server has to be started with this handler.
    """

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() != "server":
            super().send_header(keyword, value)


def init_app(app: Flask) -> None:
    """Send the security headers on every response and give templates ``csp_nonce()``.

    Call after the ``Admin`` is built: its templates put the nonce on their script tags.
    """
    app.after_request(add_headers)
    app.add_template_global(csp_nonce)
    for admin in app.extensions.get("admin", []):
        admin.csp_nonce_generator = csp_nonce
