"""Topping up love cards from a fund: request, approve or reject, post (充值批次).

Points are money: a batch's value (points × cards × the yuan-per-point setting) leaves
its fund as ONE fund entry (``card_topup``, negative) posted with one card entry per
card, all in one savepoint: a fund that cannot cover the whole batch refuses it, the
shortfall stated in yuan, and nothing is written. At or below the approval setting a
batch posts when asked; above it, it waits (``pending``) for a manager who did not ask.

Set-wise for a campaign's 20,000 cards: the lines, the card balances and the card
entries are each one INSERT … SELECT or UPDATE, and ``audit(model, ids, user)``
(``portal.audit.log_created_since``) logs the rows so written in bulk.

Lock order: the fund's row (the guarded UPDATE of ``post_entry``), then the cards' rows;
the reversal (``models.card_topup_reversal``) takes them in the same order.
"""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, insert, literal, null, select, update

from models.base import DomainError, db, today, utcnow
from models.card_topup import CardTopUp, CardTopUpLine
from models.funds import Fund
from models.ledger import money, post_entry
from models.lovecard import CardEntry, LoveCard
from models.lovecard_rules import MAX_TOP_UP, parse_points
from models.numbering import document_no
from models.permissions import require
from models.settings import get_setting
from models.worker import Worker

PREFIX = "CZ"


def topup_rate() -> Decimal:
    """Return the yuan one point costs (the setting)."""
    return money(get_setting("card_point_yuan"))


def needs_approval(total: Decimal) -> bool:
    """Tell whether a top-up worth ``total`` yuan waits for a manager."""
    return money(total) > money(get_setting("card_topup_approval_above"))


def usable_cards(cards):
    """Return the ids of ``cards`` (a SELECT of card ids) that may take points: active
    cards of workers on file."""
    return (select(LoveCard.id).join(Worker, Worker.id == LoveCard.worker_id)
            .where(LoveCard.id.in_(cards), LoveCard.status == "active",
                   Worker.status == "active"))


def _check_request(fund_id, points, reason: str) -> tuple[Fund, Decimal, str]:
    """Return the fund, points and reason of a top-up, or refuse what is wrong."""
    points = parse_points(points)
    if points <= 0 or points > MAX_TOP_UP:
        raise DomainError(_("A top-up is more than 0 and at most %(max)s points.",
                            max=f"{MAX_TOP_UP:,.0f}"))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for the top-up, e.g. the month's allowance."))
    fund = db.session.get(Fund, fund_id) if fund_id else None
    if fund is None:
        raise DomainError(_("Choose the fund the points are paid from."))
    if not fund.active:
        raise DomainError(_("The fund does not exist or is no longer in use."))
    return fund, points, reason


def request_top_up(fund_id, cards, points, user, reason: str, campaign_id=None,
                   audit=None) -> CardTopUp:
    """Ask for ``points`` on every card of ``cards`` (a SELECT of card ids, already
    checked usable), paid from fund ``fund_id``; post at once unless the value needs a
    manager. Everything or nothing, in the caller's transaction."""
    require(user, "cardtopup", "C", _("Your role may not top up love cards."))
    fund, points, reason = _check_request(getattr(fund_id, "id", fund_id), points, reason)
    chosen = select(cards.subquery().c[0].label("card_id")).distinct().subquery()
    count = db.session.scalar(select(func.count()).select_from(chosen))
    if not count:
        raise DomainError(_("No card to top up: only active cards of workers on file take "
                            "points."))
    rate = topup_rate()
    with db.session.begin_nested():
        batch = CardTopUp(number=document_no(PREFIX, today().year), fund_id=fund.id,
                          campaign_id=campaign_id or None, points_per_card=points,
                          card_count=count, yuan_per_point=rate,
                          total_yuan=money(points * rate) * count, reason=reason,
                          state="pending", requested_by_id=getattr(user, "id", None),
                          requested_at=utcnow())
        db.session.add(batch)
        db.session.flush()
        lines = CardTopUpLine.__table__
        ids = db.session.scalars(insert(lines).from_select(
            ["topup_id", "card_id"],
            select(literal(batch.id), chosen.c.card_id).order_by(chosen.c.card_id))
            .returning(lines.c.id)).all()
        if audit is not None:
            audit(CardTopUpLine, ids, user)
        if not needs_approval(batch.total_yuan):
            post_batch(batch, user, audit)
    return batch


def approve_top_up(batch: CardTopUp, user, audit=None) -> CardTopUp:
    """Approve a waiting batch and post it; the approver is not who asked for it."""
    require(user, "cardtopup", "A", _("Only a centre manager or an administrator can "
                                      "approve a top-up."))
    batch = _locked(batch)
    if batch.state != "pending":
        raise DomainError(_("Top-up %(no)s is not awaiting approval.", no=batch.number))
    if batch.requested_by_id == getattr(user, "id", None):
        raise DomainError(_("Whoever asked for a top-up cannot approve it; another manager "
                            "must."))
    with db.session.begin_nested():
        batch.approved_by_id, batch.decided_at = user.id, utcnow()
        db.session.flush()
        post_batch(batch, user, audit)
    return batch


def reject_top_up(batch: CardTopUp, user, reason: str) -> CardTopUp:
    """Turn down a waiting batch with a reason; nothing was posted, nothing moves."""
    require(user, "cardtopup", "A", _("Only a centre manager or an administrator can "
                                      "approve a top-up."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for rejecting."))
    batch = _locked(batch)
    if batch.state != "pending":
        raise DomainError(_("Top-up %(no)s is not awaiting approval.", no=batch.number))
    batch.state, batch.decision_note, batch.decided_at = "rejected", reason, utcnow()
    db.session.flush()
    return batch


def post_batch(batch: CardTopUp, user, audit=None) -> None:
    """Post ``batch``: one fund entry out, then each card's points and entry, or nothing."""
    lines = select(CardTopUpLine.card_id).where(CardTopUpLine.topup_id == batch.id)
    # Plain joins, not NOT IN: the planner serves them by hash joins at any size.
    unusable = db.session.scalars(
        select(LoveCard.card_no).join(CardTopUpLine, CardTopUpLine.card_id == LoveCard.id)
        .join(Worker, Worker.id == LoveCard.worker_id)
        .where(CardTopUpLine.topup_id == batch.id,
               (LoveCard.status != "active") | (Worker.status != "active"))
        .order_by(LoveCard.card_no).limit(5)).all()
    if unusable:
        raise DomainError(_("Cards %(nos)s are no longer active cards of workers on file; "
                            "nothing was topped up.", nos="、".join(unusable)))
    try:
        with db.session.begin_nested():
            entry = post_entry(batch.fund_id, "card_topup", -batch.total_yuan, user,
                               document=batch.number, reason=batch.reason[:200])
    except DomainError:
        raise _shortfall(batch) from None
    points = money(batch.points_per_card)
    moved = db.session.execute(
        update(LoveCard).where(LoveCard.id.in_(lines), LoveCard.status == "active")
        .values(balance=func.round(LoveCard.balance + points, 2))
        .execution_options(synchronize_session=False)).rowcount
    if moved != batch.card_count:  # a card closed meanwhile (its row was not locked yet)
        raise DomainError(_("A card of top-up %(no)s was closed meanwhile; nothing was "
                            "topped up.", no=batch.number))
    after = _last_id(CardEntry)
    table = CardEntry.__table__
    user_id = getattr(user, "id", None)
    ids = db.session.scalars(insert(table).from_select(
        ["card_id", "kind", "points", "balance_after", "at", "user_id", "document", "reason"],
        select(LoveCard.id, literal("topup"), literal(points, table.c.points.type),
               LoveCard.balance, literal(utcnow(), table.c.at.type),
               literal(user_id) if user_id else null(), literal(batch.number),
               literal(batch.reason[:200])).where(LoveCard.id.in_(lines)).order_by(LoveCard.id))
        .returning(table.c.id)).all()
    # UPDATE … FROM (a join), not a subquery per line: 20,000 lines in one hash join.
    db.session.execute(
        update(CardTopUpLine).where(CardTopUpLine.topup_id == batch.id,
                                    CardEntry.card_id == CardTopUpLine.card_id,
                                    CardEntry.kind == "topup", CardEntry.id > after,
                                    CardEntry.document == batch.number)
        .values(entry_id=CardEntry.id).execution_options(synchronize_session=False))
    batch.state, batch.fund_entry_id = "posted", entry.id
    db.session.flush()
    if audit is not None:
        audit(CardEntry, ids, user)
    forget_balances()


def _shortfall(batch: CardTopUp) -> DomainError:
    """Return the refusal of a batch its fund cannot cover, naming the shortfall in yuan."""
    fund = db.session.get(Fund, batch.fund_id)
    db.session.refresh(fund, ["balance", "active"])
    if not fund.active:
        return DomainError(_("The fund does not exist or is no longer in use."))
    return DomainError(_(
        "Fund %(fund)s has %(balance)s yuan: %(short)s yuan short of the %(amount)s yuan of "
        "top-up %(no)s. Nothing was topped up.", fund=fund.name,
        balance=f"{Decimal(fund.balance):,.2f}",
        short=f"{batch.total_yuan - Decimal(fund.balance):,.2f}",
        amount=f"{batch.total_yuan:,.2f}", no=batch.number))


def forget_balances() -> None:
    """Expire the cards' cached balances and entries the session holds: bulk statements
    changed them behind its back."""
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, LoveCard):
            db.session.expire(obj, ["balance", "entries"])
        elif isinstance(obj, CardTopUp):
            db.session.expire(obj, ["lines"])


def _locked(batch: CardTopUp) -> CardTopUp:
    """Reload ``batch`` under a row lock (PostgreSQL): two managers deciding queue here."""
    return db.session.scalars(select(CardTopUp).where(CardTopUp.id == batch.id)
                              .with_for_update().execution_options(populate_existing=True)
                              ).one()


def _last_id(model) -> int:
    return db.session.scalar(select(func.coalesce(func.max(model.id), 0)))


def line_of(entry: CardEntry) -> CardTopUpLine | None:
    """Return the batch line whose posting wrote card entry ``entry`` (None: an entry from
    before top-ups were paid from funds)."""
    return db.session.scalar(select(CardTopUpLine).where(CardTopUpLine.entry_id == entry.id))
