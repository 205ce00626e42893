"""Fixtures: a fresh database per test (SQLite file or PostgreSQL schema), clients, helpers."""
from __future__ import annotations

import contextlib
import fcntl
import os
import pickle
import re
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, text
from werkzeug.security import generate_password_hash

from models import db
from models.base import freeze_today
from portal import create_app
from portal.database import ensure_settings
from portal.i18n import compile_catalogs
from views.dashboard_kept import forget_kept

DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith("postgresql")
PASSWORDS = {"admin": "admin-pass-1", "staff": "staff-pass-1", "clerk": "clerk-pass-1",
             "manager": "manager-pass-1"}
# Cheap hashes: the portal's own default (scrypt) costs ~0.1 s per check, too slow per test.
HASHES = {role: generate_password_hash(pw, "pbkdf2:sha256:1000") for role, pw in PASSWORDS.items()}
# Every signed-in page carries the session's one CSRF token (the sign-out form).
TOKEN_PAGE = "/password"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="needs DATABASE_URL on PostgreSQL")


def pytest_sessionstart(session):
    compile_catalogs()


@pytest.fixture
def database_config(tmp_path):
    """Yield the config of a new empty database no other test uses (for schema tests)."""
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
               "connect_args": {"options": f"-csearch_path={schema} {NO_WAIT_FOR_DISK}"}}}
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


# The tests' databases are thrown away: a commit need not wait for the disk. Nothing
# else changes (what a commit makes visible, locks, constraints); the suite ran ~14%
# faster on SQLite without the fsyncs.
NO_WAIT_FOR_DISK = "-csynchronous_commit=off"  # PostgreSQL, per connection


def _sqlite_without_fsync(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA synchronous=OFF")


@contextlib.contextmanager
def sqlite_as_deployed(app):
    """Inside, the app's SQLite connections are new ones as the portal makes them (with
    their fsyncs): for a test of what the portal itself sets on a connection."""
    with app.app_context():
        event.remove(db.engine, "connect", _sqlite_without_fsync)
        db.session.remove()
        db.engine.dispose()
    try:
        yield
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
            event.listen(db.engine, "connect", _sqlite_without_fsync)


def _fill_base_rows() -> None:
    """Add the rows every test starts from: the settings and one user per role."""
    from models import User

    ensure_settings()
    for role in PASSWORDS:
        user = User(username=role, full_name=f"测试{role}", role=role)
        user.password_hash = HASHES[role]
        db.session.add(user)
    db.session.commit()


class SharedApp:
    """One portal app per test process, its database put back to the base rows per test.

    Building the app (Flask-Admin compiles ~1,000 URL rules) and the schema costs about
    0.5 s; each test gets the same app over a database reset to a saved copy instead.
    SQLite: the schema and base rows are built once into a template file that is copied
    over the test database (a few ms). PostgreSQL: one schema per process; every table
    is emptied, its id sequence restarted and the base rows re-inserted. The app's config
    is restored after each test, so a test may change it freely.
    """

    def __init__(self, folder):
        self.folder = folder
        self.schema = None
        if ON_POSTGRES:
            self.schema = "w_" + uuid.uuid4().hex[:16]
            self.admin = create_engine(DATABASE_URL)
            with self.admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            database = {"SQLALCHEMY_DATABASE_URI": DATABASE_URL,
                        "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {
                            "options": f"-csearch_path={self.schema} {NO_WAIT_FOR_DISK}"}}}
        else:
            self.path = folder / "portal.db"
            self.template = folder / "template.db"
            database = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{self.path}"}
        self.app = create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                               "PORTAL_LOCALE": "zh_CN", **database})
        with self.app.app_context():
            if not ON_POSTGRES:
                event.listen(db.engine, "connect", _sqlite_without_fsync)
            db.create_all()
            _fill_base_rows()
            if ON_POSTGRES:
                base = self._all_rows(db.session.connection())
                self.wipe = self._wipe_sql(db.session)
            db.session.remove()
            db.engine.dispose()
        if not ON_POSTGRES:
            self.path.rename(self.template)
        # Saved states a test may start from: SQLite template files, PostgreSQL rows.
        self.saved = {"base": base if ON_POSTGRES else self.template}
        self.config = dict(self.app.config)

    def reset(self, state: str = "base") -> None:
        """Put the database back to a saved state: the base rows unless told otherwise."""
        forget_kept(self.app)  # the start page's kept figures counted the last test's rows
        with self.app.app_context():
            db.session.remove()
            if ON_POSTGRES:
                with db.engine.begin() as conn:
                    conn.exec_driver_sql(self.wipe)
                    self.insert_rows(conn, self.saved[state])
                return
            db.engine.dispose()  # the file is replaced under it
        for suffix in ("-wal", "-shm"):
            self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)
        # A new file renamed into place, not the old one overwritten: a connection some
        # thread of the last test still holds keeps the old file and cannot touch this one.
        fresh = self.path.with_name(self.path.name + ".new")
        shutil.copy(self.saved[state], fresh)  # the mode too: the database stays 0600
        os.replace(fresh, self.path)

    @staticmethod
    def _all_rows(conn) -> dict:
        """Return the rows of every table that holds any, tables in dependency order."""
        rows = {table: [dict(row._mapping) for row in conn.execute(table.select())]
                for table in db.metadata.sorted_tables}
        return {table: found for table, found in rows.items() if found}

    def insert_rows(self, conn, saved: dict) -> None:
        """Insert saved rows (by table) and move each id sequence past them.

        Run after ``self.wipe`` in the same transaction: its replica role leaves the
        triggers and foreign-key checks off, so the rows go in as they were saved.
        """
        for table, rows in saved.items():
            conn.execute(table.insert(), rows)
            self._move_sequence_past(conn, table)

    def save(self, state: str, shared: Path) -> None:
        """Keep the database as it is now as ``state``, and write it to ``shared`` too.

        SQLite: a copy of the file. PostgreSQL: every table's rows, pickled by table name.
        """
        with self.app.app_context():
            db.session.remove()
            if ON_POSTGRES:
                with db.engine.connect() as conn:
                    self.saved[state] = self._all_rows(conn)
                shared.write_bytes(pickle.dumps(
                    {t.name: rows for t, rows in self.saved[state].items()}))
                return
            db.engine.dispose()
        self.saved[state] = self.folder / f"{state}.db"
        shutil.copy(self.path, self.saved[state])
        shutil.copy(self.path, shared)

    def copy_into(self, state: str, app) -> None:
        """Give another app's new empty database (SQLite file or schema) a saved state."""
        with app.app_context():
            if ON_POSTGRES:
                db.create_all()
                with db.engine.begin() as conn:
                    conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
                    self.insert_rows(conn, self.saved[state])
                return
            db.engine.dispose()
            shutil.copy(self.saved[state], db.engine.url.database)

    def load(self, state: str, shared: Path) -> None:
        """Take ``state`` as another test process saved it to ``shared``."""
        if ON_POSTGRES:
            tables = {table.name: table for table in db.metadata.sorted_tables}
            self.saved[state] = {tables[name]: rows for name, rows in
                                 pickle.loads(shared.read_bytes()).items()}
            return
        self.saved[state] = self.folder / f"{state}.db"
        shutil.copy(shared, self.saved[state])

    @staticmethod
    def _wipe_sql(session) -> str:
        """Return the SQL that empties every table and restarts every id sequence.

        DELETE is ~10x cheaper than TRUNCATE on tables that hold a few rows (TRUNCATE makes
        new files for each table and index). Triggers are off for this transaction only
        (the append-only ledgers refuse DELETE, and with them off so are the FK checks).
        """
        tables = db.metadata.sorted_tables
        sequences = [seq for table in tables for column in table.primary_key.columns
                     if (seq := session.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                               {"t": f'"{table.name}"', "c": column.name}))]
        return "".join(["SET LOCAL session_replication_role = replica;"]
                       + [f'DELETE FROM "{t.name}";' for t in reversed(tables)]
                       + [f"SELECT setval('{seq}', 1, false);" for seq in sequences])

    @staticmethod
    def _move_sequence_past(conn, table) -> None:
        """Let the next generated id follow the re-inserted rows (the restart set it to 1)."""
        for column in table.primary_key.columns:
            if column.autoincrement is True or (column.autoincrement == "auto"
                                                and column.type.python_type is int):
                conn.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', "
                    f"'{column.name}'), (SELECT max(\"{column.name}\") FROM \"{table.name}\"))"))

    def restore_config(self) -> None:
        """Undo whatever a test changed in the app's config."""
        self.app.config.clear()
        self.app.config.update(self.config)

    def close(self) -> None:
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()
        if self.schema:
            with self.admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{self.schema}" CASCADE'))
            self.admin.dispose()


@pytest.fixture(scope="session")
def shared_app(tmp_path_factory):
    shared = SharedApp(tmp_path_factory.mktemp("shared-app"))
    yield shared
    shared.close()


@pytest.fixture
def app(shared_app):
    """Return the portal app over a database holding only the settings and one user per role."""
    shared_app.reset()
    yield shared_app.app
    with shared_app.app.app_context():
        db.session.remove()
    shared_app.restore_config()
    freeze_today(None)


# The demo centre the tests of the demo data share: seeded once per test run (~10 s on
# SQLite, ~15 s on PostgreSQL) by whichever test process needs it first, through the CLI.
DEMO_SEED = ("--workers", "150", "--seed", "5")


@pytest.fixture(scope="session")
def demo_saved(shared_app, tmp_path_factory, worker_id) -> str:
    """Save the demo centre as the shared app's "demo" state; return `portal seed`'s output.

    The test processes of one run share one seed: the first to get here seeds and writes
    the state beside the others' folders; the rest wait on the lock and read it.
    """
    root = tmp_path_factory.getbasetemp()
    root = root.parent if worker_id != "master" else root
    shared, output = root / "demo.state", root / "demo.output"
    with open(root / "demo.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if output.exists():
            shared_app.load("demo", shared)
            return output.read_text()
        shared_app.reset()
        result = shared_app.app.test_cli_runner().invoke(args=["seed", *DEMO_SEED])
        assert result.exit_code == 0, result.output
        shared_app.save("demo", shared)
        output.write_text(result.output)
        return result.output


@pytest.fixture
def demo(app, shared_app, demo_saved) -> str:
    """Start the test over the demo centre (`portal seed --workers 150 --seed 5`); return
    the command's output."""
    shared_app.reset("demo")
    return demo_saved


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
        return self.client.post("/logout", data={"csrf_token": self.token()})

    def token(self, url=TOKEN_PAGE):
        """Return the session's CSRF token, read off ``url`` (by default the cheapest page
        that carries it: the password form, ~1 ms, where the dashboard takes 5-25 ms)."""
        return csrf_token(self.client, url)


@pytest.fixture
def auth(client):
    return Auth(client)


def flashes(page: str) -> str:
    """Return the text of the alert boxes of a rendered page."""
    return " ".join(re.findall(r'class="alert[^"]*"[^>]*>(.*?)</div>', page, re.S))
