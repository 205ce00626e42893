"""The worker import's bulk path: exact money, stored values kept, the fast ID check."""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import random
import re
from decimal import Decimal

from openpyxl import Workbook
from sqlalchemy import event, select

from models import FamilyMember, PersonInFile, Worker, db
from models.base import today
from models.idnumber import InvalidIdNumber, _normalize_fully, make_id_number, plainly_valid
from models.worker import LIVE_STATUSES
from portal.excel.importer import run_import
from portal.excel.specs import worker_spec
from tests.excel_files import worker_book, worker_row
from tests.factories import id_number, make_worker, user

PERSON_ROWS = r"(DELETE FROM|INSERT INTO) person_in_file "


@contextlib.contextmanager
def executed(pattern: str):
    """Collect (statement, parameters, executemany) of each statement run in the block
    whose text matches ``pattern`` at its start."""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if re.match(pattern, statement):
            seen.append((statement, parameters, executemany))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def sheet_of(headers: list[str], rows: list[list]) -> bytes:
    """Return an .xlsx whose only sheet holds ``headers`` and ``rows``, as typed in Excel."""
    book = Workbook()
    book.active.title = str(worker_spec().title)
    book.active.append(headers)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_money_round_trips_exactly(ctx):
    """1234.56 and 0.10 are stored and read back to the fen, members' income too."""
    number, child = id_number(), id_number(dt.date(2012, 3, 1))
    data = worker_book([worker_row(number, household_income=1234.56,
                                   essential_spending=0.10)],
                       members=[{"worker_id_number": number, "name": "孙小雨",
                                 "relation": "子女", "id_number": child,
                                 "monthly_income": 0.10}])
    report = run_import(worker_spec(), data, user("staff"), dry_run=False)
    assert report.written and report.created == 1, report.errors
    db.session.expire_all()
    worker = db.session.scalar(select(Worker).where(Worker.id_number == number))
    assert worker.household_income == Decimal("1234.56")
    assert worker.essential_spending == Decimal("0.10")
    assert str(worker.household_income) == "1234.56" and str(worker.essential_spending) == "0.10"
    assert worker.per_capita_income == Decimal("51.44")  # (1234.56 − 0.10) / 12 / 2
    assert worker.ethnicity == "" and worker.status == "pending"  # an empty cell
    assert worker.secondary_causes == [] and worker.filed_by.username == "staff"
    assert [str(m.monthly_income) for m in worker.members] == ["0.10"]
    assert sorted(db.session.scalars(select(PersonInFile.id_number))) == sorted([number, child])
    again = run_import(worker_spec(), data, user("staff"), dry_run=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1), again.errors


def test_partial_sheet_keeps_stored_values(ctx):
    """A sheet of a few columns changes those and keeps income, size, status and filing date."""
    worker = make_worker(filed_on=dt.date(2024, 1, 2), household_income=Decimal("30000.50"))
    number, kept = worker.id_number, (worker.household_size, worker.per_capita_income)
    data = sheet_of(["姓名", "身份证号", "主要致困原因", "联系电话", "档案状态"],
                    [[worker.name, number, "患重特大疾病", "13512345678", None]])
    report = run_import(worker_spec(), data, user("staff"), dry_run=False)
    assert report.updated == 1, report.errors
    db.session.expire_all()
    worker = db.session.scalar(select(Worker).where(Worker.id_number == number))
    assert worker.phone == "13512345678" and worker.status == "active"
    assert worker.filed_on == dt.date(2024, 1, 2)
    assert worker.household_income == Decimal("30000.50")
    assert worker.essential_spending == Decimal("6000")
    assert (worker.household_size, worker.per_capita_income) == kept
    assert db.session.query(FamilyMember).count() == 0


def test_fast_id_check_agrees_with_the_full_one():
    """What the fast check passes, the full check returns unchanged; it passes valid ones."""
    rnd, latest = random.Random(7), today()
    samples = []
    for _ in range(3000):
        born = dt.date(1890, 1, 1) + dt.timedelta(days=rnd.randrange(60000))
        number = make_id_number("370102", born, rnd.randrange(1000))
        samples += [number, number[:17] + rnd.choice("0123456789X"), number.lower(),
                    number[:10] + rnd.choice(["0230", "1301", "0431", "0000"]) + number[14:],
                    " " + number, number[:17], "３" + number[1:]]
    for value in samples:
        try:
            full = _normalize_fully(value, latest)
        except InvalidIdNumber:
            full = None
        if plainly_valid(value, latest):
            assert full == value
        else:
            assert full != value


def test_columns_left_out_take_their_defaults(ctx):
    """A new file from a sheet without some columns gets those columns' defaults."""
    number = id_number()
    data = sheet_of(["姓名", "身份证号", "主要致困原因"], [["孙立新", number, "患重特大疾病"]])
    report = run_import(worker_spec(), data, user("staff"), dry_run=False)
    assert report.written, report.errors
    worker = db.session.scalar(select(Worker).where(Worker.id_number == number))
    assert (worker.ethnicity, worker.status, worker.household_size) == ("汉族", "pending", 1)
    assert worker.filed_on == today() and worker.household_income == Decimal("0")
    assert worker.birth_date == dt.date(int(number[6:10]), int(number[10:12]),
                                        int(number[12:14]))


def _search_objects() -> list:
    """Return the names and definitions of the people tables' indexes (and SQLite triggers)."""
    from portal.excel.bulk_indexes import _postgresql_objects, _sqlite_objects, people_tables

    conn = db.session.connection()
    objects = _sqlite_objects if conn.dialect.name == "sqlite" else _postgresql_objects
    return sorted(o for table in people_tables(conn) for o in objects(conn, table))


def test_first_import_builds_the_search_indexes_after_its_rows(ctx, client, auth):
    """Into empty tables the import drops the search indexes and builds them again after
    the rows: every one is back as it was, the full-text index finds the new files, and
    an import that fails leaves them all in place."""
    before = _search_objects()
    assert len(before) > 10
    members = [{"worker_id_number": (first := id_number()), "name": "孙小雨", "relation": "子女",
                "id_number": id_number(dt.date(2012, 3, 1))}]
    bad = worker_book([worker_row(id_number(), employer="济南华美焊接"),
                       worker_row("110101199003070000")])  # a wrong check digit
    assert run_import(worker_spec(), bad, user("staff"), dry_run=False).errors
    db.session.rollback()
    assert _search_objects() == before
    good = worker_book([worker_row(first, employer="济南华美焊接有限公司"),
                        worker_row(id_number(), name="欧阳建华")], members=members)
    report = run_import(worker_spec(), good, user("staff"), dry_run=False)
    assert report.written and report.created == 2, report.errors
    db.session.commit()
    assert _search_objects() == before
    auth.login("staff")
    for url, term, name in (("worker", "华美焊接", "孙立新"), ("worker", "阳建华", "欧阳建华"),
                            ("familymember", "孙小雨", "孙小雨")):
        page = client.get(f"/admin/{url}/?search={term}").get_data(as_text=True)
        assert re.search(f"<td[^>]*>\\s*(<[^>]+>\\s*)*{name}", page), term  # a row, not the box


def test_first_import_issues_the_cards_with_their_index_on_sqlite_only(ctx, monkeypatch):
    """A first import issues the hardship cards before the file indexes come back. On
    SQLite each file then takes its card's number through the cards' index on the file,
    which stays (without it that took 78 s for 100,000 files); on PostgreSQL the cards'
    indexes are built after them too."""
    from models import WorkerCertificate
    from portal.excel import worker_import
    from portal.excel.bulk_indexes import _postgresql_objects, _sqlite_objects

    seen, issue = [], worker_import.add_missing_certificates

    def noting(*args):
        conn = db.session.connection()
        objects = _sqlite_objects if conn.dialect.name == "sqlite" else _postgresql_objects
        seen.append({name for _kind, name, _sql in objects(conn, "worker_certificate")})
        return issue(*args)

    monkeypatch.setattr(worker_import, "add_missing_certificates", noting)
    before = _search_objects()
    numbers = [id_number(), id_number()]
    data = worker_book([worker_row(n, category="深度困难", status="在档", filed_on="2026-02-01")
                        for n in numbers])
    report = run_import(worker_spec(), data, user("staff"), dry_run=False)
    assert report.written, report.errors
    db.session.commit()
    sqlite = db.session.connection().dialect.name == "sqlite"
    assert len(seen) == 1 and ("uq_worker_certificate_valid" in seen[0]) is sqlite
    assert seen[0] if sqlite else not seen[0]
    cards = dict(db.session.execute(select(WorkerCertificate.worker_id,
                                           WorkerCertificate.number)).all())
    files = db.session.execute(select(Worker.id, Worker.certificate_no)
                               .where(Worker.id_number.in_(numbers))).all()
    assert len(cards) == 2 and all(cards[i] == number for i, number in files)
    assert _search_objects() == before


def test_bulk_insert_stores_what_the_orm_would(ctx):
    """insert_rows (COPY on PostgreSQL, multi-row INSERT on SQLite) stores awkward text,
    lists, money, dates and flags as given, None as the column's default or ``empty``,
    and its audit rows' JSON text as given."""
    from models import AuditLog
    from portal.audit import log_bulk
    from portal.excel.bulk import insert_rows

    awkward = 'a\tb\nc\\d \\N "e" 丁'
    numbers = [id_number(), id_number()]
    rows = [dict(name=awkward, id_number=numbers[0], main_cause="illness",
                 secondary_causes=["disaster", "accident"], household_income=Decimal("0.10"),
                 birth_date=dt.date(1970, 1, 2), single_parent=True, notes=None,
                 phone=None),
            dict(name="王\r\n五", id_number=numbers[1], main_cause="illness",
                 secondary_causes=[], household_income=Decimal("1234.56"),
                 birth_date=dt.date(1980, 3, 4), single_parent=None, notes="\\.", phone="1")]
    ids = insert_rows(Worker.__table__, rows, {"filed_by_id": user("staff").id},
                      {"phone": ""}, key="id_number")
    log_bulk("update", Worker, [(ids[numbers[0]], '{"name":["x","' + 'a\\tb\\\\N' + '"]}')],
             user("staff"))
    db.session.commit()
    db.session.expire_all()
    first, second = (db.session.get(Worker, ids[n]) for n in numbers)
    assert (first.name, first.secondary_causes, first.household_income) == (
        awkward, ["disaster", "accident"], Decimal("0.10"))
    assert (first.birth_date, first.single_parent, first.phone) == (
        dt.date(1970, 1, 2), True, "")
    assert first.status == "pending" and first.filed_on == today()  # the defaults
    assert (second.name, second.secondary_causes, second.notes) == ("王\r\n五", [], "\\.")
    assert second.household_income == Decimal("1234.56") and second.single_parent is False
    logged = db.session.scalar(select(AuditLog).where(
        AuditLog.action == "update", AuditLog.record_id == str(ids[numbers[0]])))
    assert logged.changes == {"name": ["x", "a\tb\\N"]} and logged.username == "staff"


def test_an_update_writes_only_the_columns_that_change(ctx, client, auth):
    """Rows of stored files set only their changed columns (the others' index entries and
    full-text rows were rewritten for nothing); the full-text index follows a new name,
    and every column not changed keeps what it held."""
    renamed = make_worker(name="孙立新", employer="济南华美焊接有限公司")
    moved = make_worker(name="王秀英", phone="13900000001")
    db.session.commit()
    table = Worker.__table__
    kept = db.session.execute(select(table).where(table.c.id == moved.id)).mappings().one()
    data = sheet_of(["姓名", "身份证号", "主要致困原因", "联系电话"],
                    [["欧阳建华", renamed.id_number, "患重特大疾病", renamed.phone],
                     ["王秀英", moved.id_number, "患重特大疾病", "13512345678"]])
    with executed("UPDATE worker ") as seen:
        report = run_import(worker_spec(), data, user("staff"), dry_run=False)
    assert report.written and report.updated == 2, report.errors
    db.session.commit()
    updates = [re.findall(r"(\w+) ?=", re.split(" WHERE | FROM ", statement)[0])
               for statement, _parameters, _many in seen]  # the columns each sets
    assert sorted(s for s in updates if s != ["certificate_no"]) == [
        ["name", "initials", "updated_at"], ["phone", "updated_at"]]
    after = db.session.execute(select(table).where(table.c.id == moved.id)).mappings().one()
    assert after["phone"] == "13512345678" and after["updated_at"] > kept["updated_at"]
    assert {k: v for k, v in after.items() if k not in ("phone", "updated_at")} == {
        k: v for k, v in kept.items() if k not in ("phone", "updated_at")}
    auth.login("staff")
    for term, found in (("阳建华", True), ("孙立新", False)):
        page = client.get(f"/admin/worker/?search={term}").get_data(as_text=True)
        assert bool(re.search("<td[^>]*>\\s*(<[^>]+>\\s*)*欧阳建华", page)) is found, term


def test_bulk_insert_writes_a_column_null_in_every_row_as_null(ctx):
    """A column None in every row of a batch is written NULL in the statement on SQLite
    (binding each None cost more than storing the row); the rows store exactly what
    binding stored: NULL there, the other columns in their places."""
    from portal.excel.bulk import insert_rows

    numbers = [id_number() for _ in range(3)]
    rows = [dict(name=f"孙{n}", id_number=number, main_cause="illness", health=None,
                 housing_area=None, employer_nature="state" if n == 1 else None)
            for n, number in enumerate(numbers)]
    with executed("INSERT INTO worker ") as seen:
        ids = insert_rows(Worker.__table__, rows, {"filed_by_id": user("staff").id},
                          key="id_number")
    db.session.commit()
    if db.engine.dialect.name == "sqlite":
        assert ", NULL, " in seen[0][0]
    stored = {w.id_number: w for w in db.session.scalars(select(Worker).where(
        Worker.id.in_(ids.values())))}
    for n, number in enumerate(numbers):
        worker = stored[number]
        assert (worker.name, worker.health, worker.housing_area, worker.employer_nature) == (
            f"孙{n}", None, None, "state" if n == 1 else None)
        assert worker.main_cause == "illness" and worker.reviewed_by_id is None


def test_the_changed_files_person_rows_go_before_any_is_written(ctx):
    """The person index's old rows of every changed file are deleted before any row is
    written, new files' rows included: when the index's worker_id index is built only
    after a bulk write, each later DELETE read through the rows written before it."""
    from models.worker_rules import rebuild_person_index

    changed = make_worker(name="王秀英")
    db.session.commit()
    # The stored file gains a member: its person rows change.
    data = worker_book([worker_row(changed.id_number, name="王秀英"),
                        worker_row(id_number(), name="李建国")],
                       members=[{"worker_id_number": changed.id_number, "name": "王小雨",
                                 "relation": "子女", "id_number": id_number(dt.date(2012, 3, 1))}])
    with executed(PERSON_ROWS) as by_import:
        report = run_import(worker_spec(), data, user("staff"), dry_run=False)
    assert report.written and (report.created, report.updated) == (1, 1), report.errors
    with executed(PERSON_ROWS) as by_chunks:  # over several chunks too: every DELETE first
        rebuild_person_index(db.session.connection(), [changed.id, *range(10**6, 10**6 + 5000)])
    statements = [s.split()[0] for s, _p, _m in by_import] + ["--"] + [
        s.split()[0] for s, _p, _m in by_chunks]
    assert statements == ["DELETE", "INSERT", "INSERT", "--", "DELETE", "DELETE", "INSERT",
                          "INSERT"], statements
    db.session.commit()
    assert sorted(db.session.scalars(select(PersonInFile.worker_id))) == sorted(
        [*db.session.scalars(select(Worker.id)), changed.id])  # the changed file's member


def test_only_files_whose_members_change_get_new_person_rows(ctx):
    """A stored file keeps its ID number and status through an import, so its person
    rows stand unless its members change: the person index's statements name the file
    whose member list changes, not the one whose phone changes, and the index then
    names exactly the people of both files."""
    stay, grow = make_worker(name="王秀英"), make_worker(name="李建国")
    db.session.commit()
    child = id_number(dt.date(2013, 5, 6))
    data = worker_book([worker_row(stay.id_number, name="王秀英", phone="13512345678"),
                        worker_row(grow.id_number, name="李建国")],
                       members=[{"worker_id_number": grow.id_number, "name": "李小雨",
                                 "relation": "子女", "id_number": child}])
    with executed(PERSON_ROWS) as seen:
        report = run_import(worker_spec(), data, user("staff"), dry_run=False)
    assert report.written and report.updated == 2, report.errors
    db.session.commit()
    named = {int(n) for _s, parameters, _m in seen for n in re.findall(r"\d+", str(parameters))}
    assert grow.id in named and stay.id not in named, named
    rows = db.session.execute(select(PersonInFile.worker_id, PersonInFile.id_number,
                                     PersonInFile.live)).all()
    assert sorted(rows) == sorted([
        (stay.id, stay.id_number, stay.status in LIVE_STATUSES),
        (grow.id, grow.id_number, grow.status in LIVE_STATUSES),
        (grow.id, child, grow.status in LIVE_STATUSES)])


def test_an_update_on_postgresql_is_one_statement(ctx):
    """On PostgreSQL, changed files are written by one UPDATE … FROM rows sent by COPY,
    not one UPDATE a row; the values and the time of change arrive all the same."""
    import pytest

    from portal.excel.bulk import update_rows

    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs DATABASE_URL on PostgreSQL")
    workers = [make_worker(phone=f"1390000000{i}") for i in range(3)]
    db.session.commit()
    before = {w.id: w.updated_at for w in workers}
    with executed("UPDATE ") as seen:
        update_rows(Worker.__table__, [{"id": w.id, "phone": f"1350000000{i}",
                                        "household_income": Decimal("1.10")}
                                       for i, w in enumerate(workers)])
    db.session.commit()
    assert [many for _s, _p, many in seen] == [False], seen
    db.session.expire_all()
    for i, worker in enumerate(workers):
        stored = db.session.get(Worker, worker.id)
        assert stored.phone == f"1350000000{i}" and stored.household_income == Decimal("1.10")
        assert stored.updated_at > before[worker.id]
