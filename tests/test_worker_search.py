"""Worker search (issue 14): each kind finds the right files through an index, and no more.

The ways a word finds a file are in ``models.worker_search``; the indexes in
``models.worker_search_schema``. Every test runs on SQLite and, with DATABASE_URL, on
PostgreSQL.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import re

import pytest
from sqlalchemy import event, func, select, text

from models import Worker, db
from models import worker_search as search
from models.idnumber import make_id_number
from portal.excel.importer import run_import
from portal.excel.specs import worker_spec
from tests.excel_files import worker_book, worker_row
from tests.factories import make_worker, user
from tests.test_workers import form

DETAILS = re.compile(r"/details/\?id=(\d+)")
BORN = dt.date(1979, 4, 12)
ZHANG = make_id_number("370102", BORN, 481)
LI = make_id_number("370211", dt.date(1988, 9, 3), 77)


@pytest.fixture
def files(app):
    """Three files whose names, numbers, phones and units differ; return name -> id."""
    with app.app_context():
        made = [
            make_worker(name="张晓明", id_number=ZHANG, phone="13912345678",
                        employer="济南第二纺织厂", base_union="市纺织工会"),
            make_worker(name="李秀英", id_number=LI, phone="053188776655",
                        employer="青岛港务集团", base_union="港口工会"),
            make_worker(name="欧阳娜娜", id_number=make_id_number("370305", BORN, 12),
                        phone="13700001111", employer="淄博陶瓷公司",
                        base_union="轻工工会"),
        ]
        return {w.name: w.id for w in made}


def found(client, term: str) -> list[int]:
    """Return the ids the worker list shows for ``term``, in its order."""
    response = client.get("/admin/worker/", query_string={"search": term})
    assert response.status_code == 200
    return [int(i) for i in dict.fromkeys(DETAILS.findall(response.get_data(as_text=True)))]


KINDS = [  # (term, the one file it finds)
    (ZHANG, "张晓明"), (ZHANG.lower(), "张晓明"), (ZHANG[-4:], "张晓明"),
    (ZHANG[-5:], "张晓明"), (ZHANG[-6:], "张晓明"), (LI[-6:], "李秀英"),
    ("13912345678", "张晓明"), ("6655", "李秀英"),
    ("张", "张晓明"), ("张晓", "张晓明"), ("晓明", None), ("张晓明", "张晓明"),
    ("秀英", None), ("李秀英", "李秀英"), ("zxm", "张晓明"), ("ZX", "张晓明"),
    ("oy", "欧阳娜娜"), ("lxy", "李秀英"),
    ("纺织厂", "张晓明"), ("港务集团", "李秀英"), ("陶瓷", None), ("淄博陶瓷", "欧阳娜娜"),
    ("港口工会", "李秀英"), ("轻工工会", "欧阳娜娜"), ("阳娜娜", "欧阳娜娜"),
    ("张晓明 纺织", "张晓明"), ("欧阳 陶瓷", None), ("zxm 纺织厂", "张晓明"),
]


@pytest.mark.parametrize("term,name", KINDS)
def test_each_kind_finds_its_file_and_nothing_else(client, auth, files, term, name):
    auth.login("staff")
    assert found(client, term) == ([files[name]] if name else [])


def test_middle_of_an_id_number_finds_nothing_for_any_role(client, auth, files):
    """Only the whole number or its last 4 to 6 characters: no part answers a guess."""
    parts = [ZHANG[i:j] for i in range(0, 17) for j in (i + 4, i + 6, i + 8, i + 11)
             if j < len(ZHANG)] + [ZHANG[:-1], ZHANG[1:-1]]
    for role in ("admin", "staff", "manager", "clerk"):
        auth.login(role)
        for part in parts + ([] if role == "clerk" else [ZHANG[-7:], ZHANG[-10:]]):
            assert files["张晓明"] not in found(client, part), (role, part)
        auth.logout()


def test_clerks_match_the_last_4_only(client, auth, files):
    auth.login("clerk")
    assert found(client, ZHANG[-4:]) == [files["张晓明"]]
    wrong = ("0" if ZHANG[-6] != "0" else "1") + ZHANG[-5:]
    assert found(client, ZHANG[-6:]) == found(client, wrong) == [files["张晓明"]]
    assert found(client, ZHANG) == [files["张晓明"]]  # whole number: its last 4 only
    assert found(client, "张晓明") == [files["张晓明"]]


def _plan(statement) -> str:
    """Return the database's plan of ``statement``, with its values bound as the app binds
    them (an expression index is not matched through a parameter)."""
    conn = db.session.connection()
    compiled = statement.compile(dialect=conn.dialect)
    if conn.dialect.name == "sqlite":
        values = tuple(compiled.params[name] for name in compiled.positiontup)
        return "\n".join(r[-1] for r in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + str(compiled), values))
    conn.execute(text("SET LOCAL enable_seqscan = off"))
    return "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + str(compiled),
                                                          compiled.params))


@pytest.mark.parametrize("term", [ZHANG, ZHANG[-4:], ZHANG[-5:], ZHANG[-6:], "13912345678",
                                  "5678", "张", "zxm", "纺织厂", "港口工会"])
@pytest.mark.parametrize("masked", [False, True])
def test_every_kind_is_answered_from_an_index(ctx, files, term, masked):
    plan = _plan(search.word_ids(term, masked))
    if db.session.connection().dialect.name == "sqlite":
        scans = [line for line in plan.splitlines()
                 if re.match(r"SCAN worker\b(?! USING)", line.strip())]
    else:
        scans = [line for line in plan.splitlines() if "Seq Scan" in line]
    assert not scans, plan


@contextlib.contextmanager
def statements(app):
    """Collect the SQL statements run inside the block."""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_the_search_runs_once_for_page_and_count(app, client, auth, files):
    """The matching ids are found once; the page and the count read them by id."""
    auth.login("staff")
    with statements(app) as seen:
        assert found(client, "纺织厂") == [files["张晓明"]]
    matching = [s for s in seen if ("worker_fts" in s or "ILIKE" in s.upper())
                and not s.startswith("EXPLAIN")]  # PostgreSQL plans each way first
    assert len(matching) == 1, matching
    by_id = [s for s in seen if "json_each" in s or "ANY" in s]
    assert len(by_id) == 1, by_id  # the page; the count is the ids found
    assert not [s for s in seen if "count(" in s.lower()], seen


def test_numbers_are_asked_without_a_plan_first(app, client, auth, files):
    """A way by equality (the whole ID number, its tail, a phone number) finds a few rows:
    it is asked at once; only the name's prefix is planned first (PostgreSQL)."""
    auth.login("staff")
    with statements(app) as seen:
        for term in (ZHANG, ZHANG[-6:]):
            assert found(client, term) == [files["张晓明"]]
    plans = [s for s in seen if s.startswith("EXPLAIN")]
    with app.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
    assert bool(plans) == postgresql  # the name's prefix, each search
    assert not [s for s in plans if "id_number" in s], plans
    assert [s for s in seen if "id_number" in s and not s.startswith("EXPLAIN")]


def test_the_found_ids_go_as_one_text_parameter(app, client, auth, files):
    """On PostgreSQL the page reads the found ids from an array's text, one parameter: a
    list parameter was dumped id by id in Python. (SQLite's is a JSON list's text.)"""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL's array parameter")
    sent = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if isinstance(parameters, dict) and "search_ids" in parameters:
            sent.append(parameters["search_ids"])

    auth.login("staff")
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert found(client, "纺织厂") == [files["张晓明"]]
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert sent and all(isinstance(value, str) for value in sent), sent
    assert str(files["张晓明"]) in sent[0]


def test_count_and_page_agree_also_past_the_cap(app, client, auth, monkeypatch):
    with app.app_context():
        ids = [make_worker(name=f"王{c}", employer="山东重工集团").id for c in "一二三四五六七"]
    auth.login("staff")
    expected = sorted(ids, reverse=True)
    for cap in (search.CAP, 3):  # 3: more matches than the cap, searched by subquery
        monkeypatch.setattr(search, "CAP", cap)
        assert found(client, "重工集团") == expected
        with app.app_context():
            where = search.restrict("重工集团 王", False)
            assert db.session.scalar(select(func.count()).select_from(Worker).where(
                where)) == len(db.session.scalars(select(Worker.id).where(where)).all()) == 7


def test_the_picker_finds_by_the_same_ways(client, auth, files):
    auth.login("staff")
    for term, name in (("zxm", "张晓明"), (ZHANG[-6:], "张晓明"), ("港务集团", "李秀英"),
                       (ZHANG[4:12], None)):
        response = client.get("/admin/assistance/ajax/lookup/",
                              query_string={"name": "worker", "query": term})
        assert [pk for pk, _ in response.get_json()] == ([files[name]] if name else [])


def test_search_finds_the_values_of_a_bulk_import(ctx):
    number = make_id_number("370102", dt.date(1990, 1, 1), 905)
    data = worker_book([worker_row(number, name="诸葛亮", employer="卧龙机械厂",
                                   base_union="南阳工会", phone="13811112222")])
    report = run_import(worker_spec(), data, user("staff"), dry_run=False)
    assert report.created == 1, report.errors
    worker_id = db.session.scalar(select(Worker.id).where(Worker.id_number == number))
    for term in ("卧龙机械", "南阳工会", "zgl", "诸葛", number[-5:], "2222", number):
        assert db.session.scalars(select(Worker.id).where(
            *search.matching([term], False))).all() == [worker_id], term
    data = worker_book([worker_row(number, name="诸葛亮", employer="隆中农机站")])
    assert run_import(worker_spec(), data, user("staff"), dry_run=False).updated == 1
    db.session.expire_all()
    assert db.session.scalars(select(Worker.id).where(
        *search.matching(["隆中农机"], False))).all() == [worker_id]
    assert db.session.scalars(select(Worker.id).where(
        *search.matching(["卧龙机械"], False))).all() == []


def test_search_finds_the_values_of_a_form_edit(client, auth, files):
    """A new file saved by the form, then edited, is found by its new values only."""
    auth.login("staff")
    number = make_id_number("370102", dt.date(1975, 3, 9), 333)
    saved = client.post("/admin/worker/new/", data=form(auth.token(), id_number=number,
                                                            phone="13500009999"))
    assert saved.status_code == 302
    assert found(client, "刘德明") == found(client, "ldm") == found(client, number[-6:])
    worker_id = found(client, number)[0]
    edit = client.post(f"/admin/worker/edit/?id={worker_id}", data=form(
        auth.token(), id_number=number, name="黎秀珍", employer="烟台造船厂",
        phone="13600002222", status="pending"))
    assert edit.status_code == 302
    assert found(client, "烟台造船") == found(client, "lxz") == [worker_id]
    assert found(client, "13600002222") == found(client, "2222") == [worker_id]
    assert found(client, "济南钢厂") == found(client, "刘德明") == found(client, "ldm") == []


def test_the_migrations_make_the_search_indexes_and_fill_them(database_config):
    """Upgrading a database that holds files gives them initials and a full-text index.

    A later migration that copies the worker table (SQLite batch mode) would lose the
    triggers and expression indexes: this test says so.
    """
    from flask_migrate import upgrade

    from models.worker_search_schema import EXPRESSION_INDEXES, FTS, TRIGRAM_INDEXES
    from portal import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x", **database_config})
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision="b7e2c4a91d05")
        db.session.execute(text(
            "INSERT INTO worker (name, id_number, ethnicity, phone, base_union, employer, address, "
            "main_cause, secondary_causes, disability, single_parent, household_size, "
            "household_income, essential_spending, on_dibao, bank_name, bank_card_no, "
            "status, filed_on, exit_reason, certificate_no, notes, updated_at) VALUES "
            "('欧阳娜娜', :n, '汉族', '', '轻工工会', '淄博陶瓷公司', '', 'illness', '[]', '', "
            "false, 1, 0, 0, false, '', '', 'active', '2025-01-01', '', '', '', "
            "'2025-01-01 00:00:00')"), {"n": ZHANG})
        db.session.commit()
        upgrade(directory=directory, revision="heads")
        conn = db.session.connection()
        if conn.dialect.name == "sqlite":
            names = set(db.session.scalars(text("SELECT name FROM sqlite_master")))
            assert {FTS, f"{FTS}_ai", f"{FTS}_ad", f"{FTS}_au", *EXPRESSION_INDEXES} <= names
        else:
            names = set(db.session.scalars(text(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'worker' "
                "AND schemaname = current_schema()")))
            assert {*TRIGRAM_INDEXES, *EXPRESSION_INDEXES} <= names
        assert db.session.scalar(select(Worker.initials)) == "oynn"
        for term in ("陶瓷公司", "oy", ZHANG[-6:], ZHANG):
            assert len(db.session.scalars(select(Worker.id).where(
                *search.matching([term], False))).all()) == 1, term
        db.session.remove()
        db.engine.dispose()


def shown_count(client, query: dict) -> str:
    """Return the count the worker list shows beside its title for ``query``."""
    page = client.get("/admin/worker/", query_string=query).get_data(as_text=True)
    return re.search(r'class="nav-link active">[^<(]*\(([^)]*)\)', page).group(1)


def test_a_common_part_pages_by_testing_rows_and_says_more_than_the_cap(
        app, client, auth, monkeypatch):
    """More matches of one way than CAP: the page walks the list testing each row and the
    count says "more than CAP" without counting; a filter beside it is counted for real."""
    with app.app_context():
        made = [make_worker(name=f"王{c}", employer="山东重工集团", category=category).id
                for c, category in zip("一二三四五六七", ["deep"] * 2 + ["relative"] * 5,
                                       strict=True)]
        make_worker(name="赵六", employer="济南纺织厂")
    auth.login("staff")
    monkeypatch.setattr(search, "CAP", 3)
    seen = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, *rest):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert found(client, "重工集团") == sorted(made, reverse=True)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert not [s for s in seen if "count(" in s.lower() and "worker" in s], seen
    assert shown_count(client, {"search": "重工集团"}) == "超过 3 条"
    assert found(client, "重工集团 王") == sorted(made, reverse=True)  # two words: as before
    view = next(v for v in app.extensions["admin"][0]._views
                if getattr(v, "endpoint", "") == "worker")
    category = next(f"flt0_{i}" for i, f in enumerate(view._filters)
                    if getattr(getattr(f, "column", None), "key", None) == "category"
                    and type(f).__name__ == "FilterEqual")
    query = {"search": "重工集团", category: "deep"}
    assert shown_count(client, query) == "2"
    page = client.get("/admin/worker/", query_string=query).get_data(as_text=True)
    assert [int(i) for i in dict.fromkeys(DETAILS.findall(page))] == sorted(made[:2],
                                                                           reverse=True)


def test_the_count_of_a_search_is_the_ids_it_found_unless_filtered(app, client, auth, files):
    with app.app_context():
        make_worker(name="张晓红", category="deep")
    auth.login("staff")
    assert shown_count(client, {"search": "张晓"}) == "2"
    view = next(v for v in app.extensions["admin"][0]._views
                if getattr(v, "endpoint", "") == "worker")
    category = next(f"flt0_{i}" for i, f in enumerate(view._filters)
                    if getattr(getattr(f, "column", None), "key", None) == "category"
                    and type(f).__name__ == "FilterEqual")
    assert shown_count(client, {"search": "张晓", category: "deep"}) == "1"


def test_a_way_planned_to_give_many_is_not_asked_and_the_count_says_about(
        app, client, auth, files, monkeypatch):
    """PostgreSQL: a way whose plan gives more than PLANNED_DENSE rows is not asked; the
    page tests the rows and the count shows the plan's figure as 约 N 条."""
    auth.login("staff")
    monkeypatch.setattr(search, "PLANNED_DENSE", -1)
    with app.app_context():
        on_postgres = db.engine.dialect.name == "postgresql"
    assert found(client, "纺织厂") == [files["张晓明"]]
    assert shown_count(client, {"search": "纺织厂"}).startswith("约") == on_postgres
