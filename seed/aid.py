"""Demo funds and assistance records in every state, paid through the real ledger."""
from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal

from sqlalchemy import func, select

import models.base
from models import Assistance, Fund, Worker, WorkerEpisode, db
from models.assistance_rules import approve, pay, reject, reverse, verify
from models.base import freeze_now, freeze_today
from models.ledger import post_entry

FUNDS = (
    ("市财政困难职工解困专项资金", "government", Decimal("3000000.00")),
    ("市总工会帮扶资金", "union", Decimal("2000000.00")),
    ("社会爱心捐赠资金", "donation", Decimal("1000000.00")),
)
# (kind, campaign, cash range in yuan, goods)
PLANS = (
    ("festival", "2026年春节送温暖", (500, 1500), ("米面油慰问品", 200)),
    ("festival", "2025年春节送温暖", (500, 1000), ("米面油慰问品", 200)),
    ("education", "2026年金秋助学", (1000, 5000), None),
    ("living", "", (300, 2000), None),
    ("medical", "", (1000, 10000), None),
    ("emergency", "", (1000, 5000), None),
)
STATE_WEIGHTS = {"paid": 60, "approved": 8, "verified": 10, "applied": 12, "rejected": 6,
                 "reversed": 4}
SCHOOLS = ("济南第一中学", "山东大学", "济南职业学院", "历下区实验小学", "山东师范大学")
# When in the year each plan's aid is applied for: the festival before the Spring
# Festival, school aid at the start of the school year, the rest all year round.
SEASONS = {"2026年春节送温暖": ((2026, 1, 5), (2026, 2, 10)),
           "2025年春节送温暖": ((2025, 1, 5), (2025, 2, 10)),
           "2026年金秋助学": ((2026, 8, 10), (2026, 9, 25))}
YEAR_START = dt.date(2025, 1, 2)  # the funds' first allocation, before any grant


def _funds(admin, needs: list[Decimal]) -> list[Fund]:
    """Return the demo funds, each holding at least its share of ``needs`` (what the
    demo will pay from it), so the seed of any size never runs a fund dry."""
    funds = []
    for (name, source, amount), need in zip(FUNDS, needs, strict=True):
        fund = db.session.scalar(select(Fund).where(Fund.name == name))
        if fund is None:
            fund = Fund(name=name, source=source)
            db.session.add(fund)
            db.session.flush()
            post_entry(fund.id, "allocation_in", max(amount, _round_up(need)), admin,
                       document="年初拨付", reason="2026年度帮扶资金")
        elif fund.balance < need:  # a second seed into the same database
            post_entry(fund.id, "allocation_in", _round_up(need - fund.balance), admin,
                       document="追加拨付", reason="2026年度帮扶资金追加")
        funds.append(fund)
    return funds


def _paid(record, staff, manager) -> None:
    record.notice_passed = True  # the demo's notices passed without objection
    pay(record, manager)


# What each target state takes, step by step after the application (step 0).
_APPLY = None
STEPS = {
    "applied": (_APPLY,),
    "rejected": (_APPLY, lambda r, s, m: reject(r, m, "经核实家庭收入超过标准")),
    "verified": (_APPLY, lambda r, s, m: verify(r, s)),
    "approved": (_APPLY, lambda r, s, m: verify(r, s), lambda r, s, m: approve(r, m)),
    "paid": (_APPLY, lambda r, s, m: verify(r, s), lambda r, s, m: approve(r, m), _paid),
    "reversed": (_APPLY, lambda r, s, m: verify(r, s), lambda r, s, m: approve(r, m), _paid,
                 lambda r, s, m: reverse(r, m, "银行卡号有误，退回重发")),
}


def _round_up(amount: Decimal) -> Decimal:
    """Return ``amount`` with a tenth to spare, rounded up to whole 10,000 yuan."""
    return Decimal(math.ceil(amount * Decimal("1.1") / 10000) * 10000)


def _record(rnd, worker, plan, cash: Decimal, staff, fund) -> Assistance:
    kind, campaign, _cash_range, goods = plan
    record = Assistance(worker=worker, kind=kind, year=2026 if "2025" not in campaign else 2025,
                        campaign=campaign, reason="家庭生活困难，申请帮扶",
                        cash_amount=cash, fund=fund,
                        state="applied", applied_by_id=staff.id)
    if goods:
        record.goods, record.goods_value = goods[0], Decimal(goods[1])
    if kind == "education":
        record.student_name = worker.name[0] + rnd.choice(("子涵", "一诺", "浩然", "欣怡"))
        record.school, record.school_level = rnd.choice(SCHOOLS), rnd.choice(
            ("primary", "senior", "university"))
    if kind == "medical":
        record.out_of_pocket = record.cash_amount * 3
    return record


def _plans(rnd: random.Random, worker_ids: list[int]) -> list[tuple]:
    """Return, per worker, (worker id, plan, cash, fund number, state to reach).

    The first records take every state in turn, so even a small demo shows each one.
    """
    plans, states = [], list(STATE_WEIGHTS)
    for n, worker_id in enumerate(worker_ids):
        plan = rnd.choice(PLANS)
        low, high = plan[2]
        state = rnd.choices(states, weights=list(STATE_WEIGHTS.values()))[0]
        plans.append((worker_id, plan, Decimal(rnd.randrange(low, high, 100)),
                      rnd.randrange(len(FUNDS)), states[n] if n < len(states) else state))
    return plans


def load(rnd: random.Random, users: dict, count: int = 600,
         as_of: dt.date | None = None) -> int:
    """Add funds and about ``count`` assistance records; return how many were made.

    With ``as_of``, each record's steps happen on days of its season up to ``as_of``
    (the clock frozen there, as the desk seed does), after its file came on record, so
    the year's aid spreads over the months as a centre's does; the days are drawn from
    their own generator, so the records themselves do not change with them.
    """
    staff, manager = users["staff"], users["manager"]
    active = db.session.scalars(select(Worker.id).where(Worker.status == "active")
                                .order_by(Worker.id)).all()
    plans = _plans(rnd, rnd.sample(active, min(count, len(active))))
    # Every grant paid (reversed ones too, paid before they come back) is drawn in turn.
    needs = [sum((cash for _w, _p, cash, n, target in plans
                  if n == number and target in ("paid", "reversed")), Decimal(0))
             for number in range(len(FUNDS))]
    frozen, frozen_now = models.base._frozen_today, models.base._frozen_now
    clock = _Clock(as_of, [w for w, *_rest in plans]) if as_of else None
    try:
        if clock:
            clock.on(YEAR_START)
        funds = _funds(users["admin"], needs)
        steps = [(n, step) for n, (*_rest, target) in enumerate(plans)
                 for step in range(len(STEPS[target]))]
        if clock:  # in the order they happen, so the ledger's balances follow its times
            days = [clock.days(worker_id, plan[1]) for worker_id, plan, *_rest in plans]
            steps.sort(key=lambda s: (days[s[0]][s[1]], s[1], s[0]))
        records = {}
        for n, step in steps:
            worker_id, plan, cash, number, target = plans[n]
            if clock:
                clock.on(days[n][step])
            if step == 0:
                records[n] = _record(rnd, db.session.get(Worker, worker_id), plan, cash,
                                     staff, funds[number])
                db.session.add(records[n])
                db.session.flush()
            else:
                STEPS[target][step](records[n], staff, manager)
        db.session.flush()
    finally:
        freeze_today(frozen)
        freeze_now(frozen_now)
    return len(plans)


class _Clock:
    """The days the demo's grants go through their steps, up to ``as_of``."""

    def __init__(self, as_of: dt.date, worker_ids: list[int]) -> None:
        self.as_of, self.rnd = as_of, random.Random(as_of.toordinal())
        self.on_record = dict(db.session.execute(
            select(WorkerEpisode.worker_id, func.max(WorkerEpisode.opened_on))
            .where(WorkerEpisode.worker_id.in_(worker_ids))
            .group_by(WorkerEpisode.worker_id)).all())

    def days(self, worker_id: int, campaign: str) -> list[dt.date]:
        """Return the days of applying, verifying, approving, paying and reversing."""
        start, end = SEASONS.get(campaign, ((2026, 1, 5), self.as_of.timetuple()[:3]))
        start, end = dt.date(*start), min(dt.date(*end), self.as_of)
        filed = self.on_record.get(worker_id)
        if filed is not None:  # aid only once the file is on record
            start = min(max(start, filed), end)
        day = start + dt.timedelta(days=self.rnd.randint(0, (end - start).days))
        days = [day]
        for gap in (3, 4, 5, 10):
            days.append(min(days[-1] + dt.timedelta(days=self.rnd.randint(1, gap)),
                            self.as_of))
        return days

    def on(self, day: dt.date) -> None:
        """Move the clock on to office hours of ``day`` (from 9:00 China time, stored UTC),
        a few minutes after the step before on the same day."""
        last = models.base._frozen_now
        if last is not None and last.date() == day:
            moment = last + dt.timedelta(minutes=self.rnd.randint(1, 15))
        else:
            moment = dt.datetime.combine(day, dt.time(1, self.rnd.randint(0, 59)))
        freeze_today(day)
        freeze_now(moment)
