"""Two real application servers over one database behave as one: a preview made on one is
confirmed on the other. One is ``portal serve --prod``, the other gunicorn started by hand
over ``portal.wsgi``; neither sends a ``Server`` header."""
from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from models import ImportUpload, User, Worker, db
from tests.conftest import CSRF_RE, HASHES, PASSWORDS, fresh_database
from tests.excel_files import worker_row
from tests.factories import id_number
from tests.test_excel_import import book

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(config: dict) -> str:
    """Return the one DATABASE_URL a server process reads for the fresh database."""
    url = config["SQLALCHEMY_DATABASE_URI"]
    options = config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).get("connect_args", {}).get("options")
    return f"{url}?options={quote(options)}" if options else url


class Browser:
    """One user's cookie, sent to whichever server is asked (as a load balancer would)."""

    def __init__(self):
        self.cookie = ""

    def request(self, port: int, method: str, path: str, body: bytes = b"",
                headers: dict | None = None) -> tuple[int, dict, str]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        connection.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        return response.status, response.getheaders(), text

    def form(self, port: int, path: str, fields: dict) -> tuple[int, dict, str]:
        body = "&".join(f"{quote(k)}={quote(v)}" for k, v in fields.items()).encode()
        return self.request(port, "POST", path, body,
                            {"Content-Type": "application/x-www-form-urlencoded"})

    def upload(self, port: int, path: str, fields: dict, name: str, data: bytes):
        boundary = uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
                 .encode() for k, v in fields.items()]
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                     f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                     .encode() + data + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request(port, "POST", path, body,
                            {"Content-Type": f"multipart/form-data; boundary={boundary}"})


def start_server(url: str, port: int, log: Path, by_hand: bool) -> subprocess.Popen:
    """Start gunicorn with two workers on ``port``: by ``portal serve --prod``, or by hand
    over ``portal.wsgi`` (the README's line)."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "two-servers-" + "k" * 24,
           "PYTHONPATH": str(ROOT)}
    workers = ["--workers", "2", "--threads", "2"]
    command = ([sys.executable, "-m", "gunicorn", *workers, "--bind", f"127.0.0.1:{port}",
                "--no-control-socket", "portal.wsgi:app"] if by_hand else
               [sys.executable, "-c", "from portal.cli import main; main()",
                "serve", "--prod", *workers, "--port", str(port)])
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("wb"),
                            stderr=subprocess.STDOUT)


def wait_until_healthy(server: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()
        try:
            if Browser().request(port, "GET", "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"server on {port} did not start:\n{log.read_text()}")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)  # gunicorn's master stops its workers
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture
def two_servers(tmp_path):
    """Yield (database app, port A, port B): two gunicorn servers over one new database."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.database import ensure_settings

    with fresh_database(tmp_path) as config:
        app = create_app({"TESTING": True, "SECRET_KEY": "x", **config})
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory, revision="heads")
            ensure_settings()
            user = User(username="staff", full_name="两台服务器", role="staff")
            user.password_hash = HASHES["staff"]
            db.session.add(user)
            db.session.commit()
        servers, ports = [], (free_port(), free_port())
        try:
            for port, by_hand in zip(ports, (False, True), strict=True):
                log = tmp_path / f"server-{port}.log"
                servers.append((start_server(database_url(config), port, log, by_hand), port,
                                log))
            for server, port, log in servers:
                wait_until_healthy(server, port, log)
            yield app, *ports
        finally:
            for server, _port, _log in servers:
                stop(server)
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def test_preview_on_one_server_confirm_on_the_other(app, two_servers):
    """Log in on A, preview an import on A, confirm it on B: the files are created once."""
    database, a, b = two_servers
    new = [id_number() for _ in range(3)]
    workbook = book(app, [worker_row(number, name=f"双机{i}") for i, number in enumerate(new)])
    browser = Browser()

    status, headers, page = browser.request(a, "GET", "/login")
    assert status == 200
    assert [v for k, v in headers if k.lower() == "server"] == []  # no banner from gunicorn
    assert re.fullmatch(r"[0-9a-f]{32}", dict(headers)["X-Request-Id"])
    status, _h, _page = browser.form(a, "/login", {
        "username": "staff", "password": PASSWORDS["staff"],
        "csrf_token": CSRF_RE.search(page).group(1)})
    assert status == 302

    # B knows the session made on A (one SECRET_KEY) and shows the import page.
    status, headers, page = browser.request(b, "GET", "/admin/worker/import/")
    assert status == 200
    assert [v for k, v in headers if k.lower() == "server"] == []
    status, _h, preview = browser.upload(a, "/admin/worker/import/", {
        "csrf_token": CSRF_RE.search(page).group(1)}, "workers.xlsx", workbook)
    assert status == 200, preview
    token = re.search(r'name="token" value="([0-9a-f]{32})"', preview).group(1)
    with database.app_context():
        assert db.session.scalar(select(func.count()).select_from(ImportUpload)) == 1
        db.session.remove()

    status, headers, _page = browser.form(b, "/admin/worker/import/confirm/", {
        "csrf_token": CSRF_RE.search(preview).group(1), "token": token})
    assert status == 302 and dict(headers)["Location"].endswith("/admin/worker/")
    with database.app_context():
        names = db.session.scalars(select(Worker.name).where(Worker.id_number.in_(new))).all()
        assert sorted(names) == ["双机0", "双机1", "双机2"]
        assert db.session.scalar(select(func.count()).select_from(ImportUpload)) == 0
        db.session.remove()
