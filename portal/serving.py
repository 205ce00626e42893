"""``portal serve --prod``: the portal under gunicorn, several worker processes.

gunicorn writes its ``Server: gunicorn`` line itself, before the app's headers, so no
after_request hook can take it back; the response class is patched here to leave it out,
as ``portal.headers.RequestHandler`` does for werkzeug. ``portal.wsgi`` is the same for
gunicorn started by hand.
"""
from __future__ import annotations

import gc
import os

from flask import Flask
from flask_babel import gettext as _
from gunicorn.app.base import BaseApplication
from gunicorn.http import wsgi

from models import db
from portal.config import DEFAULT_KEEP_ALIVE

SECRET_KEY_MIN = 16
_default_headers = wsgi.Response.default_headers


def _headers_without_banner(self) -> list[str]:
    """Return gunicorn's own response lines without the ``Server`` one."""
    return [line for line in _default_headers(self) if not line.lower().startswith("server:")]


def drop_server_banner() -> None:
    """Make gunicorn send no ``Server`` header (its name and, in old versions, version)."""
    wsgi.Response.default_headers = _headers_without_banner


def secret_key_problem() -> str | None:
    """Say why the environment's SECRET_KEY cannot serve production, or None when it can.

    Every server of a federation must sign sessions with one key: a key made in this
    machine's instance/ folder would log users out whenever another server answers.
    """
    if len(os.environ.get("SECRET_KEY", "")) < SECRET_KEY_MIN:
        return _("Refusing to start: production serving needs the environment variable "
                 "SECRET_KEY (the same random value of at least %(n)d characters on "
                 "every server).", n=SECRET_KEY_MIN)
    return None


def freeze_startup_objects() -> None:
    """Leave the objects the app made at start (its views, models, mappers, templates'
    environment: some 440,000) out of every later garbage collection.

    A full collection walked them all: about 0.2 s here, once every hundred-odd pages,
    with every thread of that worker stopped. Called in the server's process before
    gunicorn forks its workers, it also keeps their memory pages shared.
    """
    gc.collect()
    gc.freeze()


def default_workers() -> int:
    """Return gunicorn's usual worker count for this machine: two per core, plus one."""
    return 2 * (os.cpu_count() or 1) + 1


class PortalServer(BaseApplication):
    """gunicorn serving an app built by the ``portal`` command (options as gunicorn names)."""

    def __init__(self, app: Flask, options: dict):
        self.app, self.options = app, options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            if name in self.cfg.settings:  # control_socket_disable came in gunicorn 25.1
                self.cfg.set(name, value)

    def load(self) -> Flask:
        # Each worker is a fork of the command's process: it must not share the database
        # connections of its parent's pool (close=False leaves them to the parent).
        with self.app.app_context():
            db.engine.dispose(close=False)
        return self.app


def gunicorn_options(host: str, port: int, workers: int, threads: int, timeout: int,
                     keep_alive: int = DEFAULT_KEEP_ALIVE) -> dict:
    """Return gunicorn's settings for ``serve``.

    ``keep_alive``: seconds a connection waits for its next request (0: one request a
    connection). A kept connection stays with the worker process that accepted it.

    With one request a connection, a worker takes a new connection only when one of its
    threads is free for it (``worker_connections`` = threads): the others wait in the
    listening socket's queue for whichever worker frees a thread first. With gunicorn's
    own limit (1,000 connections a worker) a busy worker kept accepting, and its requests
    queued behind its own threads while another worker had time to spare: at 32 clients
    on 4 workers × 4 threads (bench/load.py, three 30-s runs each, in turns) the p95 was
    627–751 ms with 2-s kept connections against 487–541 ms so, at 83–94 requests a
    second either way. A kept connection needs a place of its own beyond the threads, so
    with ``keep_alive`` gunicorn's limit stays.
    """
    options = {
        # gthread even for one thread, never "sync": a sync worker runs each request in its
        # main thread, inside the app context the ``portal`` command pushed, so requests
        # would share ``g`` (the user logged in among it).
        "bind": f"{host}:{port}", "workers": workers, "threads": threads,
        "worker_class": "gthread", "timeout": timeout, "keepalive": keep_alive,
        # The access lines come from portal.requestlog (with the request id and user).
        "accesslog": None, "errorlog": "-", "proc_name": "portal",
        # One shared control socket per machine (~/.gunicorn) would clash between two servers.
        "control_socket_disable": True,
    }
    if not keep_alive:
        options["worker_connections"] = threads
    return options


def serve(app: Flask, host: str, port: int, workers: int, threads: int, timeout: int,
          keep_alive: int = DEFAULT_KEEP_ALIVE) -> None:
    """Run ``app`` under gunicorn (``gunicorn_options``) until it is stopped (SIGINT or
    SIGTERM)."""
    drop_server_banner()
    freeze_startup_objects()
    PortalServer(app, gunicorn_options(host, port, workers, threads, timeout,
                                       keep_alive)).run()
