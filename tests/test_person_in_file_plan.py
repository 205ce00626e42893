"""The one-live-file check reads the partial unique index, never the whole table (issue 14).

Saving a worker asks ``person_in_file`` whether each ID number of the household stands in
another live file. At a million files a scan of that table cost ~150 ms per number; the
index ``uq_person_in_file_live`` (``WHERE live``) answers at once, but only when the
query's predicate matches the index's (``live``, not ``live IS true``).
"""
from __future__ import annotations

from models import db, worker_rules
from tests.conftest import ON_POSTGRES
from tests.factories import id_number, make_worker

INDEX = "uq_person_in_file_live"


def _plan(sql: str, values: list) -> str:
    """Return the database's plan of ``sql`` (positional parameters) as one text."""
    conn = db.session.connection()
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        if ON_POSTGRES:
            # A test table is tiny and a scan the cheapest plan: forbid scans, so the plan
            # shows whether the index can serve the predicate at all.
            cursor.execute("SET LOCAL enable_seqscan = off")
            # Nor may a few rows make another index's whole walk the cheapest (seen once
            # other tests had analysed the tables): the table holds many closed files'
            # rows, as a real one does, and its figures say so.
            cursor.execute("INSERT INTO person_in_file (id_number, worker_id, member_id, live) "
                           "SELECT lpad(g::text, 18, '0'), (SELECT min(id) FROM worker), NULL, "
                           "false FROM generate_series(1, 5000) g")
            cursor.execute("ANALYZE person_in_file")
            cursor.execute("EXPLAIN " + sql.format(", ".join([mark] * len(values))), values)
            return "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("EXPLAIN QUERY PLAN " + sql.format(", ".join([mark] * len(values))),
                       values)
        return "\n".join(row[-1] for row in cursor.fetchall())
    finally:
        cursor.close()


def test_live_file_check_uses_the_partial_index(ctx, monkeypatch):
    """The check a worker's save runs looks ID numbers up through the live index."""
    for _file in range(3):
        make_worker(members=[{"name": "王芳", "id_number": id_number()}])
    asked = []
    real = worker_rules.select_in
    monkeypatch.setattr(worker_rules, "select_in",
                        lambda sql, values: asked.append((sql, list(values)))
                        or real(sql, values))
    numbers = [id_number(), id_number()]
    assert worker_rules.check_people_unique(None, numbers) == []
    assert len(asked) == 1
    plan = _plan(*asked[0])
    assert INDEX in plan, plan
    if ON_POSTGRES:
        assert "Seq Scan on person_in_file" not in plan, plan
    else:
        assert "SCAN p\n" not in plan + "\n" and "SCAN person_in_file" not in plan, plan


def test_a_predicate_the_index_does_not_match_would_scan(ctx):
    """The plan check can fail: ``live IS 1`` (or ``IS true``) is not the index's ``live``."""
    make_worker(members=[{"name": "王芳", "id_number": id_number()}])
    sql = ("SELECT p.id_number FROM person_in_file p WHERE p.live IS "
           + ("true" if ON_POSTGRES else "1") + " AND p.id_number IN ({})")
    assert INDEX not in _plan(sql, [id_number()])
