"""Demo legal cases: the collective wage claim recovered in part, and a few of each outcome.

Each goes through the rules (``models.legal_case_rules``) on the day it happened, with
the clock frozen there by the desk's seed (``seed.desk``).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from models import db
from models.base import freeze_now, freeze_today
from models.legal_case import LegalCase
from models.legal_case_rules import close, open_case, record_session
from models.service_case import ServiceCase

CREDIT_CODES = ("91370100MA3C4L8X2F", "91370102MA3DXE5R0R", "91370112MA3N1K6Q1K")
# (dispute type, route, claimed, outcome, recovered, summary)
CASES = (
    ("wages", "union", "36000", "success", "36000", "装修公司拖欠3名工人工资"),
    ("severance", "pre_arbitration", "52000", "success", "58000", "解除合同经济补偿金及赔偿金"),
    ("injury", "arbitration", "120000", "partial", "85000", "工伤待遇争议，代理仲裁"),
    ("contract", "pre_litigation", "20000", "partial", "12000", "未签劳动合同二倍工资"),
    ("insurance", "union", "15000", "failed", "0", "单位未缴社会保险，调解未成，转仲裁"),
    ("wages", "pre_arbitration", "8000", "failed", "0", "餐馆拖欠工资，对方拒不调解"),
    ("other", "advice", "0", "withdrawn", "0", "咨询后自行与单位协商解决，撤回申请"),
    ("contract", "union", "6000", "withdrawn", "0", "调岗降薪争议，申请人撤回"),
    ("wages", "union", "9000", None, "0", "快递站拖欠工资，调解中"),
)


def _on(day: dt.date) -> None:
    freeze_today(day)
    freeze_now(dt.datetime.combine(day, dt.time(2, 0)))


def load(rnd, users, as_of: dt.date, collective: ServiceCase) -> None:
    """Add the legal cases: the collective claim's, then the others from desk cases."""
    staff = users["staff"]
    day = collective.received_at.date() + dt.timedelta(days=2)
    _on(day)
    claim = open_case(LegalCase(head_count=20, employer_name="鲁兴建筑劳务公司",
                                credit_code=CREDIT_CODES[0], dispute_type="wages",
                                route="pre_arbitration", amount_claimed=Decimal("468000.00"),
                                summary="20名农民工集体追讨拖欠工资"), staff, collective)
    db.session.flush()
    for after, handler, note in ((3, "王建国（工会法律援助律师）", "约谈总包单位，核对工资表"),
                                 (14, "区劳动争议调解中心", "达成部分支付协议")):
        _on(day + dt.timedelta(days=after))
        record_session(claim, staff, "", handler, note)
    _on(day + dt.timedelta(days=30))
    close(claim, staff, "partial", "312000.00", "20", "")
    desk = list(db.session.scalars(select(ServiceCase).where(
        ServiceCase.case_type.in_(("wages", "mediation", "legal_aid")),
        ServiceCase.id != collective.id).order_by(ServiceCase.id).limit(len(CASES))))
    for n, (kind, route, claimed, outcome, recovered, summary) in enumerate(CASES):
        origin = desk[n] if n < len(desk) else None
        start = min(as_of, (origin.received_at.date() if origin else as_of - dt.timedelta(
            days=60)) + dt.timedelta(days=1))
        _on(start)
        case = open_case(LegalCase(
            person=None if origin else collective.person, head_count=1 + rnd.randint(0, 2)
            if kind == "wages" else 1, employer_name=(origin.person.employer if origin
                                                      else "") or "某商贸有限公司",
            credit_code=CREDIT_CODES[n % len(CREDIT_CODES)] if n % 2 else None,
            dispute_type=kind, route=route, amount_claimed=Decimal(claimed),
            summary=summary), staff, origin)
        db.session.flush()
        _on(min(as_of, start + dt.timedelta(days=7)))
        record_session(case, staff, "", "工会法律援助律师", "调解")
        if outcome is not None:
            _on(min(as_of, start + dt.timedelta(days=21)))
            close(case, staff, outcome, recovered, "", "")
    db.session.flush()
