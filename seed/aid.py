"""Demo funds and assistance records in every state, paid through the real ledger."""
from __future__ import annotations

import math
import random
from decimal import Decimal

from sqlalchemy import select

from models import Assistance, Fund, Worker, db
from models.assistance_rules import approve, pay, reject, reverse, verify
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


def load(rnd: random.Random, users: dict, count: int = 600) -> int:
    """Add funds and about ``count`` assistance records; return how many were made."""
    staff, manager = users["staff"], users["manager"]
    active = db.session.scalars(select(Worker.id).where(Worker.status == "active")
                                .order_by(Worker.id)).all()
    plans = _plans(rnd, rnd.sample(active, min(count, len(active))))
    # Every grant paid (reversed ones too, paid before they come back) is drawn in turn.
    needs = [sum((cash for _w, _p, cash, n, target in plans
                  if n == number and target in ("paid", "reversed")), Decimal(0))
             for number in range(len(FUNDS))]
    funds = _funds(users["admin"], needs)
    made = 0
    for worker_id, plan, cash, number, target in plans:
        record = _record(rnd, db.session.get(Worker, worker_id), plan, cash, staff,
                         funds[number])
        db.session.add(record)
        db.session.flush()
        if target == "rejected":
            reject(record, manager, "经核实家庭收入超过标准")
        elif target != "applied":
            verify(record, staff)
        if target in ("approved", "paid", "reversed"):
            approve(record, manager)
        if target in ("paid", "reversed"):
            record.notice_passed = True
            pay(record, manager)
        if target == "reversed":
            reverse(record, manager, "银行卡号有误，退回重发")
        made += 1
    db.session.flush()
    return made
