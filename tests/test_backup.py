"""`portal backup` and `portal restore`: a snapshot taken while others write comes back whole."""
from __future__ import annotations

import re
import sqlite3
import subprocess
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DatabaseError

from models import AuditLog, Fund, LoveCard, User, db
from models.ledger import APPEND_ONLY, post_entry
from models.lovecard_rules import top_up
from portal import create_app
from tests.conftest import DATABASE_URL, ON_POSTGRES, postgres_only

# Every cached balance, by table and column: each must come back as the backup holds it.
BALANCES = [("fund", "balance"), ("love_card", "balance"), ("item", "on_hand"),
            ("stock_lot", "on_hand"), ("loan", "repaid_amount"), ("instalment", "amount_paid"),
            ("training_class", "enrolled_count")]
COPY_START = re.compile(r'^COPY [^ ]+?\.("?)(\w+)\1 \((.*)\) FROM stdin;$')


@pytest.fixture
def centre(database_config, shared_app, demo_saved):
    """Return a portal of its own over a new database holding the demo centre."""
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "PORTAL_LOCALE": "zh_CN",
                      **database_config})
    shared_app.copy_into("demo", app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def database_snapshot(app) -> dict:
    """Return every table's row count and every cached balance of the app's database."""
    with app.app_context(), db.engine.connect() as conn:
        snap = {table.name: conn.scalar(text(f'SELECT count(*) FROM "{table.name}"'))
                for table in db.metadata.sorted_tables}
        for name, column in BALANCES:
            snap[name, column] = dict(conn.execute(text(
                f'SELECT id, CAST({column} AS TEXT) FROM "{name}"')).all())
        return snap


def backup_snapshot(path: Path) -> dict:
    """Return the same figures read from the backup file itself, not through the portal."""
    if not ON_POSTGRES:
        with sqlite3.connect(path) as conn:
            snap = {table.name: conn.execute(f'SELECT count(*) FROM "{table.name}"').fetchone()[0]
                    for table in db.metadata.sorted_tables}
            for name, column in BALANCES:
                snap[name, column] = dict(conn.execute(
                    f'SELECT id, CAST({column} AS TEXT) FROM "{name}"').fetchall())
        return snap
    rows = copy_rows(path)
    snap = {table.name: len(rows[table.name]) for table in db.metadata.sorted_tables}
    for name, column in BALANCES:
        snap[name, column] = {int(row["id"]): row[column] for row in rows[name]}
    return snap


def copy_rows(path: Path) -> dict[str, list[dict]]:
    """Return the rows of every table in a pg_dump archive, read from its COPY blocks."""
    script = subprocess.run(["pg_restore", "--data-only", "--file=-", str(path)],
                            capture_output=True, text=True, check=True).stdout
    rows, current, columns = {}, None, []
    for line in script.splitlines():
        if current is None:
            if match := COPY_START.match(line):
                current, columns = match.group(2), [c.strip(' "') for c in
                                                    match.group(3).split(",")]
                rows[current] = []
        elif line == "\\.":
            current = None
        else:
            rows[current].append(dict(zip(columns, line.split("\t"), strict=True)))
    return rows


class Writer(threading.Thread):
    """Keep committing fund entries and card top-ups, as the counters do, until stopped."""

    def __init__(self, app):
        super().__init__(daemon=True)
        self.app, self.stop, self.commits, self.error = app, threading.Event(), 0, None

    def run(self):
        with self.app.app_context():
            try:
                fund_id = db.session.scalar(select(Fund.id).where(Fund.active.is_(True)))
                card = db.session.scalars(select(LoveCard).where(
                    LoveCard.status == "active")).first()
                clerk = db.session.scalar(select(User).where(User.role == "clerk"))
                while not self.stop.is_set():
                    post_entry(fund_id, "donation_in", Decimal("1.25"), clerk,
                               reason="备份测试")
                    top_up(card, Decimal("2"), clerk, "备份测试", fund_id)
                    db.session.commit()
                    self.commits += 1
            except Exception as exc:  # reported by the test, not lost in the thread
                self.error = exc

    def wait_for(self, commits: int) -> None:
        deadline = time.monotonic() + 30
        while self.commits < commits and time.monotonic() < deadline and self.is_alive():
            time.sleep(0.01)
        assert self.commits >= commits, self.error


def destroy(app) -> None:
    """Lose the whole database: delete the SQLite file, or empty the PostgreSQL schema."""
    with app.app_context():
        db.session.remove()
        if not ON_POSTGRES:
            db.engine.dispose()
            path = Path(db.engine.url.database)
            for name in (path.name, path.name + "-wal", path.name + "-shm"):
                path.with_name(name).unlink(missing_ok=True)
            return
        schema = db.session.scalar(text("SELECT current_schema()"))
        db.session.remove()
        db.engine.dispose()
    admin = create_engine(DATABASE_URL)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()


def test_backup_while_writing_then_restore_after_loss(centre, tmp_path):
    """A backup taken mid-writes is one consistent snapshot, and a restore brings it all back."""
    runner, target = centre.test_cli_runner(), tmp_path / "centre.backup"
    writer = Writer(centre)
    writer.start()
    try:
        writer.wait_for(5)
        before = writer.commits
        result = runner.invoke(args=["backup", str(target)])
        during = writer.commits
        writer.wait_for(during + 5)  # the writer outlived the backup
    finally:
        writer.stop.set()
        writer.join(30)
    assert writer.error is None, writer.error
    assert result.exit_code == 0, result.output
    assert "数据库已备份到" in result.output and target.stat().st_mode & 0o777 == 0o600
    saved, live = backup_snapshot(target), database_snapshot(centre)
    # The backup holds the writes committed before it and none of those after it ended.
    # (+1: a commit may be in the snapshot before the writer has counted it.)
    # Each commit writes two fund entries: the donation in, and the top-up's draw out.
    missing = (live["fund_entry"] - saved["fund_entry"]) // 2
    assert before <= writer.commits - missing <= during + 1
    assert live["fund_entry"] > saved["fund_entry"] and saved["card_entry"] > 0

    destroy(centre)
    result = runner.invoke(args=["restore", str(target)])
    assert result.exit_code == 0, result.output
    assert "已从" in result.output and "所有余额与台账一致" in result.output
    restored = database_snapshot(centre)
    # The restore itself is audited, in the restored database.
    assert restored.pop("audit_log") == saved.pop("audit_log") + 1
    assert restored == saved
    assert runner.invoke(args=["verify"]).exit_code == 0
    with centre.app_context():
        last = db.session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
        assert (last.action, last.record_type) == ("restore", "database")
        for model in APPEND_ONLY:  # the append-only triggers came back with the tables
            for verb in (f"UPDATE {model.__tablename__} SET id = id",
                         f"DELETE FROM {model.__tablename__}"):
                with pytest.raises(DatabaseError, match="append-only"):
                    db.session.execute(text(verb))
                db.session.rollback()


def test_restore_over_data_needs_force(centre, tmp_path):
    """A restore never replaces a database holding data unless --force says so."""
    runner, target = centre.test_cli_runner(), tmp_path / "centre.backup"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    with centre.app_context():
        fund_id = db.session.scalar(select(Fund.id).where(Fund.active.is_(True)))
        post_entry(fund_id, "donation_in", Decimal("99"), reason="备份之后")
        db.session.commit()
    after_backup = database_snapshot(centre)

    refused = runner.invoke(args=["restore", str(target)])
    assert refused.exit_code == 1 and "已有数据" in refused.output and "--force" in refused.output
    assert database_snapshot(centre) == after_backup

    forced = runner.invoke(args=["restore", str(target), "--force"])
    assert forced.exit_code == 0, forced.output
    assert "所有余额与台账一致" in forced.output
    restored, saved = database_snapshot(centre), backup_snapshot(target)
    assert restored.pop("audit_log") == saved.pop("audit_log") + 1
    assert restored == saved and restored["fund_entry"] == after_backup["fund_entry"] - 1


def test_refusals_are_clear_and_change_nothing(app, runner, tmp_path):
    """Bad files and unsafe targets get one Chinese sentence and exit 1, never a traceback."""
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"PGDMP not really" if not ON_POSTGRES else b"SQLite format 3\x00xx")
    stranger = tmp_path / "other.db"
    with sqlite3.connect(stranger) as conn:
        conn.execute("CREATE TABLE note (id INTEGER PRIMARY KEY)")
    existing = tmp_path / "existing.backup"
    existing.write_text("keep me")
    cases = [(["restore", str(tmp_path / "missing.backup")], "不存在"),
             (["restore", str(junk), "--force"], "不是本系统"),
             (["restore", str(stranger), "--force"], "不是本系统"),
             (["restore", str(tmp_path), "--force"], "不存在"),
             (["backup", str(existing)], "已存在"),
             (["backup", str(tmp_path / "no-such-folder" / "x.backup")], "不是已有文件夹")]
    if not ON_POSTGRES:
        live = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
        cases += [(["backup", live, "--force"], "正在使用的数据库本身"),
                  (["restore", live, "--force"], "正在使用的数据库本身")]
    for args, message in cases:
        result = runner.invoke(args=args)
        assert result.exit_code == 1, (args, result.output)
        assert message in result.output, (args, result.output)
        assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert existing.read_text() == "keep me"
    with app.app_context():
        assert db.session.scalar(select(User.id).where(User.username == "admin"))
        assert not db.session.scalar(select(AuditLog.id).where(
            AuditLog.action.in_(["backup", "restore"])))


@postgres_only
def test_missing_postgresql_tools_are_named(app, runner, tmp_path, monkeypatch):
    """Without pg_dump on PATH the backup says which package to install."""
    monkeypatch.setattr("portal.backup.shutil.which", lambda tool: None)
    result = runner.invoke(args=["backup", str(tmp_path / "x.backup")])
    assert result.exit_code == 1 and "找不到 pg_dump" in result.output
    assert "postgresql-client" in result.output and not (tmp_path / "x.backup").exists()
