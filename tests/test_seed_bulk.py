"""`portal seed` of any size: files written in bulk yet valid, funds that never run dry."""
from __future__ import annotations

import random
import sqlite3
from decimal import Decimal

import pytest
from faker import Faker
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from models import FamilyMember, Fund, FundEntry, PersonInFile, User, Worker, db
from models.idnumber import normalize_id_number
from models.worker import LIVE_STATUSES
from models.worker_rules import derived_values
from portal.cli import report_differences
from seed import aid, demo, loans
from seed import units as seed_units
from seed import workers as worker_seed
from tests.conftest import ON_POSTGRES, sqlite_as_deployed

FILES = 12_000  # the old seed ran its donation fund dry from about 8,000 files


def test_seed_beyond_the_old_failure_point(app, runner, monkeypatch):
    """12,000 files seed in chunks with progress; every fund and ledger agrees, none below 0.

    The funds start nearly empty here, so the seed must give each what it will pay out.
    The rule-made parts are kept small (their growth is tested below) to keep this quick.
    """
    monkeypatch.setattr(worker_seed, "CHUNK", 5000)
    monkeypatch.setattr(aid, "FUNDS", tuple((n, s, Decimal("100.00")) for n, s, _a in aid.FUNDS))
    monkeypatch.setattr(loans, "FUND", (*loans.FUND[:2], Decimal("100.00")))
    monkeypatch.setattr(demo, "scaled", lambda share, workers, cap: min(cap, 100))
    monkeypatch.setattr(loans, "HABITS", {habit: 1 for habit in loans.HABITS})
    result = runner.invoke(args=["seed", "--workers", str(FILES), "--seed", "3"])
    assert result.exit_code == 0, result.output
    progress = [line for line in result.output.splitlines() if "已写入困难职工档案" in line]
    assert [line.split()[1] for line in progress] == ["5,000", "10,000", "12,000"]
    # Then each later part, with its seconds, in order, the saving last.
    stages = [line.split("：")[0] for line in result.output.splitlines() if "完成，用时" in line]
    assert stages[:3] == ["特困职工证", "档案索引", "档案复核"] and stages[-1] == "保存到数据库"
    assert len(stages) == 14
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Worker)) == FILES
        assert report_differences()  # what `portal verify` checks
        assert db.session.scalar(select(func.min(Fund.balance))) >= 0
        assert db.session.scalar(select(func.min(FundEntry.balance_after))) >= 0
        paid = db.session.scalar(select(func.count()).where(FundEntry.kind == "assistance_out"))
        assert paid >= 30
        if db.engine.dialect.name == "sqlite":  # seeded unlogged, left in WAL mode as it was
            with sqlite3.connect(db.engine.url.database) as plain:
                assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_bulk_files_are_valid(app, monkeypatch):
    """Bulk-written files hold valid unique ID numbers, fields derived as the form derives
    them, and one person-index row per person, live as the file's status says."""
    monkeypatch.setattr(worker_seed, "CHUNK", 700)  # several chunks, ids read back across them
    with app.app_context():
        made = worker_seed.load(random.Random(9), Faker("zh_CN"), demo.AS_OF,
                                demo.ensure_demo_users()["staff"], 2000)
        db.session.commit()
    with app.app_context():
        numbers = list(db.session.scalars(select(Worker.id_number)))
        numbers += list(db.session.scalars(select(FamilyMember.id_number)))
        assert len(numbers) == len(set(numbers)) == sum(made) > 5000
        assert all(normalize_id_number(n) == n for n in numbers)
        index = db.session.execute(select(PersonInFile.id_number, PersonInFile.member_id,
                                          PersonInFile.live, Worker.status)
                                   .join(Worker, Worker.id == PersonInFile.worker_id)).all()
        assert sorted(row.id_number for row in index) == sorted(numbers)
        assert all(row.live == (row.status in LIVE_STATUSES) for row in index)
        assert {row.status for row in index} == {"pending", "active", "exited", "removed"}
        ids = random.Random(1).sample(list(db.session.scalars(select(Worker.id))), 200)
        for worker in db.session.scalars(select(Worker).where(Worker.id.in_(ids))):
            expected = derived_values({"id_number": worker.id_number, "name": worker.name,
                                       "household_size": None,
                                       "household_income": worker.household_income,
                                       "essential_spending": worker.essential_spending},
                                      worker.members)
            assert {key: getattr(worker, key) for key in expected} == expected
            assert (worker.exit_date is not None) == (worker.status in ("exited", "removed"))
            assert worker.filed_by is not None and worker.employer and worker.phone


def test_varied_parts_grow_slower_than_the_files():
    """Aid records and love cards grow with the files up to 2,000, then as the root, capped."""
    assert demo.scaled(0.3, 100, cap=1500) == 30
    assert demo.scaled(0.3, 2000, cap=1500) == 600
    assert 600 < demo.scaled(0.3, 12_000, cap=1500) < 12_000 * 0.3 / 2
    assert demo.scaled(0.3, 1_000_000, cap=1500) == 1500


def test_seed_of_a_new_sqlite_database_rolls_back_and_keeps_its_log(app, monkeypatch):
    """A new SQLite database is seeded with a rollback journal, not the write-ahead log:
    a failure still leaves it empty, and it is back in WAL mode and synced afterwards
    (after a seed that succeeds: test_seed_beyond_the_old_failure_point)."""
    def fails(*args, **kwargs):
        assert raw().execute("PRAGMA journal_mode").fetchone()[0] == "truncate"
        raise RuntimeError("stop")

    def raw():
        return db.session.connection().connection.dbapi_connection

    if ON_POSTGRES:
        pytest.skip("SQLite's journal")
    with sqlite_as_deployed(app), app.app_context():
        monkeypatch.setattr(demo.review_seed, "load", fails)
        with pytest.raises(RuntimeError):
            demo.load(workers=40, seed=2)
        assert db.session.scalar(select(func.count()).select_from(Worker)) == 0
        assert raw().execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw().execute("PRAGMA synchronous").fetchone()[0] != 0


def _schema_of_people_tables() -> list:
    """Return the people tables' indexes (and SQLite triggers), and on PostgreSQL their
    constraints, each by name and definition."""
    from portal.excel.bulk_indexes import _postgresql_objects, _sqlite_objects, people_tables

    conn = db.session.connection()
    tables = people_tables(conn)
    if conn.dialect.name == "sqlite":
        return sorted(o for table in tables for o in _sqlite_objects(conn, table))
    constraints = conn.exec_driver_sql(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated "
        "FROM pg_constraint WHERE connamespace = to_regnamespace(current_schema()) "
        "AND conrelid::regclass::text = ANY(%(tables)s)", {"tables": list(tables)}).all()
    return sorted([*(o for table in tables for o in _postgresql_objects(conn, table)),
                   *(tuple(c) for c in constraints)])


def test_seed_leaves_the_indexes_and_constraints_as_they_were(app, monkeypatch):
    """The seed drops the people tables' indexes (and on PostgreSQL the foreign keys
    between them) while writing: all are back after, and the keys hold."""
    monkeypatch.setattr(worker_seed, "CHUNK", 300)
    with app.app_context():
        before = _schema_of_people_tables()
        assert len(before) > 30
        worker_seed.load(random.Random(4), Faker("zh_CN"), demo.AS_OF,
                         demo.ensure_demo_users()["staff"], 700)
        db.session.commit()
        assert _schema_of_people_tables() == before
        member = db.session.scalar(select(FamilyMember).limit(1))
        # The key to the files holds again.
        with pytest.raises(IntegrityError), db.session.begin_nested():
            db.session.execute(update(FamilyMember).where(FamilyMember.id == member.id)
                               .values(worker_id=10 ** 9))


def test_files_take_their_unit_by_id(app):
    """The seed's files are spread over the units by id as ``_spread`` spreads the rest,
    the first station's filed by its own staff."""
    with app.app_context():
        demo.load(workers=40, seed=5)
        units = seed_units.load()
        slots = [units[n] for n, share in enumerate(seed_units.SHARES) for _ in range(share)]
        station_user = db.session.scalar(select(User).where(User.username == "station1"))
        files = db.session.scalars(select(Worker)).all()
        assert len(files) == 40
        for worker in files:
            assert worker.unit_id == slots[worker.id % len(slots)].id
            assert (worker.filed_by_id == station_user.id) == (worker.unit_id == units[1].id)
