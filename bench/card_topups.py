"""Benchmark a love-card top-up of N cards paid from a fund (issue 18): ask, approve and
post, then reverse the whole batch; each audited and committed.

    python bench/card_topups.py              # 20,000 cards on a scratch SQLite file
    python bench/card_topups.py --cards 300

Seeds N worker files on record with an active card each, in bulk, and a fund; then
times the clerk's request (200 points per card: above the approval setting, so it
waits), the manager's approval (one fund entry, N card entries), and the reversal of
the whole batch; checks every fund and card balance equals its ledger. Prints the
figures and "met" / "NOT MET" (each step at most LIMIT_S seconds).
"""
from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from excel import PeakRss, make_app  # noqa: E402  (bench/excel.py's helpers)

LIMIT_S = 10.0
POINTS = Decimal("200")


def seed(cards: int) -> None:
    """Insert the users, ``cards`` files with a card each, and a fund, in bulk."""
    from sqlalchemy import String, cast, insert, literal, select

    from models import LoveCard, User, Worker, db
    from models.idnumber import make_id_number
    from models.ledger import post_entry
    from models.orgunit import root_unit_id
    from portal.database import ensure_settings
    from portal.excel.bulk import insert_rows
    from tests.factories import make_fund

    db.create_all()
    ensure_settings()
    for role in ("clerk", "manager"):
        user = User(username=role, role=role, full_name=role)
        user.set_password("bench-pass-1")
        db.session.add(user)
    db.session.commit()
    unit = root_unit_id()
    insert_rows(Worker.__table__, [dict(
        name="张建国", id_number=make_id_number(
            "370105", dt.date(1970, 1, 1) + dt.timedelta(days=n // 900), n % 900),
        phone="", base_union="第一机床厂工会", employer="第一机床厂", category="relative",
        main_cause="illness", household_size=3, household_income=Decimal("30000"),
        essential_spending=Decimal("6000"), status="active", unit_id=unit)
        for n in range(cards)], {})
    db.session.execute(insert(LoveCard.__table__).from_select(
        ["card_no", "worker_id", "status", "balance", "issued_on", "valid_until", "initials",
         "closed_reason", "notes", "unit_id"],
        select(literal("AX") + cast(Worker.id, String), Worker.id, literal("active"),
               literal(0), literal(dt.date(2026, 1, 1)), literal(dt.date(2027, 12, 31)),
               literal(""), literal(""), literal(""), Worker.unit_id)))
    fund = make_fund(name="爱心超市积分资金", source="donation", balance="0")
    post_entry(fund.id, "allocation_in", POINTS * cards, None, reason="积分资金")
    db.session.commit()


def measure(cards: int) -> bool:
    """Seed, time the three steps; print the figures; return whether the bars are met."""
    from sqlalchemy import select

    from models import Fund, LoveCard, User, db
    from models.card_topup_reversal import reverse_batch
    from models.card_topup_rules import approve_top_up, request_top_up, usable_cards
    from models.ledger import ledger_differences
    from models.lovecard_rules import card_differences
    from portal.audit import log_created_since

    folder = Path(tempfile.mkdtemp(prefix="bench-topups-"))
    try:
        app = make_app(str(folder / "bench.db"))
        with app.app_context():
            seed(cards)
            db.session.remove()
            clerk, manager = (db.session.scalar(select(User).where(User.username == name))
                              for name in ("clerk", "manager"))
            fund = db.session.scalar(select(Fund))
            times = {}
            steps = (("request", lambda: request_top_up(
                         fund, usable_cards(select(LoveCard.id)), POINTS, clerk, "春节爱心积分",
                         audit=log_created_since)),
                     ("approve", lambda: approve_top_up(batch, manager,
                                                         audit=log_created_since)),
                     ("reverse", lambda: reverse_batch(batch, manager, "整单冲正",
                                                       audit=log_created_since)))
            batch = None
            for name, step in steps:
                rss, start = PeakRss(), time.perf_counter()
                done = step()
                db.session.commit()
                times[name] = (time.perf_counter() - start, rss.growth())
                batch = done if name == "request" else batch
                print(f"{name}: {times[name][0]:.2f} s, +{times[name][1]:.0f} MB "
                      f"for {batch.card_count} cards")
            balanced = not ledger_differences() and not card_differences()
            print(f"balances = ledgers: {'yes' if balanced else 'NO'}")
            met = balanced and batch.card_count == cards and all(
                seconds <= LIMIT_S for seconds, _mb in times.values())
            print(f"each step ≤ {LIMIT_S:.0f} s:", "met" if met else "NOT MET")
            return met
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=20_000)
    args = parser.parse_args()
    sys.exit(0 if measure(args.cards) else 1)


if __name__ == "__main__":
    main()
