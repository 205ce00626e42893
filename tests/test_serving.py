"""Production serving: /healthz, request ids in the logs, the reverse proxy, ``serve --prod``."""
from __future__ import annotations

import logging

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from models import AuditLog, LoginAttempt, db
from portal import serving
from portal.config import DEFAULT_KEEP_ALIVE
from portal.requestlog import HEADER


def test_healthz_answers_without_login_and_says_nothing_personal(client):
    """200 and a bare status; not stored by any cache."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_healthz_answers_503_when_the_database_does_not(client, monkeypatch):
    """The database refusing the query makes a 503 (a load balancer takes the server out)."""
    def refuse(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(Session, "execute", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable"}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_answers_503_when_the_database_is_unreachable(app, tmp_path):
    """A real unreachable database: a SQLite file in a folder that does not exist."""
    from portal import create_app

    down = create_app({"TESTING": True, "SECRET_KEY": "x",
                       "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/portal.db"})
    assert down.test_client().get("/healthz").status_code == 503


def test_every_response_carries_a_request_id_that_is_logged(app, client, auth, caplog):
    """A made id per request, returned in the header and logged with what was asked."""
    caplog.set_level(logging.INFO, logger="portal.requests")
    auth.login("staff")
    caplog.clear()
    first = client.get("/admin/worker/?search=110101199003071234")
    second = client.get("/healthz")
    ids = first.headers[HEADER], second.headers[HEADER]
    assert ids[0] != ids[1] and all(len(i) == 32 for i in ids)
    lines = [r.getMessage() for r in caplog.records if r.name == "portal.requests"]
    [line] = [line for line in lines if line.startswith(ids[0])]
    assert " GET /admin/worker/ 200 " in line and "ms user=staff " in line
    assert "110101199003071234" not in "".join(lines)  # never the query string
    [line] = [line for line in lines if line.startswith(ids[1])]
    assert " GET /healthz 200 " in line


def test_the_log_line_names_the_user_without_reading_it_again(app):
    """The log line names the user as noted when it was loaded: a request that commits
    has expired the user object, and reading it then cost a query of its own."""
    from portal import requestlog

    class Expired:
        @property
        def username(self):
            raise AssertionError("the user object was read again")

    with app.test_request_context("/"):
        from flask import g
        g._login_user, g.user_name = Expired(), "staff"
        assert requestlog._user() == "staff"


@pytest.mark.parametrize("given,kept", [
    ("req-2026-abc.123", True),
    ("f" * 64, True),
    ("short", False),
    ("f" * 65, False),
    ("bad id with spaces", False),
    ("evil\tline-injection", False),
    ("中文编号中文编号中文编号", False),
])
def test_a_well_formed_request_id_from_the_proxy_is_kept(client, caplog, given, kept):
    """The proxy's id is used when well formed, else replaced (nothing odd reaches a log)."""
    caplog.set_level(logging.INFO, logger="portal.requests")
    response = client.get("/healthz", headers={HEADER: given})
    assert (response.headers[HEADER] == given) is kept
    assert any(r.getMessage().startswith(response.headers[HEADER] + " ")
               for r in caplog.records)


def test_a_failing_request_is_logged_with_its_status(client, caplog):
    """Refused requests (here a 404) are logged too."""
    caplog.set_level(logging.INFO, logger="portal.requests")
    response = client.get("/admin/no-such-page/")
    assert response.status_code == 404
    assert any(" GET /admin/no-such-page/ 404 " in r.getMessage() for r in caplog.records)


def _fail_login(client, forwarded_for: str) -> None:
    from tests.conftest import csrf_token

    token = csrf_token(client, "/login")
    client.post("/login", data={"username": "staff", "password": "wrong-password",
                                "csrf_token": token},
                headers={"X-Forwarded-For": forwarded_for})


def _addresses(app) -> set[str]:
    with app.app_context():
        keys = db.session.scalars(select(LoginAttempt.key).where(
            LoginAttempt.scope == "address")).all()
        ips = db.session.scalars(select(AuditLog.ip)).all()
        db.session.remove()
    return set(keys) | set(ips)


def test_without_a_proxy_setting_x_forwarded_for_is_ignored(app, client):
    """A client cannot choose the address throttling counts by sending the header."""
    _fail_login(client, "203.0.113.9")
    assert "203.0.113.9" not in _addresses(app)
    assert "127.0.0.1" in _addresses(app)


def test_behind_proxy_count_throttling_sees_the_real_client(app):
    """PROXY_COUNT=1: the address the proxy appended counts, not one the client forged."""
    from portal import create_app

    database = {key: app.config[key] for key in ("SQLALCHEMY_DATABASE_URI",
                                                "SQLALCHEMY_ENGINE_OPTIONS") if key in app.config}
    proxied = create_app({"TESTING": True, "SECRET_KEY": "x", "PROXY_COUNT": 1, **database})
    # The client forged 198.51.100.1; the proxy appended the address it really came from.
    _fail_login(proxied.test_client(), "198.51.100.1, 203.0.113.9")
    addresses = _addresses(proxied)
    assert "203.0.113.9" in addresses
    assert not {"198.51.100.1", "127.0.0.1"} & addresses
    with proxied.app_context():
        db.engine.dispose()


def test_serve_prod_refuses_to_start_without_a_secret_key(runner, monkeypatch):
    """No SECRET_KEY in the environment (or a short one): a clear Chinese refusal."""
    started = []
    monkeypatch.setattr(serving, "serve", lambda *args, **kwargs: started.append(kwargs))
    for value in (None, "too-short"):
        if value is None:
            monkeypatch.delenv("SECRET_KEY", raising=False)
        else:
            monkeypatch.setenv("SECRET_KEY", value)
        result = runner.invoke(args=["serve", "--prod"])
        assert result.exit_code == 2
        assert "SECRET_KEY" in result.output and "拒绝启动" in result.output
    assert started == []


def test_serve_prod_runs_gunicorn_workers_from_the_cpu_count(runner, monkeypatch):
    """--prod starts gunicorn with 2 × cores + 1 workers unless --workers says otherwise."""
    started = []
    monkeypatch.setenv("SECRET_KEY", "s" * 32)
    monkeypatch.setattr(serving, "serve", lambda *args, **kwargs: started.append(
        (args[1:], kwargs)))
    monkeypatch.setattr(serving.os, "cpu_count", lambda: 3)
    assert runner.invoke(args=["serve", "--prod", "--port", "8123"]).exit_code == 0
    assert runner.invoke(args=["serve", "--prod", "--workers", "2"]).exit_code == 0
    assert started[0][0] == ("127.0.0.1", 8123) and started[0][1]["workers"] == 7
    assert started[1][1]["workers"] == 2
    assert runner.invoke(args=["serve", "--prod", "--workers", "0"]).exit_code == 2
    assert runner.invoke(args=["serve", "--prod", "--keep-alive", "3"]).exit_code == 0
    assert started[0][1]["keep_alive"] == DEFAULT_KEEP_ALIVE == 0
    assert started[2][1]["keep_alive"] == 3
    assert runner.invoke(args=["serve", "--prod", "--keep-alive", "-1"]).exit_code == 2


def test_serve_passes_keep_alive_to_gunicorn(monkeypatch):
    """gunicorn is given the keep-alive asked for (0: a connection a request); the objects
    made at start are left out of later garbage collections, before the workers fork."""
    options, frozen = [], []
    monkeypatch.setattr(serving.gc, "freeze", lambda: frozen.append(len(options)))
    monkeypatch.setattr(serving.PortalServer, "__init__",
                        lambda self, app, opts: options.append(opts))
    monkeypatch.setattr(serving.PortalServer, "run", lambda self: None, raising=False)
    serving.serve(None, "127.0.0.1", 8124, workers=2, threads=2, timeout=30, keep_alive=0)
    assert options[0]["keepalive"] == 0 and options[0]["worker_class"] == "gthread"
    assert frozen == [0]  # frozen before gunicorn was made (and forked)


def test_a_worker_takes_only_the_connections_it_has_a_thread_for():
    """One request a connection: a worker accepts no more connections than its threads, so
    the rest wait for whichever worker is free first; kept connections need room beyond
    the threads, so with keep-alive gunicorn's own limit stays."""
    one = serving.gunicorn_options("127.0.0.1", 8124, workers=4, threads=3, timeout=30,
                                   keep_alive=0)
    kept = serving.gunicorn_options("127.0.0.1", 8124, workers=4, threads=3, timeout=30,
                                    keep_alive=2)
    assert one["worker_connections"] == 3 and "worker_connections" not in kept
    config = serving.PortalServer(None, one).cfg  # as gunicorn will read them
    assert (config.worker_connections, config.threads, config.keepalive) == (3, 3, 0)


def test_gunicorn_sends_no_server_line():
    """gunicorn's own response lines lose ``Server`` once the portal's patch is applied."""
    from gunicorn.http import wsgi

    serving.drop_server_banner()
    lines = serving._default_headers.__get__(FakeResponse())()
    assert any(line.startswith("Server:") for line in lines)
    assert not any(line.lower().startswith("server:")
                   for line in wsgi.Response.default_headers(FakeResponse()))


class FakeResponse:
    """Just what gunicorn's ``Response.default_headers`` reads."""

    upgrade, chunked, status, version = False, False, "200 OK", "gunicorn"

    class req:
        version = (1, 1)

    def should_close(self):
        return False
