"""A request id on every request, and one log line per request that names it.

The id comes from the ``X-Request-Id`` header when a reverse proxy set a well-formed one
(so its log and ours meet), else it is made here; it goes back in the response's
``X-Request-Id``. The line gives method, path (never the query string: a search may hold
an ID number), status, duration, client address and user, on the ``portal.requests``
logger (to stderr unless the server configures it otherwise).
"""
from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, g, request

HEADER = "X-Request-Id"
WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,63}")
log = logging.getLogger("portal.requests")


def request_id() -> str:
    """Return this request's id, taken from the header or made on first use."""
    if "request_id" not in g:
        given = request.headers.get(HEADER, "")
        g.request_id = given if WELL_FORMED.fullmatch(given) else uuid.uuid4().hex
    return g.request_id


def _start() -> None:
    g.request_started = time.perf_counter()
    request_id()


def _user() -> str:
    # The name noted when the user was loaded (portal.sessions): the user object itself
    # is expired by the request's commit, and reading it then cost a query of its own.
    return g.get("user_name") or "-"


def _finish(response: Response) -> Response:
    response.headers[HEADER] = request_id()
    elapsed = time.perf_counter() - g.get("request_started", time.perf_counter())
    log.info("%s %s %s %d %.1fms user=%s addr=%s", request_id(), request.method, request.path,
             response.status_code, elapsed * 1000, _user(), request.remote_addr or "-")
    return response


def init_app(app: Flask) -> None:
    """Give every request an id and log each one; make sure the lines are written."""
    app.before_request(_start)
    app.after_request(_finish)
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
