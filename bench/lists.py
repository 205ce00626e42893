"""Time the worker list and its searches against a stock Flask-Admin ModelView (issue 14).

    python bench/lists.py                      # 200,000 workers, SQLite
    python bench/lists.py --workers 1000000    # the full figure
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test python bench/lists.py

Seeds N workers with bulk statements (SQLite: a file under /tmp, reused when it holds
N workers; PostgreSQL: schema ``bench_lists`` or ``--schema``, reused likewise), then
asks, through the Flask test client as a logged-in staff user, our ``/admin/worker/`` and a stock
``flask_admin.contrib.sqla.ModelView`` over the same table with the same searchable
columns, for the first page and for searches by full ID number, last 6 ID digits, name,
pinyin initials, phone and part of the employer. Prints the median of ``--repeat`` runs
after one warm-up, in milliseconds, and the ratio.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
            "许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁")
GIVEN = "建国秀英海燕志强丽娟明华文静伟东晓红玉兰春梅国庆永刚桂芝淑珍德胜宝山金凤立新翠花"
PLACES = ["济南", "青岛", "淄博", "枣庄", "东营", "烟台", "潍坊", "济宁", "泰安", "威海"]
TRADES = ["机械", "纺织", "钢铁", "化工", "电力", "煤矿", "造船", "陶瓷", "食品", "印刷"]
PASSWORD = "bench-pass-1"
SCHEMA = "bench_lists"


def config(args) -> dict:
    """Return the app config of the database to measure."""
    url = os.environ.get("DATABASE_URL")
    base = {"SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False, "TESTING": False}
    if url and not args.sqlite:
        from sqlalchemy import create_engine, text
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{args.schema}"'))
        engine.dispose()
        return {**base, "SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": {
            "connect_args": {"options": f"-csearch_path={args.schema}"}}}
    path = args.file or f"/tmp/bench_lists_{args.workers}.db"
    return {**base, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}


def make_app(cfg: dict, stock_view: bool = True):
    """Return the portal app, with a stock ModelView of the workers at /stock/worker/."""
    from flask_admin import Admin
    from flask_admin.contrib.sqla import ModelView

    from models import Worker, db
    from portal import create_app
    app = create_app(cfg)

    class Stock(ModelView):
        column_list = ("name", "id_number", "gender", "base_union", "employer", "category",
                       "main_cause", "per_capita_income", "status", "last_reviewed_on")
        column_searchable_list = ("name", "id_number", "phone", "employer")
        column_default_sort = ("id", True)

    if stock_view:
        Admin(app, name="stock", url="/stock", endpoint="stock").add_view(
            Stock(Worker, db, endpoint="stockworker", url="/stock/worker"))
    return app


def seed(app, workers: int) -> None:
    """Make the schema and ``workers`` files (reused when the database holds that many)."""
    from sqlalchemy import func, insert, select

    from models import User, Worker, db
    from models.idnumber import make_id_number
    from models.pinyin import initials
    with app.app_context():
        db.create_all()
        have = db.session.scalar(select(func.count()).select_from(Worker))
        if have == workers:
            print(f"reusing {have:,} workers")
            return
        if have:
            sys.exit(f"the database holds {have:,} workers, not {workers:,}: remove it first")
        staff = User(username="staff", role="staff", full_name="staff")
        staff.set_password(PASSWORD)
        db.session.add(staff)
        db.session.commit()
        rnd, start, batch, used = random.Random(14), time.perf_counter(), [], set()
        pinyin: dict[str, str] = {}
        for i in range(workers):
            while True:
                born = dt.date(1960, 1, 1) + dt.timedelta(days=rnd.randrange(16000))
                number = make_id_number(f"3701{rnd.randrange(10, 99)}", born, rnd.randrange(1000))
                if number not in used:
                    used.add(number)
                    break
            name = rnd.choice(SURNAMES) + "".join(rnd.sample(GIVEN, rnd.choice((1, 2))))
            if name not in pinyin:
                pinyin[name] = initials(name, person=True)
            place, trade = rnd.choice(PLACES), rnd.choice(TRADES)
            batch.append(dict(
                name=name, initials=pinyin[name], id_number=number,
                gender="M" if int(number[16]) % 2 else "F", birth_date=born,
                phone=f"13{rnd.randrange(10**9):09d}", base_union=f"{place}市{trade}工会",
                employer=f"{place}第{rnd.randrange(1, 200)}{trade}厂",
                category=rnd.choice(("deep", "relative")), main_cause="illness",
                household_size=3, household_income=Decimal("24000"),
                essential_spending=Decimal("6000"), per_capita_income=Decimal("500.00"),
                status="active", filed_on=dt.date(2025, 5, 1), secondary_causes=[]))
            if len(batch) == 20000:
                db.session.execute(insert(Worker), batch)
                batch = []
                print(f"  {i + 1:,} workers, {time.perf_counter() - start:.0f} s", flush=True)
        if batch:
            db.session.execute(insert(Worker), batch)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":  # as autovacuum would, soon after
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE worker")
        print(f"seeded {workers:,} workers in {time.perf_counter() - start:.0f} s")


def terms(app) -> dict[str, str]:
    """Return the search of each kind, for a file in the middle of the table."""
    from sqlalchemy import func, select

    from models import Worker, db
    with app.app_context():
        middle = db.session.scalar(select(func.max(Worker.id))) // 2
        worker = db.session.get(Worker, middle)
        return {"first page": "", "full ID number": worker.id_number,
                "last 6 ID digits": worker.id_number[-6:], "name": worker.name,
                "pinyin initials": worker.initials, "phone": worker.phone,
                "employer (part)": worker.employer[2:]}


def timed(client, url: str, search: str, repeat: int) -> float | str:
    """Return the median milliseconds of GET ``url`` with ``search`` (or the failed status)."""
    query = {"search": search} if search else None
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
    args = parser.parse_args()
    cfg = config(args)
    app = make_app(cfg)
    seed(app, args.workers)
    client = app.test_client()
    login = client.post("/login", data={"username": "staff", "password": PASSWORD})
    assert login.status_code == 302, "login failed"
    with app.app_context():
        from models import db
        dialect = db.engine.dialect.name
    print(f"\n{args.workers:,} workers on {dialect}, median of {args.repeat} (ms)")
    print(f"{'':18} {'portal':>9} {'stock':>9} {'stock/portal':>13}")
    for kind, search in terms(app).items():
        ours = timed(client, "/admin/worker/", search, args.repeat)
        stock = timed(client, "/stock/worker/", search, max(1, args.repeat // 2))
        ratio = f"{stock / ours:12.1f}x" if isinstance(ours, float) and isinstance(
            stock, float) else ""
        print(f"{kind:18} {_ms(ours)} {_ms(stock)} {ratio}", flush=True)


def _ms(value) -> str:
    return f"{value:9.1f}" if isinstance(value, float) else f"{value:>9}"


if __name__ == "__main__":
    main()
