"""Time a household's page (the worker's details with its timeline) at 200 records.

    .venv/bin/python bench/timeline.py [--records 200] [--repeat 20]

Builds one household in a scratch SQLite database (``/tmp/bench_timeline.db``, made
anew each run) through the same factories the tests use: aid over eight years in every
state, a disbursed loan and its repayments, a love card with top-ups and redemptions,
training, and a published notice with an objection. Then, signed in as staff through
Flask's test client, prints the median time of the details page over ``--repeat``
requests, the statements one request runs, and whether the 150 ms target is met.
"""
from __future__ import annotations

import argparse
import datetime as dt
import logging
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PATH = Path("/tmp/bench_timeline.db")
PASSWORD = "bench-pass-1"
TARGET_MS = 150


def make_app():
    from portal import create_app
    for old in PATH.parent.glob(PATH.name + "*"):
        old.unlink()
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{PATH}", "SECRET_KEY": "bench",
                       "WTF_CSRF_ENABLED": False, "PORTAL_LOCALE": "zh_CN"})


def make_users() -> None:
    from models import User, db
    from portal.database import ensure_settings
    db.create_all()
    ensure_settings()
    for role in ("admin", "staff", "clerk", "manager"):
        user = User(username=role, full_name=f"测试{role}", role=role)
        user.set_password(PASSWORD)
        db.session.add(user)
    db.session.commit()


def build(records: int) -> tuple[int, int]:
    """Make one household with about ``records`` records; return (worker id, records)."""
    from models import db
    from models.loan_rules import record_repayment
    from models.redemption_rules import redeem
    from tests.factories import id_number, make_assistance, make_worker, user
    from tests.factories_inventory import fund_top_up, make_card, make_item
    from tests.factories_loans import disbursed_loan
    from tests.factories_notices import make_objection, make_published
    from tests.factories_training import make_class, make_enrolment

    worker = make_worker(name="周户主", filed_on=dt.date(2019, 3, 1),
                         last_reviewed_on=dt.date(2025, 12, 20),
                         members=[{"name": "李秀英", "id_number": id_number()},
                                  {"name": "周小雨", "relation": "child"}])
    share = records // 4
    states = ("paid", "paid", "paid", "rejected", "approved", "applied")
    for n in range(share):
        year, state = 2019 + n % 8, states[n % len(states)]
        make_assistance(worker=worker, state=state, year=year, campaign=f"{year}年第{n}批",
                        kind=("living", "medical", "festival", "education")[n % 4],
                        cash_amount=Decimal(300 + 10 * n), goods_value=Decimal("50.00"),
                        applied_at=dt.datetime(year, 1 + n % 12, 5),
                        paid_at=dt.datetime(year, 1 + n % 12, 20) if state == "paid" else None,
                        commit=False)
    db.session.commit()
    loan = disbursed_loan(amount="20000.00", months=24, worker=worker,
                          issued_on=dt.date(2024, 1, 15))
    for n in range(share):
        record_repayment(loan, user("staff"), Decimal("100.00"),
                         paid_on=dt.date(2024, 2, 1) + dt.timedelta(days=7 * n))
    card = make_card("500", worker=worker)
    for _n in range(share):
        fund_top_up(card, Decimal("200"), "爱心积分发放")
    item = make_item(stock=10 * share, price="15.00")
    for _n in range(share):
        redeem(card, [(item.id, 2)], user("clerk"))
    db.session.commit()
    for n in range(3):
        make_enrolment(make_class(name=f"第{n + 1}期技能培训班", state="running"), worker=worker)
    listed = make_assistance(worker=worker, kind="education", campaign="2026年金秋助学",
                             state="approved", cash_amount=Decimal("2000.00"),
                             student_name="周小雨", school="济南第一中学", school_level="senior",
                             approved_by_id=user("manager").id)
    make_objection(make_published(records=[listed]))
    from models.worker_timeline import entries
    return worker.id, len(entries(worker))


def measure(app, worker_id: int, repeat: int) -> tuple[float, int, int]:
    """Return the median ms of the page, its statements and its entries shown."""
    from sqlalchemy import event

    from models import db
    client = app.test_client()
    client.post("/login", data={"username": "staff", "password": PASSWORD})
    url = f"/admin/worker/details/?id={worker_id}"
    first = client.get(url)
    assert first.status_code == 200, first.status_code
    shown = first.get_data(as_text=True).count('class="timeline-entry"')
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    counter = [0]

    def count(*_args):
        counter[0] += 1
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
        client.get(url)
        event.remove(db.engine, "before_cursor_execute", count)
    return statistics.median(times), counter[0], shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    app = make_app()
    logging.getLogger("portal.requests").setLevel(logging.WARNING)
    with app.app_context():
        make_users()
        worker_id, made = build(args.records)
    median, statements, shown = measure(app, worker_id, args.repeat)
    verdict = "met" if median < TARGET_MS else "NOT met"
    print(f"household with {made} timeline entries ({shown} rows shown), SQLite")
    print(f"details page: median {median:.1f} ms over {args.repeat} requests, "
          f"{statements} statements; target {TARGET_MS} ms {verdict}")


if __name__ == "__main__":
    main()
