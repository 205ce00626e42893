"""Demo micro-loans in every state, with repayment histories good and late, through the rules
so that the fund ledger, the schedules and the repayments agree to the fen."""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sqlalchemy import select

import models.base
from models import Fund, Loan, Worker, db
from models.base import freeze_today
from models.ledger import post_entry
from models.loan_rules import (
    apply,
    approve,
    disburse,
    follow_up,
    record_repayment,
    reject,
    reverse_repayment,
    write_off,
)

FUND = ("工会小额借款周转金", "union", Decimal("1500000.00"))
PURPOSES = ("开办社区早餐店", "购置缝纫设备开办裁缝铺", "开办家政服务工作室",
            "购买三轮车从事物流配送", "开办网店销售农副产品", "租赁门面开办便利店",
            "购置设备开办家电维修部", "开办小吃摊点")
GUARANTORS = (("济南第一机床厂工会委员会", "81370100MC00000015"),
              ("山东鲁信物业服务有限公司", "91370100MA3C00001H"),
              ("长清区总工会", "81370113MC00000010"))
# How a borrower pays: share of loans, and what happens.
HABITS = {"applied": 6, "approved": 3, "rejected": 3, "on_time": 30, "late": 14, "repaid": 8,
          "written_off": 2}
LENT = ("on_time", "late", "repaid", "written_off")


def _fund(admin, need: Decimal) -> Fund:
    """Return the loan fund, holding at least ``need`` (what the demo will lend)."""
    name, source, amount = FUND
    fund = db.session.scalar(select(Fund).where(Fund.name == name))
    if fund is None:
        fund = Fund(name=name, source=source, notes="市总工会拨付，专项用于困难职工创业小额借款")
        db.session.add(fund)
        db.session.flush()
        post_entry(fund.id, "allocation_in", max(amount, need), admin,
                   document="总工发〔2024〕12号", reason="小额借款周转金")
    elif fund.balance < need:  # a second seed into the same database
        post_entry(fund.id, "allocation_in", need - fund.balance, admin,
                   document="总工发〔2024〕12号", reason="小额借款周转金追加")
    return fund


def _application(rnd: random.Random, worker: Worker, amount: Decimal, staff,
                 fund: Fund) -> Loan:
    guarantor, code = rnd.choice(GUARANTORS)
    loan = Loan(worker=worker, amount=amount,
                purpose=rnd.choice(PURPOSES), guarantor_name=guarantor,
                guarantor_credit_code=code, guarantee_letter_no=f"DB{rnd.randint(1000, 9999)}",
                term_months=rnd.choice((12, 12, 24, 24, 36)), fund=fund)
    db.session.add(loan)
    apply(loan, staff)
    db.session.flush()
    return loan


def _repay(rnd: random.Random, loan: Loan, staff, until: dt.date, as_of: dt.date) -> None:
    """Pay each instalment due before ``until``, around its due date."""
    for instalment in list(loan.instalments):
        if instalment.due_on > until or loan.state != "disbursed":
            break
        owed = instalment.amount_due - instalment.amount_paid
        paid_on = min(as_of, max(loan.issued_on, instalment.due_on
                                 + dt.timedelta(days=rnd.randint(-6, 4))))
        record_repayment(loan, staff, owed, paid_on, document=f"SJ{paid_on:%Y%m%d}{loan.id:04d}")


def _at(day: dt.date, rnd: random.Random) -> dt.datetime:
    """Return a time in office hours (China time) on ``day``, as stored (UTC)."""
    return dt.datetime.combine(day, dt.time(rnd.randint(0, 8), rnd.randint(0, 59)))


def _stamp(rnd: random.Random, loan: Loan, as_of: dt.date) -> None:
    """Date a demo loan's steps as a real file would show them, not at seeding time."""
    applied = (loan.issued_on - dt.timedelta(days=rnd.randint(20, 40)) if loan.issued_on
               else as_of - dt.timedelta(days=rnd.randint(1, 30)))
    loan.applied_at = _at(applied, rnd)
    decided = _at(min(as_of, applied + dt.timedelta(days=rnd.randint(3, 12))), rnd)
    loan.approved_at = decided if loan.approved_at else None
    loan.rejected_at = decided if loan.rejected_at else None
    if loan.issued_on:
        loan.disbursed_at = _at(loan.issued_on, rnd)
    if loan.repaid_at:
        loan.repaid_at = _at(max(r.paid_on for r in loan.repayments), rnd)
    if loan.written_off_at:
        loan.written_off_at = _at(as_of, rnd)


def load(rnd: random.Random, users: dict, as_of: dt.date) -> int:
    """Add loans in every state and their repayments as of ``as_of``; return how many."""
    staff = users["staff"]
    active = db.session.scalars(select(Worker.id).where(Worker.status == "active")
                                .order_by(Worker.id)).all()
    count = min(len(active), sum(HABITS.values()))
    if not count:
        return 0
    habits = [h for h, n in HABITS.items() for _ in range(n)]
    plans = [(worker_id, habit, Decimal(rnd.randrange(5000, 50001, 1000)))
             for worker_id, habit in zip(rnd.sample(active, count), habits, strict=False)]
    # Every loan disbursed is lent in full before the repayments come back.
    need = sum((amount for _w, habit, amount in plans if habit in LENT), Decimal(0))
    frozen = models.base._frozen_today
    freeze_today(as_of)  # the rules refuse future dates: the demo lives on as_of
    try:
        fund = _fund(users["admin"], need)
        for worker_id, habit, amount in plans:
            loan = _application(rnd, db.session.get(Worker, worker_id), amount, staff, fund)
            _follow_habit(rnd, loan, habit, users, fund, as_of)
            _stamp(rnd, loan, as_of)
        db.session.flush()
    finally:
        freeze_today(frozen)
    return count


def _follow_habit(rnd, loan: Loan, habit: str, users: dict, fund: Fund, as_of: dt.date):
    """Take ``loan`` as far as ``habit`` says, with its repayments."""
    staff, manager = users["staff"], users["manager"]
    if habit == "rejected":
        reject(loan, manager, "担保单位未出具正式担保函")
    if habit in ("applied", "rejected"):
        return
    approve(loan, manager)
    if habit == "approved":
        return
    if habit == "repaid":
        loan.term_months = 12
    months_ago = loan.term_months + 1 if habit == "repaid" else rnd.randint(
        3, min(loan.term_months, 20))
    issued = as_of - dt.timedelta(days=30 * months_ago + rnd.randint(0, 20))
    # 带动就业: the borrower and, for the bigger loans, the people the business hires.
    jobs = 1 + int(loan.amount) // 10000
    disburse(loan, manager, fund.id, jobs, on=issued)
    visited = issued + dt.timedelta(days=180)
    if visited <= as_of:  # half a year on, staff count the jobs actually there
        short = 1 if int(loan.amount) // 1000 % 3 == 0 else 0
        follow_up(loan, staff, visited, jobs - short,
                  "回访：经营正常" if not short else "回访：一名帮工已离开")
    stop = as_of - dt.timedelta(days=rnd.randint(20, 200)) if habit in (
        "late", "written_off") else as_of
    _repay(rnd, loan, staff, stop, as_of)
    if habit == "written_off":
        write_off(loan, manager, "借款人患重病丧失劳动能力，担保单位已破产，经集体研究核销")
    elif habit == "on_time" and loan.state == "disbursed" and rnd.random() < 0.15:
        wrong = record_repayment(loan, staff, Decimal("100.00"), as_of, document="SJ-误录")
        reverse_repayment(wrong, manager, "重复录入，冲正")
