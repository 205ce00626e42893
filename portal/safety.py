"""Small guards at the edge of every request: where a redirect may go, how big a request
may be, and the public address links and QR codes are built on."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, abort, current_app, request, url_for
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

# The largest integer the databases store (a 64-bit BIGINT); SQLite refuses a larger
# parameter with OverflowError.
LARGEST_INTEGER = 2**63 - 1

# Public forms (the login, objections) carry a few short fields: anything larger is not
# a person typing, and is refused before it is read.
PUBLIC_FORM_BYTES = 64 * 1024
PUBLIC_ENDPOINTS = ("auth.", "public.")
# (jQuery's cache-buster "_" is not one of them: the worker pickers send it.)
URL_FOR_ARGUMENTS = ("export_type", "endpoint", "values", "_external", "_anchor", "_method",
                     "_scheme")


class BoundedInteger(IntegerConverter):
    """An ``<int:…>`` part of a URL that fits the databases' integers: a larger number
    names no record (404), where it made the database driver overflow (500)."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 — werkzeug's own name
        kwargs.setdefault("max", LARGEST_INTEGER)
        super().__init__(map, *args, **kwargs)


def safe_next(target: str | None, default: str) -> str:
    """Return ``target`` if it is a path on this site, else ``default``.

    Browsers drop tabs and newlines inside URLs and read a backslash as a slash, so
    "/\\t/evil.example" or "/\\\\evil.example" lead off-site although they start with one
    "/": any control character, space or backslash sends the user to ``default``.
    """
    if not target or any(ch in target for ch in "\\ ") or any(
            ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def public_url(endpoint: str, **values) -> str | None:
    """Return the absolute public URL of ``endpoint`` on ``PUBLIC_BASE_URL``.

    The request's Host header is the client's to choose, so it is trusted only in
    development and tests; elsewhere, without the setting, there is no absolute URL.
    """
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if base:
        return base + url_for(endpoint, **values)
    if current_app.debug or current_app.testing:
        return url_for(endpoint, _external=True, **values)
    return None


def _limit_public_forms() -> None:
    if (request.endpoint or "").startswith(PUBLIC_ENDPOINTS):
        request.max_content_length = min(
            PUBLIC_FORM_BYTES, current_app.config.get("MAX_CONTENT_LENGTH") or PUBLIC_FORM_BYTES)


def _refuse_nul() -> None:
    # PostgreSQL cannot store or compare text holding NUL: refuse it before any query.
    values = [request.path, *request.args.values()]
    if request.method == "POST" and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        values += [v for v in request.form.values()]
    if any("\x00" in value for value in values):
        abort(400, description=_("The request holds a NUL character, which no field "
                                 "may contain."))
    # Flask-Admin passes the query string on to url_for when it builds links: a query
    # argument named like one of url_for's own would break the page or the link.
    if any(key in URL_FOR_ARGUMENTS for key in request.args):
        abort(400, description=_("The address holds an argument this page does not take."))


def init_app(app: Flask) -> None:
    """Limit the size of public requests and refuse NUL characters in any request."""
    app.before_request(_limit_public_forms)
    app.before_request(_refuse_nul)
