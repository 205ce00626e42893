"""Benchmark Excel export and import against Flask-Admin's built-in export, in one run.

    make bench [BENCH_ARGS="--rows 100000 --million"]
    python bench/excel.py --import-only --rows 100000   # the import alone
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \
        python bench/excel.py --import-only --both       # on SQLite and PostgreSQL

Seeds N workers into a scratch SQLite database, then measures, each in a fresh child
process (so peak RSS is that phase's alone): Flask-Admin's built-in xlsx export of a
stock ModelView, our xlsx export of the same 13 columns, openpyxl read-only parsing of
our file, and our import of that file (full validation, written and committed), once
into an empty database (every row created) and once over a seed whose phone numbers
differ (every row updated). Prints seconds, rows/s, peak RSS growth over the child's
start, and ratios.

The imports run on SQLite, or on PostgreSQL when ``DATABASE_URL`` names one (in schemas
``--schema``_new and ``--schema``_changed, made afresh and dropped after), or on both
with ``--both``, which prints PostgreSQL's time over SQLite's (issue 14: within 1.5x).
The exports always read the SQLite seed.
"""
from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from fake_ids import unique_ids  # noqa: E402  (beside this file)

COLUMNS = ["name", "id_number", "gender", "birth_date", "phone", "base_union", "employer",
           "category", "main_cause", "household_size", "household_income", "status",
           "filed_on"]


def current_rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class PeakRss:
    """Sample the resident set every 20 ms: peak growth over the phase's start."""

    def __init__(self):
        self.start = self.peak = current_rss_mb()
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self):
        while self.running:
            self.peak = max(self.peak, current_rss_mb())
            time.sleep(0.02)

    def growth(self) -> float:
        self.running = False
        self.thread.join()
        return max(self.peak, current_rss_mb()) - self.start


PG = "pg:"  # a database named "pg:SCHEMA" is that schema of DATABASE_URL's PostgreSQL


def database(path: str) -> dict:
    """Return the config of ``path``: a SQLite file, or "pg:SCHEMA"."""
    if path.startswith(PG):
        return {"SQLALCHEMY_DATABASE_URI": os.environ["DATABASE_URL"],
                "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {
                    "options": f"-csearch_path={path[len(PG):]}"}}}
    return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}


def _schema_sql(*statements: str) -> None:
    from sqlalchemy import create_engine, text
    engine = create_engine(os.environ["DATABASE_URL"])
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


def fresh(path: str) -> str:
    """Return ``path`` emptied: a SQLite file removed, a PostgreSQL schema made anew."""
    if path.startswith(PG):
        schema = path[len(PG):]
        _schema_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE', f'CREATE SCHEMA "{schema}"')
    elif os.path.exists(path):
        os.unlink(path)
    return path


def drop(path: str) -> None:
    """Remove the database ``path``."""
    if path.startswith(PG):
        _schema_sql(f'DROP SCHEMA IF EXISTS "{path[len(PG):]}" CASCADE')
    elif os.path.exists(path):
        os.unlink(path)


def make_app(path: str):
    from portal import create_app
    return create_app({**database(path), "SECRET_KEY": "bench",
                       "WTF_CSRF_ENABLED": False, "IMPORT_MAX_ROWS": 2_000_000,
                       "IMPORT_MAX_BYTES": 2**31, "IMPORT_MAX_CELLS": 10**9,
                       "IMPORT_MAX_STRING_MB": 2**12})


def seed(path: str, rows: int, phone: str = "139") -> None:
    """Insert ``rows`` valid worker files quickly with bulk statements.

    The files are the same from run to run but for the ``phone`` prefix, so a file
    exported from one seed changes every file of a seed with another prefix. They are
    complete as the portal keeps files on record (name initials, the one-live-file
    index, the open episode, the hardship certificate), so that an import over them
    changes their phones only, as it would over files the portal had made.
    """
    from sqlalchemy import insert

    from models import User, Worker, db
    from models.worker_certificate_rules import add_missing_certificates
    from models.worker_episode_rules import add_missing_episodes
    from models.worker_rules import name_initials, rebuild_person_index
    from portal.database import ensure_settings
    app = make_app(path)
    rnd = random.Random(1)
    with app.app_context():
        db.create_all()
        ensure_settings()  # the settings and the top unit, which the files below are filed in
        admin = User(username="admin", role="admin", full_name="admin")
        admin.set_password("bench-pass-1")
        db.session.add(admin)
        db.session.commit()
        batch, people = [], unique_ids(rnd, dt.date(1960, 1, 1), 16000)
        for i in range(rows):
            born, number = next(people)
            name = rnd.choice("张王李赵刘陈杨黄") + rnd.choice(("建国", "秀英", "海燕", "志强"))
            batch.append(dict(
                name=name, initials=name_initials(name), id_number=number,
                gender="M" if int(number[16]) % 2 else "F",
                birth_date=born, phone=f"{phone}{i:08d}", base_union=f"第{i % 20}基层工会",
                employer=f"第{i % 20}机械厂", category=rnd.choice(("deep", "relative")),
                main_cause="illness", household_size=3, household_income=Decimal("24000"),
                essential_spending=Decimal("6000"), per_capita_income=Decimal("500.00"),
                status="active", filed_on=dt.date(2025, 5, 1), secondary_causes=[],
                unit_id=admin.unit_id))
            if len(batch) == 10000:
                db.session.execute(insert(Worker), batch)
                batch = []
        if batch:
            db.session.execute(insert(Worker), batch)
        conn = db.session.connection()
        rebuild_person_index(conn, [i for (i,) in conn.exec_driver_sql("SELECT id FROM worker")],
                             new=True)
        add_missing_episodes(conn)
        add_missing_certificates()
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # As autovacuum leaves a table some time after its rows were written: the
            # certificates' numbers rewrote every file, whose old rows the updating
            # import would otherwise step over.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as own:
                own.exec_driver_sql("VACUUM ANALYZE")


def builtin_export(path: str, out: str, queue) -> None:
    """Export through a stock Flask-Admin ModelView (tablib, in memory)."""
    from flask_admin import Admin
    from flask_admin.contrib.sqla import ModelView

    from models import Worker, db
    app = make_app(path)

    class Stock(ModelView):
        can_export, export_types, export_max_rows = True, ["xlsx"], 0
        column_list = COLUMNS

    Admin(app, name="stock", url="/stock", endpoint="stock").add_view(
        Stock(Worker, db, endpoint="stockworker", url="/stock/worker"))
    peak, start = PeakRss(), time.perf_counter()
    response = app.test_client().get("/stock/worker/export/xlsx/")
    Path(out).write_bytes(response.data)
    queue.put((time.perf_counter() - start, peak.growth(), response.status_code))


def our_export(path: str, out: str, queue) -> None:
    """Export through the portal's own engine, as a manager would."""
    app = make_app(path)
    client = app.test_client()
    with app.app_context():
        from models import User, db
        user = db.session.query(User).first()
        user.role = "manager"
        db.session.commit()
    client.post("/login", data={"username": "admin", "password": "bench-pass-1"})
    peak, start = PeakRss(), time.perf_counter()
    response = client.get(f"/admin/worker/export/xlsx/?columns={','.join(COLUMNS)}")
    with open(out, "wb") as target:
        for chunk in response.response:
            target.write(chunk)
    queue.put((time.perf_counter() - start, peak.growth(), response.status_code))


def openpyxl_parse(out: str, queue) -> None:
    """Parse our file with openpyxl read-only, no validation: the baseline to beat."""
    import openpyxl
    peak, start, cpu = PeakRss(), time.perf_counter(), time.process_time()
    book = openpyxl.load_workbook(out, read_only=True)
    rows = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
    queue.put((time.perf_counter() - start, peak.growth(), rows, time.process_time() - cpu))


def timed(owner, name: str, phases: dict) -> None:
    """Replace ``owner.name`` by a wrapper adding its running time to ``phases[name]``."""
    inner = getattr(owner, name)

    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            phases[name] = phases.get(name, 0) + time.perf_counter() - start
    setattr(owner, name, wrapper)


def unaudited_import(out: str, path: str, queue) -> None:
    """``our_import`` with the audit switched off, as the demo seed writes: the baseline
    that tells what the import's audit rows cost."""
    our_import(out, path, queue, audited=False)


def our_import(out: str, path: str, queue, audited: bool = True) -> None:
    """Import our file, validated, written, committed, into the database ``path``.

    Into an empty database every row is created; into a seed whose phones differ from
    the exported ones every row is updated.
    """
    from models import User, db
    from portal.database import ensure_settings
    from portal.excel import importer
    from portal.excel.importer import run_import
    from portal.excel.specs import worker_spec
    spec, phases = worker_spec(), {}
    for owner, name in ((importer, "open_workbook"), (spec.importer, "run")):
        timed(owner, name, phases)
    app = make_app(path)
    with app.test_request_context():
        db.create_all()
        ensure_settings()
        user = User(username="staff", role="staff", full_name="staff")
        user.set_password("bench-pass-1")
        db.session.add(user)
        db.session.commit()
        data = Path(out).read_bytes()
        db.session.info["audit"] = audited
        peak, start, cpu = PeakRss(), time.perf_counter(), time.process_time()
        report = run_import(spec, data, user, dry_run=False)
        # CPU seconds (all threads) too: on a shared machine they vary less than the time.
        phases["cpu"] = time.process_time() - cpu
        queue.put((time.perf_counter() - start, peak.growth(),
                   (report.created, len(report.errors), report.errors[:3], report.updated),
                   phases))


def _context():
    """A fork server that has imported the portal once: each child is forked from it, so
    its peak RSS is its phase's alone (measured from its own start) without paying ~2 s
    of imports per child."""
    context = mp.get_context("forkserver")
    context.set_forkserver_preload(["portal", "portal.excel", "models", "views"])
    return context


def run(target, *args):
    context = _context()
    queue = context.Queue()
    process = context.Process(target=target, args=(*args, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def import_phases(ours: str, empty: str, changed: str, rows: int, name: str = ""):
    """Import ``ours`` into the empty database ``empty``, then over a seed in ``changed``
    that it changes; print both, and drop both databases.

    Return the measurements of the creating and the updating import.
    """
    created = run(our_import, ours, fresh(empty))
    _print_import(f"our import{name}, creating", created)
    drop(empty)
    seed(fresh(changed), rows, phone="138")
    updated = run(our_import, ours, changed)
    _print_import(f"our import{name}, updating", updated)
    drop(changed)
    return created, updated


def compare(sqlite: tuple, postgresql: tuple) -> None:
    """Print PostgreSQL's import times over SQLite's (issue 14: within 1.5x)."""
    for title, lite, pg in zip(("creating", "updating"), sqlite, postgresql, strict=True):
        ratio = pg[0] / lite[0]
        print(f"ratio import {title}: PostgreSQL / SQLite = {pg[0]:.2f} s / {lite[0]:.2f} s = "
              f"{ratio:.2f}x wall, CPU {pg[3]['cpu']:.2f} s / {lite[3]['cpu']:.2f} s = "
              f"{pg[3]['cpu'] / lite[3]['cpu']:.2f}x (target <= 1.5x: {verdict(ratio <= 1.5)})")


def audit_cost(ours: str, empty: str, rounds: int) -> None:
    """Import ``ours`` into empty databases with and without the audit, in turns; print
    the medians and their ratio (issue 11: the audit keeps the import within 20%)."""
    times: dict[bool, list] = {True: [], False: []}
    for _round in range(rounds):
        for audited in (False, True):
            result = run(our_import if audited else unaudited_import, ours, fresh(empty))
            times[audited].append((result[0], result[3]["cpu"]))
    drop(empty)
    (wall_on, cpu_on), (wall_off, cpu_off) = (
        [statistics.median(t[i] for t in times[audited]) for i in (0, 1)]
        for audited in (True, False))
    ratio = wall_on / wall_off
    print(f"audit cost, creating import (median of {rounds} each, in turns): audited "
          f"{wall_on:.2f} s (CPU {cpu_on:.2f} s), unaudited {wall_off:.2f} s (CPU "
          f"{cpu_off:.2f} s): ratio {ratio:.2f}x wall, {cpu_on / cpu_off:.2f}x CPU "
          f"(target <= 1.20x: {verdict(ratio <= 1.20)})")


def _print_import(title: str, im) -> None:
    (created, errors, first, updated), phases = im[2], im[3]
    print(f"{title + ' (validated, committed):':56} {im[0]:6.2f} s (CPU {phases['cpu']:.2f} s), "
          f"{(created + updated) / im[0]:8,.0f} rows/s, peak RSS +{im[1]:4.0f} MB "
          f"(created {created:,}, updated {updated:,}, errors {errors}{' ' if first else ''}"
          f"{first or ''})")
    opened, checked = (phases.get(k, 0) for k in ("open_workbook", "run"))
    print(f"  phases: open {opened:.2f} s, check and write (with audit, chunk by chunk) "
          f"{checked:.2f} s, commit {im[0] - opened - checked:.2f} s")


def verdict(met: bool) -> str:
    return "met" if met else "NOT MET"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--million", action="store_true",
                        help="also export 1,000,000 rows with our engine (memory bound)")
    parser.add_argument("--import-only", action="store_true",
                        help="measure only our import (creating, then updating every row)")
    parser.add_argument("--audit-rounds", type=int, default=3,
                        help="imports with and without the audit, in turns, for its cost")
    parser.add_argument("--both", action="store_true",
                        help="import on SQLite and on DATABASE_URL's PostgreSQL; compare")
    parser.add_argument("--sqlite", action="store_true", help="SQLite even with DATABASE_URL")
    parser.add_argument("--schema", default="bench_excel",
                        help="prefix of the PostgreSQL schemas (default %(default)s)")
    args = parser.parse_args()
    postgresql = os.environ.get("DATABASE_URL", "").startswith("postgresql")
    if args.both and not postgresql:
        parser.error("--both needs DATABASE_URL naming a PostgreSQL database")
    work = Path(tempfile.mkdtemp(prefix="bench-excel-"))
    db_path, ours, theirs = str(work / "w.db"), str(work / "ours.xlsx"), str(work / "fa.xlsx")
    lite = (str(work / "new.db"), str(work / "changed.db"))
    pg = (f"{PG}{args.schema}_new", f"{PG}{args.schema}_changed")
    # The databases the imports run on: (empty, changed, name printed).
    targets = ([(*lite, " (SQLite)"), (*pg, " (PostgreSQL)")] if args.both
               else [(*pg, " (PostgreSQL)")] if postgresql and not args.sqlite
               else [(*lite, "")])
    t = time.perf_counter()
    seed(db_path, args.rows)
    print(f"seeded {args.rows:,} workers in {time.perf_counter() - t:.1f} s")
    if args.import_only:
        run(our_export, db_path, ours)
        imports = [import_phases(ours, empty, changed, args.rows, name)
                   for empty, changed, name in targets]
        if args.both:
            compare(*imports)
        audit_cost(ours, targets[0][0], args.audit_rounds)
        shutil.rmtree(work, ignore_errors=True)
        return
    fa = run(builtin_export, db_path, theirs)
    print(f"Flask-Admin built-in xlsx export: {fa[0]:7.1f} s, peak RSS +{fa[1]:6.0f} MB")
    if fa[2] != 200:
        print(f"  built-in export failed (HTTP {fa[2]}): it needs tablib, "
              "pip install -e '.[bench]'")
    us = run(our_export, db_path, ours)
    print(f"our xlsx export:                  {us[0]:7.1f} s, peak RSS +{us[1]:6.0f} MB")
    op = run(openpyxl_parse, ours)
    print(f"openpyxl read-only parse only:    {op[0]:7.1f} s (CPU {op[3]:.1f} s), peak RSS "
          f"+{op[1]:6.0f} MB ({op[2]:,} rows)")
    imports = [import_phases(ours, empty, changed, args.rows, name)
               for empty, changed, name in targets]
    if args.both:
        compare(*imports)
    audit_cost(ours, targets[0][0], args.audit_rounds)
    im = imports[0][0]  # the creating import, on SQLite unless only PostgreSQL ran
    export_ratio, import_ratio = fa[0] / us[0], op[0] / im[0]
    print(f"ratio export: built-in / ours = {export_ratio:.1f}x (target >= 8x: "
          f"{verdict(fa[2] == 200 and export_ratio >= 8)}); our RSS growth {us[1]:.0f} MB "
          f"(target <= 60 MB: {verdict(us[1] <= 60)})")
    # CPU too: on a shared machine it varies less than the time.
    print(f"ratio import: openpyxl parse / our import{targets[0][2]} = {import_ratio:.1f}x "
          f"(CPU {op[3]:.1f} s / {im[3]['cpu']:.1f} s = {op[3] / im[3]['cpu']:.1f}x; target "
          f">= 3x: {verdict(import_ratio >= 3)})")
    if args.million:
        big = str(work / "big.db")
        t = time.perf_counter()
        seed(big, 1_000_000)
        print(f"seeded 1,000,000 workers in {time.perf_counter() - t:.1f} s")
        mil = run(our_export, big, str(work / "big.xlsx"))
        print(f"our xlsx export of 1,000,000 rows: {mil[0]:.1f} s, peak RSS +{mil[1]:.0f} MB "
              f"(target <= 60 MB: {verdict(mil[2] == 200 and mil[1] <= 60)})")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
