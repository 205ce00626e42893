"""A campaign's grants moved together: verify, approve and pay as one batch (issue 18).

Each step is one rule function, one transaction (the caller's), set-wise: a guarded
``UPDATE … WHERE campaign_id = … AND state = …`` moves the grants, no ORM object per
grant. The rules are those of the single-record steps (``models.assistance_rules``), said
for the whole batch: whoever applied does not approve; a grant above its kind's limit or
a second grant in the campaign is left for one-by-one approval with the written reason;
paying waits for the notice where the setting asks, and the fund covers the whole batch
or nothing is paid. ``audit`` is ``portal.audit`` (the domain layer imports no portal
module): its ``log_bulk`` and ``log_created_since`` record every grant and fund entry.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, exists, func, insert, or_, select, update
from sqlalchemy.orm import aliased

from models.assistance import Assistance
from models.assistance_rules import needs_notice
from models.base import DomainError, db, today, utcnow
from models.campaign import Campaign
from models.funds import Fund, FundEntry
from models.grant_limits import grant_limit
from models.handout_rules import hand_out_packages
from models.ledger import money
from models.ledger_text import assistance_payment
from models.notice import Notice, NoticeLine, Objection
from models.permissions import require
from models.worker import Worker

TABLE = Assistance.__table__
ZERO = Decimal("0.00")


@dataclass
class Batch:
    """What a step would move now: how many grants, their cash, and those left aside."""

    step: str
    count: int = 0
    cash: Decimal = ZERO
    goods_value: Decimal = ZERO
    over_limit: int = 0        # approve: above the kind's limit, left for one by one
    second_grant: int = 0      # approve: the worker has a grant of the kind already
    own: int = 0               # approve: applied for by the approver
    not_noticed: int = 0       # pay: not passed the notice where the setting asks
    waiting: int = 0           # pay: above the limit or from another fund: one by one
    fund_name: str = ""
    fund_balance: Decimal = ZERO

    @property
    def left_aside(self) -> int:
        return self.over_limit + self.second_grant + self.waiting

    @property
    def shortfall(self) -> Decimal:
        return max(self.cash - self.fund_balance, ZERO)


def _of(campaign: Campaign, state: str):
    return and_(Assistance.campaign_id == campaign.id, Assistance.state == state)


def _over_limit(campaign: Campaign):
    """Return the clause: above the kind's limit without a written reason (or false)."""
    limit = grant_limit(campaign.kind)
    if limit is None:
        return False
    return and_(Assistance.cash_amount > limit, Assistance.limit_override_reason == "")


def _second_grant():
    """Return the clause: the worker holds a granted record of this kind and campaign
    (uq_assistance_one_grant: a second one needs a manager's reason, one by one)."""
    other = aliased(Assistance)
    return exists().where(other.worker_id == Assistance.worker_id, other.kind == Assistance.kind,
                          other.year == Assistance.year, other.campaign == Assistance.campaign,
                          other.id != Assistance.id, other.state.in_(("approved", "paid")))


def passed_notice_clause(day=None):
    """Return the clause ``notice_rules.passed_notice`` says for one record, set-wise."""
    day = day or today()
    listed = and_(NoticeLine.assistance_id == Assistance.id, NoticeLine.notice_id == Notice.id,
                  Notice.kind == "batch", Notice.state.in_(("published", "ended")))
    objected = exists().where(listed, Objection.notice_id == Notice.id,
                              Objection.state == "open")
    return or_(Assistance.notice_passed.is_(True),
               and_(exists().where(listed, Notice.ends_on < day), ~objected))


def _count(*where) -> tuple[int, Decimal, Decimal]:
    row = db.session.execute(select(
        func.count(), func.sum(Assistance.cash_amount), func.sum(Assistance.goods_value))
        .where(*where)).one()
    return row[0], money(row[1] or 0), money(row[2] or 0)


def _pay_clause(campaign: Campaign):
    """Return the clause keeping the approved grants a batch pays: within their limit (or
    with its reason) and paid from the campaign's fund; the others wait for one by one."""
    over = _over_limit(campaign)
    return and_(_of(campaign, "approved"),
                or_(Assistance.cash_amount == 0, Assistance.fund_id == campaign.fund_id),
                *([~over] if over is not False else []))


def look(campaign: Campaign, step: str, user) -> Batch:
    """Return what ``step`` (verify, approve, pay) would move now; nothing is written."""
    out = Batch(step)
    if step == "verify":
        out.count, out.cash, out.goods_value = _count(_of(campaign, "applied"))
    elif step == "approve":
        over, second = _over_limit(campaign), _second_grant()
        verified = _of(campaign, "verified")
        out.over_limit = _count(verified, over)[0] if over is not False else 0
        out.second_grant = _count(verified, second)[0]
        keep = [verified, ~second] + ([~over] if over is not False else [])
        out.count, out.cash, out.goods_value = _count(*keep)
        out.own = _count(verified, Assistance.applied_by_id == user.id)[0]
    elif step == "pay":
        payable = _pay_clause(campaign)
        out.count, out.cash, out.goods_value = _count(payable)
        out.waiting = _count(_of(campaign, "approved"))[0] - out.count
        if needs_notice(campaign):  # the setting reads the kind, the campaign has it
            out.not_noticed = _count(payable, ~passed_notice_clause())[0]
        fund = db.session.get(Fund, campaign.fund_id)
        db.session.refresh(fund, ["balance"])
        out.fund_name, out.fund_balance = fund.name, money(fund.balance)
    else:
        raise DomainError(_("Unknown step."))
    return out


def check(campaign: Campaign, step: str, user) -> Batch:
    """Return the batch ``step`` moves now; refuse when it would move nothing or break a
    rule for the whole batch (the refusal names the reason and the figures)."""
    verb = "U" if step == "verify" else "A"
    require(user, "campaign", verb, _("Only an assistance officer can verify.") if verb == "U"
            else _("Only a centre manager can approve or pay a campaign's grants."))
    batch = look(campaign, step, user)
    if step == "approve" and batch.own:
        raise DomainError(_("%(n)d of these grants were applied for (generated) by you: "
                            "whoever applied cannot approve. Another manager approves them.",
                            n=batch.own))
    if not batch.count:
        raise DomainError(_("Nothing to do: no grant of this campaign awaits this step."))
    if step == "pay":
        if batch.not_noticed:
            raise DomainError(_("%(n)d grants have not passed a public notice without "
                                "objection; this kind of aid is paid only after one. "
                                "Nothing was paid.", n=batch.not_noticed))
        if batch.shortfall:
            raise DomainError(_("Fund %(fund)s has %(balance)s yuan; the batch needs "
                                "%(total)s yuan, %(short)s yuan short. Nothing was paid.",
                                fund=batch.fund_name, balance=f"{batch.fund_balance:,.2f}",
                                total=f"{batch.cash:,.2f}", short=f"{batch.shortfall:,.2f}"))
    return batch


def _move(where, from_state: str, to_state: str, who: str, user, audit) -> int:
    """Move the grants ``where`` keeps to ``to_state``, stamped; log each; return how many."""
    now = utcnow()
    ids = db.session.scalars(select(Assistance.id).where(where).order_by(Assistance.id)).all()
    stamp = {f"{who}_by_id": user.id, f"{who}_at": now}
    done = db.session.execute(update(TABLE).where(where).values(
        state=to_state, version=TABLE.c.version + 1, **stamp)).rowcount
    if done != len(ids):  # a grant moved meanwhile: nothing of this batch stands
        raise DomainError(_("The campaign's grants changed meanwhile; reload and try again."))
    if audit is not None:
        change = {"state": [from_state, to_state], f"{who}_by_id": [None, user.id],
                  f"{who}_at": [None, now.isoformat()]}
        audit.log_bulk("update", Assistance, ((i, change) for i in ids), user)
    return done


def verify_all(campaign: Campaign, user, audit=None) -> int:
    """Verify every applied grant of the campaign (入户核实 done); return how many."""
    check(campaign, "verify", user)
    return _move(_of(campaign, "applied"), "applied", "verified", "verified", user, audit)


def approve_all(campaign: Campaign, user, audit=None) -> Batch:
    """Approve every verified grant but those left for one by one; return the batch."""
    batch = check(campaign, "approve", user)
    over = _over_limit(campaign)
    where = and_(_of(campaign, "verified"), ~_second_grant(),
                 *([~over] if over is not False else []))
    batch.count = _move(where, "verified", "approved", "approved", user, audit)
    return batch


def pay_all(campaign: Campaign, user, audit=None) -> Batch:
    """Pay every payable approved grant: one fund entry per payment, goods handed out.

    The fund's row is locked first (on SQLite the write lock is taken by the same
    statement), so two batches of one campaign queue: the second finds nothing to pay.
    Everything or nothing: a fund or a stock short of the whole batch pays nobody.
    """
    db.session.execute(update(Fund).where(Fund.id == campaign.fund_id)
                       .values(balance=Fund.balance)
                       .execution_options(synchronize_session=False))
    batch = check(campaign, "pay", user)
    where = _pay_clause(campaign)
    rows = db.session.execute(
        select(Assistance.id, Assistance.worker_id, Assistance.unit_id,
               Assistance.cash_amount, Worker.name)
        .join(Worker, Worker.id == Assistance.worker_id).where(where)
        .order_by(Assistance.id)).all()
    now = utcnow()
    done = db.session.execute(update(TABLE).where(where).values(
        state="paid", paid_by_id=user.id, paid_at=now, version=TABLE.c.version + 1)).rowcount
    if done != len(rows):
        raise DomainError(_("The campaign's grants changed meanwhile; reload and try again."))
    entries = _post_entries(campaign, rows, user, now) if batch.cash else {}
    if campaign.goods:
        hand_out_packages(campaign, [(r.id, r.worker_id, r.unit_id) for r in rows], user,
                          audit=None if audit is None else audit.log_created_since)
    if audit is not None:
        audit.log_bulk("update", Assistance, (
            (r.id, {"state": ["approved", "paid"], "paid_by_id": [None, user.id],
                    "paid_at": [None, now.isoformat()],
                    **({"payment_entry_id": [None, entries[r.id]]} if r.id in entries
                       else {})}) for r in rows), user)
        if entries:
            audit.log_created_since(FundEntry, list(entries.values()), user)
    batch.count = done
    return batch


def _post_entries(campaign: Campaign, rows, user, now) -> dict[int, int]:
    """Write one fund entry per cash payment, with its running balance, and the fund's
    new balance by one guarded UPDATE; link each grant to its entry. Return
    ``{grant id: entry id}``."""
    paid = [r for r in rows if r.cash_amount]
    total = sum((money(r.cash_amount) for r in paid), ZERO)
    start = money(db.session.scalar(select(Fund.balance).where(Fund.id == campaign.fund_id)))
    left = db.session.execute(
        update(Fund).where(Fund.id == campaign.fund_id, Fund.active.is_(True),
                           func.round(Fund.balance - total, 2) >= 0)
        .values(balance=func.round(Fund.balance - total, 2)).returning(Fund.balance)
        .execution_options(synchronize_session=False)).scalar_one_or_none()
    if left is None:
        raise DomainError(_("The fund does not exist, is no longer in use or does not "
                            "have enough money. Nothing was paid."))
    balance, values, reasons = start, [], {}
    for r in paid:
        balance -= money(r.cash_amount)
        if r.name not in reasons:
            reasons[r.name] = assistance_payment(r.name, campaign.kind)[:200]
        values.append({"fund_id": campaign.fund_id, "kind": "assistance_out",
                       "amount": -money(r.cash_amount), "balance_after": balance, "at": now,
                       "user_id": user.id, "document": f"BF-{r.id}",
                       "reason": reasons[r.name], "reverses_id": None})
    table = FundEntry.__table__
    ids = db.session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                             values).scalars().all()
    links = [{"b_id": r.id, "b_entry": e} for r, e in zip(paid, ids, strict=True)]
    db.session.execute(update(TABLE).where(TABLE.c.id == bindparam("b_id"))
                       .values(payment_entry_id=bindparam("b_entry")), links)
    fund = db.session.get(Fund, campaign.fund_id)
    if fund is not None:
        db.session.expire(fund, ["balance"])
    return {link["b_id"]: link["b_entry"] for link in links}
