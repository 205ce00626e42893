"""Reversing love-card top-ups paid from a fund: the points come off, the yuan go back.

One card's top-up (``models.lovecard_rules.reverse_top_up``) or a whole batch: the card
entries are reversed AND the fund gets its value back (``card_topup_reversal``, +) in
the same savepoint, so neither happens alone. A card entry is reversed at most once
(the unique ``reverses_id``), which keeps the fund from being refunded twice. Points
already redeemed are not clawed back into debt: such a card refuses the whole reversal.
Lock order as in posting: the fund's row first, then the cards'.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, insert, literal, null, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from models.base import DomainError, db, utcnow
from models.card_topup import CardTopUp, CardTopUpLine
from models.card_topup_rules import _locked, forget_balances, line_of
from models.funds import Fund, FundEntry
from models.ledger import money, post_entry
from models.lovecard import CardEntry, LoveCard
from models.permissions import require


def card_value(batch: CardTopUp) -> object:
    """Return the yuan one card of ``batch`` cost."""
    return money(batch.points_per_card * batch.yuan_per_point)


def check_fund_takes_back(batch: CardTopUp) -> None:
    """Refuse when the batch's fund is closed: its money would have nowhere to return."""
    fund = db.session.get(Fund, batch.fund_id)
    if fund is None or not fund.active:
        raise DomainError(_("Fund %(fund)s is no longer in use, so the top-up's value cannot "
                            "return to it; reopen the fund first.",
                            fund=fund.name if fund else "—"))


def refund_card(entry: CardEntry, user, reason: str) -> FundEntry | None:
    """Give the fund back one card's top-up value (None: a top-up from before funds)."""
    line = line_of(entry)
    if line is None:
        return None
    batch = line.topup
    return post_entry(batch.fund_id, "card_topup_reversal", card_value(batch), user,
                      document=batch.number, reason=reason[:200])


def _open_entries(batch: CardTopUp):
    """Return the SELECT of the batch's card entries no entry reverses yet (an anti-join)."""
    undone = aliased(CardEntry)
    return (select(CardEntry.id).join(CardTopUpLine, CardTopUpLine.entry_id == CardEntry.id)
            .outerjoin(undone, undone.reverses_id == CardEntry.id)
            .where(CardTopUpLine.topup_id == batch.id, undone.id.is_(None)))


def unreversed_entries(batch: CardTopUp) -> list[CardEntry]:
    """Return the batch's card entries that no entry reverses yet, in card order."""
    return list(db.session.scalars(select(CardEntry).where(
        CardEntry.id.in_(_open_entries(batch))).order_by(CardEntry.card_id)))


def open_count(batch: CardTopUp) -> int:
    """Return how many of the batch's cards are not reversed yet."""
    return db.session.scalar(select(func.count()).select_from(_open_entries(batch).subquery()))


def reverse_batch(batch: CardTopUp, user, reason: str, audit=None) -> FundEntry:
    """Undo a posted batch: reverse every card entry not yet reversed and return their
    value to the fund as one entry; everything or nothing.

    Set-wise for the cards that still hold their points themselves; a lost card's
    points moved to its successor, so those few are reversed one by one.
    """
    require(user, "cardtopup", "A", _("Only a centre manager or an administrator can "
                                      "reverse a top-up."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for the reversal."))
    batch = _locked(batch)
    if batch.state != "posted":
        raise DomainError(_("Only a posted top-up can be reversed; %(no)s is not.",
                            no=batch.number))
    check_fund_takes_back(batch)
    count = open_count(batch)
    if not count:
        raise DomainError(_("Every card of top-up %(no)s is reversed already.",
                            no=batch.number))
    try:
        with db.session.begin_nested():
            back = post_entry(batch.fund_id, "card_topup_reversal", card_value(batch) * count,
                              user, document=batch.number, reason=reason[:200])
            _reverse_lost_cards(batch, user, reason)  # by the rule: the flush audits them
            ids = _reverse_held_cards(batch, user, reason)
            batch.state = "reversed"
            db.session.flush()
            if audit is not None:
                audit(CardEntry, ids, user)
    except IntegrityError:  # someone reversed one of its cards at the same moment
        raise DomainError(_("A card of top-up %(no)s was reversed meanwhile; try again.",
                            no=batch.number)) from None
    forget_balances()
    return back


def _spent(batch: CardTopUp, card: LoveCard, left, points) -> DomainError:
    """Return the refusal naming a card whose points were redeemed."""
    return DomainError(_(
        "Card %(no)s has only %(left)s points left, fewer than the %(points)s of this "
        "top-up: the points have been redeemed, so top-up %(batch)s cannot be reversed; "
        "reverse the other cards one by one.", no=card.card_no, left=f"{left:,.2f}",
        points=f"{points:,.2f}", batch=batch.number))


def _reverse_lost_cards(batch: CardTopUp, user, reason: str) -> None:
    """Reverse, one by one, the open entries of cards reported lost since."""
    from models.lovecard_rules import holding_card, post_points

    for entry in db.session.scalars(
            select(CardEntry).join(LoveCard, LoveCard.id == CardEntry.card_id)
            .where(CardEntry.id.in_(_open_entries(batch)), LoveCard.status == "lost")):
        card = holding_card(entry.card)
        try:
            post_points(card, -entry.points, "topup_reversal", user, batch.number,
                        reason[:200], require_active=False, reverses_id=entry.id)
        except DomainError:
            left = db.session.scalar(select(LoveCard.balance).where(LoveCard.id == card.id))
            raise _spent(batch, card, left, entry.points) from None
    db.session.flush()


def _reverse_held_cards(batch: CardTopUp, user, reason: str) -> list[int]:
    """Reverse the other open entries set-wise: one guarded UPDATE of the cards, one
    INSERT … SELECT of the reversing entries; return the new entries' ids."""
    points = money(batch.points_per_card)
    held = (select(CardEntry.card_id).join(LoveCard, LoveCard.id == CardEntry.card_id)
            .where(CardEntry.id.in_(_open_entries(batch)), LoveCard.status != "lost"))
    wanted = db.session.scalar(select(func.count()).select_from(held.subquery()))
    if not wanted:
        return []
    left = func.round(LoveCard.balance - points, 2)
    short = db.session.execute(select(LoveCard, LoveCard.balance).where(
        LoveCard.id.in_(held), left < 0).order_by(LoveCard.card_no).limit(1)).first()
    if short is not None:
        raise _spent(batch, short[0], short[1], points)
    moved = db.session.execute(
        update(LoveCard).where(LoveCard.id.in_(held), left >= 0).values(balance=left)
        .execution_options(synchronize_session=False)).rowcount
    if moved != wanted:  # points spent at the counter meanwhile
        raise DomainError(_("A card of top-up %(no)s was used meanwhile; try again.",
                            no=batch.number))
    table, user_id = CardEntry.__table__, getattr(user, "id", None)
    return db.session.scalars(insert(table).from_select(
        ["card_id", "kind", "points", "balance_after", "at", "user_id", "document", "reason",
         "reverses_id"],
        select(LoveCard.id, literal("topup_reversal"), literal(-points, table.c.points.type),
               LoveCard.balance, literal(utcnow(), table.c.at.type),
               literal(user_id) if user_id else null(), literal(batch.number),
               literal(reason[:200]), CardEntry.id)
        .join(LoveCard, LoveCard.id == CardEntry.card_id)
        .where(CardEntry.id.in_(_open_entries(batch)), LoveCard.status != "lost")
        .order_by(LoveCard.id)).returning(table.c.id)).all()
