"""Time the worker and household-member lists against stock Flask-Admin ModelViews (issue 14).

    python bench/lists.py                      # 200,000 workers, SQLite
    python bench/lists.py --workers 1000000    # the full figure
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test python bench/lists.py

Seeds N worker files with their households as ``portal seed`` writes them
(``seed.workers.load``: bulk statements, indexes built after the rows) and the demo users
(staff / staff12345 …) into a SQLite file under /tmp (``--file``) or the PostgreSQL schema
``bench_lists`` (``--schema``); a database that already holds N files is reused, so
bench/load.py can run against the same one (``search_path=bench_lists``). Then asks,
through the Flask test client as the logged-in staff user, our lists and stock
``flask_admin.contrib.sqla.ModelView``\\ s over the same tables with the same searchable
columns and filters, for: the first page, page 5000 (as its pager link from page 4999
asks for it, and typed by hand), each kind of worker search, the filters by category,
status, base union and overdue review, and each kind of member search. Prints the median
of ``--repeat`` runs after one warm-up (the stock view half as many), in milliseconds.
"""
from __future__ import annotations

import argparse
import html
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import scratch_db  # noqa: E402  (beside this file)

PASSWORD = "staff12345"  # seed.demo.DEMO_USERS
SCHEMA = "bench_lists"
SEED = 14


def config(args) -> dict:
    """Return the app config of the database to measure."""
    return scratch_db.config(args, f"/tmp/bench_lists_{args.workers}.db")


def make_app(cfg: dict, stock_view: bool = True):
    """Return the portal app, with stock ModelViews at /stock/worker/ and /stock/member/."""
    from flask_admin import Admin
    from flask_admin.contrib.sqla import ModelView
    from flask_babel import lazy_gettext as _l

    from models import FamilyMember, Worker, db
    from portal import create_app
    from views.workers import ReviewOverdueFilter
    app = create_app(cfg)

    class Stock(ModelView):
        column_list = ("name", "id_number", "gender", "base_union", "employer", "category",
                       "main_cause", "per_capita_income", "status", "last_reviewed_on")
        column_searchable_list = ("name", "id_number", "phone", "employer")
        column_filters = ("category", "main_cause", "status", "base_union", "filed_on",
                          ReviewOverdueFilter(Worker.id, _l("Annual review overdue")))
        column_default_sort = ("id", True)

    class StockMember(ModelView):
        column_list = ("worker", "name", "relation", "id_number", "health", "monthly_income",
                       "school_or_work")
        column_searchable_list = ("name", "id_number", "worker.name")
        column_default_sort = ("id", True)

    if stock_view:
        admin = Admin(app, name="stock", url="/stock", endpoint="stock")
        admin.add_view(Stock(Worker, db, endpoint="stockworker", url="/stock/worker"))
        admin.add_view(StockMember(FamilyMember, db, endpoint="stockmember",
                                   url="/stock/member"))
    return app


def seed(app, workers: int) -> None:
    """Make the schema and ``workers`` files with households (reused when there are N)."""
    from faker import Faker
    from sqlalchemy import func, select

    from models import Worker, db
    from portal.database import ensure_settings
    from seed import demo
    from seed import workers as worker_seed
    with app.app_context():
        db.create_all()
        have = db.session.scalar(select(func.count()).select_from(Worker))
        if have == workers:
            print(f"reusing {have:,} workers")
            return
        if have:
            sys.exit(f"the database holds {have:,} workers, not {workers:,}: remove it first")
        start = time.perf_counter()
        ensure_settings()
        users = demo.ensure_demo_users()
        db.session.info["audit"] = False
        fake = Faker("zh_CN")
        fake.seed_instance(SEED)
        made, members = worker_seed.load(
            random.Random(SEED), fake, demo.AS_OF, users["staff"], workers,
            lambda f, m: print(f"  {f:,} files, {m:,} members, "
                               f"{time.perf_counter() - start:.0f} s", flush=True))
        db.session.commit()
        if db.engine.dialect.name == "postgresql":  # as autovacuum would, soon after
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE worker, family_member, person_in_file")
        print(f"seeded {made:,} workers, {members:,} members in "
              f"{time.perf_counter() - start:.0f} s")


def _filter(view, column: str, kind: str) -> str:
    """Return the URL argument of ``view``'s filter of ``kind`` on ``column``."""
    for index, flt in enumerate(view._filters):
        if type(flt).__name__ == kind and getattr(getattr(flt, "column", None), "key",
                                                   None) == column:
            return f"flt0_{index}"
    raise LookupError(f"{view.endpoint}: no {kind} filter on {column}")


def cases(app) -> list[tuple[str, str, dict, str, dict]]:
    """Return (kind, our URL, its query, the stock URL, its query) of every measurement."""
    from sqlalchemy import func, select

    from models import FamilyMember, Worker, db
    views = {v.endpoint: v for v in app.extensions["admin"][0]._views
             + app.extensions["admin"][1]._views if hasattr(v, "model")}
    with app.app_context():
        middle = db.session.scalar(select(func.max(Worker.id))) // 2
        worker = db.session.scalar(select(Worker).where(Worker.id >= middle, Worker.members.any())
                                   .order_by(Worker.id).limit(1))
        member = db.session.scalar(select(FamilyMember).where(
            FamilyMember.worker_id == worker.id, FamilyMember.id_number.is_not(None)).limit(1))
        found = [
            ("first page", {}), ("full ID number", {"search": worker.id_number}),
            ("last 6 ID digits", {"search": worker.id_number[-6:]}),
            ("name", {"search": worker.name}), ("pinyin initials", {"search": worker.initials}),
            ("phone", {"search": worker.phone}), ("employer (part)",
                                                  {"search": worker.employer[2:]})]
        ours, stock = views["worker"], views["stockworker"]
        out = [(k, "/admin/worker/", q, "/stock/worker/", q) for k, q in found]
        deep = min(5000, middle * 2 // ours.page_size // 2)
        out.append((f"page {deep} (link)", "LINK", {"page": deep}, "/stock/worker/",
                    {"page": deep}))
        out.append((f"page {deep} (typed)", "/admin/worker/", {"page": deep},
                    "/stock/worker/", {"page": deep}))
        for kind, column, value in (("category", "category", "deep"),
                                    ("status", "status", "pending"),
                                    ("base union", "base_union", worker.base_union)):
            out.append((f"filter {kind}", "/admin/worker/",
                        {_filter(ours, column, "FilterEqual"): value}, "/stock/worker/",
                        {_filter(stock, column, "FilterEqual"): value}))
        overdue = {f"flt0_{i}": "1" for i, f in enumerate(ours._filters)
                   if type(f).__name__ == "ReviewOverdueFilter"}
        stock_overdue = {f"flt0_{i}": "1" for i, f in enumerate(stock._filters)
                         if type(f).__name__ == "ReviewOverdueFilter"}
        out.append(("filter review overdue", "/admin/worker/", overdue, "/stock/worker/",
                    stock_overdue))
        for kind, term in (("member full ID", member.id_number),
                           ("member last 6 ID", member.id_number[-6:]),
                           ("member name", member.name), ("member initials", member.initials),
                           ("member's worker name", worker.name)):
            out.append((kind, "/admin/familymember/", {"search": term}, "/stock/member/",
                        {"search": term}))
        return out


def page_link(client, page: int) -> str:
    """Return the pager's link to ``page`` on page ``page - 1`` (what a user clicks)."""
    before = client.get("/admin/worker/", query_string={"page": page - 1})
    for href in re.findall(r'href="(/admin/worker/\?[^"]*)"', before.get_data(as_text=True)):
        href = html.unescape(href)
        if f"page={page}&" in href + "&" and "after=" in href:
            return href
    raise LookupError(f"no link to page {page}")


def timed(client, url: str, query: dict, repeat: int) -> float | str:
    """Return the median milliseconds of GET ``url`` (or the failed status)."""
    first = client.get(url, query_string=query)
    if first.status_code != 200:
        return f"HTTP {first.status_code}"
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        client.get(url, query_string=query)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--file", help="SQLite file (default /tmp/bench_lists_N.db)")
    parser.add_argument("--sqlite", action="store_true", help="SQLite even with DATABASE_URL")
    parser.add_argument("--schema", default=SCHEMA, help="PostgreSQL schema (default %(default)s)")
    parser.add_argument("--seed-only", action="store_true", help="seed (or check), no timing")
    parser.add_argument("--only", help="measure only the kinds containing this text")
    args = parser.parse_args()
    app = make_app(config(args))
    import logging
    logging.getLogger("portal.requests").setLevel(logging.WARNING)
    seed(app, args.workers)
    if args.seed_only:
        return
    client = app.test_client()
    login = client.post("/login", data={"username": "staff", "password": PASSWORD})
    assert login.status_code == 302, "login failed"
    with app.app_context():
        from models import db
        dialect = db.engine.dialect.name
    print(f"\n{args.workers:,} workers on {dialect}, median of {args.repeat} (ms); "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'':24} {'portal':>9} {'stock':>9} {'stock/portal':>13}")
    for kind, url, query, stock_url, stock_query in cases(app):
        if args.only and args.only not in kind:
            continue
        if url == "LINK":
            url, query = page_link(client, query["page"]), None
        ours = timed(client, url, query, args.repeat)
        stock = timed(client, stock_url, stock_query, max(1, args.repeat // 2))
        ratio = f"{stock / ours:12.1f}x" if isinstance(ours, float) and isinstance(
            stock, float) else ""
        print(f"{kind:24} {_ms(ours)} {_ms(stock)} {ratio}", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


def _ms(value) -> str:
    return f"{value:9.1f}" if isinstance(value, float) else f"{value:>9}"


if __name__ == "__main__":
    main()
