"""Fixtures: a fresh database per test (SQLite file or PostgreSQL schema), clients, helpers."""
from __future__ import annotations

import contextlib
import os
import re
import uuid

import pytest
from sqlalchemy import create_engine, text
from werkzeug.security import generate_password_hash

from models import db
from models.base import freeze_today
from portal import create_app
from portal.database import ensure_settings
from portal.i18n import compile_catalogs

DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith("postgresql")
PASSWORDS = {"admin": "admin-pass-1", "staff": "staff-pass-1", "clerk": "clerk-pass-1",
             "manager": "manager-pass-1"}
# Cheap hashes: the portal's own default (scrypt) costs ~0.1 s per check, too slow per test.
HASHES = {role: generate_password_hash(pw, "pbkdf2:sha256:1000") for role, pw in PASSWORDS.items()}
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="needs DATABASE_URL on PostgreSQL")


def pytest_sessionstart(session):
    compile_catalogs()


@pytest.fixture
def database_config(tmp_path):
    """Yield the config of a database no other test uses."""
    with fresh_database(tmp_path) as config:
        yield config


@contextlib.contextmanager
def fresh_database(tmp_path):
    """Give the config of a new empty database: a SQLite file or a PostgreSQL schema."""
    if not ON_POSTGRES:
        yield {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / uuid.uuid4().hex}.db"}
        return
    schema = "t_" + uuid.uuid4().hex[:16]
    admin = create_engine(DATABASE_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield {"SQLALCHEMY_DATABASE_URI": DATABASE_URL,
           "SQLALCHEMY_ENGINE_OPTIONS": {
               "connect_args": {"options": f"-csearch_path={schema}"}}}
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def app(database_config):
    """Return a portal app on a fresh database holding one user per role."""
    from models import User

    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "PORTAL_LOCALE": "zh_CN",
                      **database_config})
    with app.app_context():
        db.create_all()
        ensure_settings()
        for role in PASSWORDS:
            user = User(username=role, full_name=f"测试{role}", role=role)
            user.password_hash = HASHES[role]
            db.session.add(user)
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    freeze_today(None)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    """Run the test inside an app context (for domain-level tests)."""
    with app.test_request_context():
        yield app


def csrf_token(client, url="/login") -> str:
    """Return the CSRF token the portal gives ``client``'s session."""
    page = client.get(url, follow_redirects=True).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no csrf_token on {url}"
    return match.group(1)


class Auth:
    """Log a test client in and out."""

    def __init__(self, client):
        self.client = client

    def login(self, role="staff", password=None, username=None):
        token = csrf_token(self.client, "/login")
        return self.client.post("/login", data={
            "username": username or role, "password": password or PASSWORDS[role],
            "csrf_token": token})

    def logout(self):
        return self.client.post("/logout", data={"csrf_token": csrf_token(self.client,
                                                                           "/admin/")})

    def token(self, url="/admin/"):
        return csrf_token(self.client, url)


@pytest.fixture
def auth(client):
    return Auth(client)


def flashes(page: str) -> str:
    """Return the text of the alert boxes of a rendered page."""
    return " ".join(re.findall(r'class="alert[^"]*"[^>]*>(.*?)</div>', page, re.S))
