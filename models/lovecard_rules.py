"""Love cards: issued to workers on file; points move only through the card ledger."""
from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, bindparam, func, inspect, select, update
from sqlalchemy.exc import IntegrityError

from models.base import DomainError, db, today, utcnow
from models.choices import CARD_ENTRY_KINDS, CARD_STATUSES, WORKER_STATUSES
from models.guards import Guards, ids_used_by, unless
from models.ledger import money
from models.lovecard import POINTS, CardEntry, LoveCard, end_of_next_year
from models.numbering import next_number
from models.pinyin import initials
from models.redemption import Redemption
from models.worker import Worker

MAX_TOP_UP = Decimal("10000")

# Constraint names as PostgreSQL reports them, and the columns SQLite names instead.
CONSTRAINT_MESSAGES = {
    "uq_love_card_one_active": lambda: _("This worker already holds an active card."),
    "love_card.worker_id": lambda: _("This worker already holds an active card."),
    "uq_love_card_card_no": lambda: _("This card number is already used."),
    "love_card.card_no": lambda: _("This card number is already used."),
    "balance_not_negative": lambda: _("A card's points cannot go below zero."),
    "uq_card_entry_reverses_id": lambda: _("This entry has already been reversed."),
    "card_entry.reverses_id": lambda: _("This entry has already been reversed."),
}


def check_holder(worker: Worker | None) -> None:
    """Refuse a worker who is not on file (active): cards and points are for them only."""
    if worker is None:
        raise DomainError(_("Choose the worker."))
    if worker.status != "active":
        raise DomainError(_("%(name)s is not on file (file status: %(status)s); love cards "
                            "serve workers on file only.", name=worker.name,
                            status=WORKER_STATUSES.get(worker.status, worker.status)))


def active_card_of(worker_id: int) -> LoveCard | None:
    return db.session.scalar(select(LoveCard).where(LoveCard.worker_id == worker_id,
                                                    LoveCard.status == "active"))


def new_card_no() -> str:
    """Return a new card number like AX202600012 (digits after AX: year and sequence)."""
    year = today().year
    return f"AX{year}{next_number('AX', year):05d}"


def issue_card(worker: Worker, user, valid_until: dt.date | None = None,
               card_no: str | None = None, notes: str = "") -> LoveCard:
    """Issue a card to a worker on file who holds no active card."""
    check_holder(worker)
    held = active_card_of(worker.id)
    if held is not None:
        raise DomainError(_("%(name)s already holds active card %(no)s.", name=worker.name,
                            no=held.card_no))
    valid_until = valid_until or end_of_next_year()
    if valid_until < today():
        raise DomainError(_("The card would be expired already; choose a later date."))
    card_no = (card_no or "").strip().upper() or new_card_no()
    if db.session.scalar(select(LoveCard.id).where(LoveCard.card_no == card_no)):
        raise DomainError(_("Card number %(no)s is already used.", no=card_no))
    card = LoveCard(card_no=card_no, worker=worker, valid_until=valid_until,
                    issued_on=today(), issued_by_id=getattr(user, "id", None),
                    notes=notes or "", balance=Decimal("0"))
    db.session.add(card)
    db.session.flush()
    return card


@functools.cache
def _points_statement(require_active: bool):
    """Return the guarded UPDATE adding ``:points`` to card ``:card_id`` (only an active
    one if ``require_active``), built once; it returns the balance after."""
    table = LoveCard.__table__
    # Rounded in SQL: SQLite keeps NUMERIC as a float, which could refuse the last cent.
    after = func.round(table.c.balance + bindparam("points", type_=POINTS), 2)
    conditions = [table.c.id == bindparam("card_id", type_=Integer), after >= 0]
    if require_active:
        conditions.append(table.c.status == "active")
    return update(table).where(*conditions).values(balance=after).returning(table.c.balance)


def post_points(card: LoveCard, points, kind: str, user, document: str = "",
                reason: str = "", require_active: bool = True, **links) -> CardEntry:
    """Move ``points`` (+/−) on a card and write its ledger row. One guarded UPDATE: two
    counters spending the last points queue on the card's row, the second finds too few."""
    points = money(points)
    if points == 0:
        raise DomainError(_("The points cannot be zero."))
    balance = db.session.execute(_points_statement(require_active), {
        "card_id": card.id, "points": points}).scalar_one_or_none()
    if balance is None:
        status, now = db.session.execute(select(LoveCard.status, LoveCard.balance)
                                         .where(LoveCard.id == card.id)).one()
        if require_active and status != "active":
            raise DomainError(_("Card %(no)s is %(status)s; only an active card can be used.",
                                no=card.card_no, status=CARD_STATUSES[status]))
        raise DomainError(_("Card %(no)s has %(balance)s points, not enough for %(points)s.",
                            no=card.card_no, balance=f"{now:,.2f}", points=f"{-points:,.2f}"))
    db.session.expire(card, ["balance"])
    entry = CardEntry(card_id=card.id, kind=kind, points=points, balance_after=balance,
                      user_id=getattr(user, "id", None), document=document, reason=reason,
                      at=utcnow(), **links)
    db.session.add(entry)
    return entry


def card_unused(card: LoveCard) -> bool:
    """Tell whether ``card`` has no points history and no redemptions (may be deleted)."""
    return not cards_in_use([card])


def cards_in_use(cards) -> set:
    """Return the ids of ``cards`` that have points history or redemptions."""
    return ids_used_by(CardEntry.card_id, cards) | ids_used_by(Redemption.card_id, cards)


GUARDS = Guards(delete=unless(card_unused, _l(
    "A card with points history stays on record; cancel it instead.")),
    deletes_refused=cards_in_use)


def parse_points(value) -> Decimal:
    """Return typed-in points as a two-decimal amount, or refuse what is not a number."""
    try:
        points = money(value or 0)
    except (ArithmeticError, TypeError, ValueError):
        raise DomainError(_("Enter the points as a number.")) from None
    if not points.is_finite():
        raise DomainError(_("Enter the points as a number."))
    return points


def top_up(card: LoveCard, points, user, reason: str, fund=None, campaign_id=None,
           audit=None) -> CardEntry | None:
    """Credit points to an active card of a worker on file, paid from ``fund`` (a fund or
    its id): a top-up batch of one (``models.card_topup_rules``). Return the card entry,
    or None while the batch waits for a manager's approval."""
    from models.card_topup_rules import request_top_up

    points = parse_points(points)
    check_holder(card.worker)
    if card.status != "active":
        raise DomainError(_("Card %(no)s is %(status)s; only an active card can be used.",
                            no=card.card_no, status=CARD_STATUSES[card.status]))
    batch = request_top_up(fund, select(LoveCard.id).where(LoveCard.id == card.id), points,
                           user, reason, campaign_id, audit)
    if batch.state != "posted":
        return None
    return db.session.scalar(select(CardEntry).where(CardEntry.card_id == card.id,
                                                     CardEntry.document == batch.number))


def find_reversal(entry: CardEntry) -> int | None:
    """Return the id of the entry that reversed ``entry``, if any."""
    return db.session.scalar(select(CardEntry.id).where(CardEntry.reverses_id == entry.id))


def already_reversed(entry: CardEntry) -> DomainError:
    """Return the refusal for a top-up that was reversed before."""
    return DomainError(_("Top-up #%(id)d of %(points)s points on card %(no)s has already been "
                         "reversed.", id=entry.id, points=f"{entry.points:,.2f}",
                         no=entry.card.card_no))


def holding_card(card: LoveCard) -> LoveCard:
    """Return the card that holds ``card``'s points now: a lost card's go to its successor."""
    for _hop in range(50):  # a chain of replacements never loops; the bound is a safeguard
        if card.status != "lost" or card.replaced_by is None:
            break
        card = card.replaced_by
    return card


def reverse_top_up(entry: CardEntry, user, reason: str) -> CardEntry:
    """Undo a mistaken top-up with a reversing entry of the same points, at most once;
    the fund it was paid from gets its value back in the same savepoint.

    The points come off through the guarded UPDATE, so they must still be there: points
    already redeemed are not clawed back into debt. A cancelled card is corrected too (a
    correction, not a use: its frozen points were never due). A lost card's points moved
    to its replacement, so they are taken back from the card that holds them now.
    """
    if entry.kind == "topup_reversal":
        raise DomainError(_("A reversing entry cannot itself be reversed."))
    if entry.kind == "redemption":
        raise DomainError(_("Redeemed points come back by voiding the redemption."))
    if entry.kind != "topup":
        raise DomainError(_("Only a top-up can be reversed; entry #%(id)d is “%(kind)s”.",
                            id=entry.id, kind=CARD_ENTRY_KINDS[entry.kind]))
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for the reversal."))
    if find_reversal(entry):
        raise already_reversed(entry)
    from models.card_topup_reversal import check_fund_takes_back, refund_card
    from models.card_topup_rules import line_of

    line = line_of(entry)
    if line is not None:
        check_fund_takes_back(line.topup)
    card = holding_card(entry.card)
    try:
        with db.session.begin_nested():
            # The fund's row first, then the card's: the lock order of posting.
            refund_card(entry, user, reason.strip())
            reversal = post_points(card, -entry.points, "topup_reversal", user,
                                   entry.document, reason.strip(), require_active=False,
                                   reverses_id=entry.id)
            db.session.flush()
    except IntegrityError:  # a reversal by someone else won the unique index
        raise already_reversed(entry) from None
    except DomainError:
        # Not enough points: a reversal committed meanwhile, or the points were spent.
        if db.session.scalar(select(CardEntry.id).where(CardEntry.reverses_id == entry.id)):
            raise already_reversed(entry) from None
        left = db.session.scalar(select(LoveCard.balance).where(LoveCard.id == card.id))
        raise DomainError(_("Card %(no)s has only %(left)s points left, fewer than the "
                            "%(points)s of this top-up: the points have been redeemed, so "
                            "the top-up cannot be reversed.", no=card.card_no,
                            left=f"{left:,.2f}", points=f"{entry.points:,.2f}")) from None
    return reversal


def _lock(card: LoveCard) -> LoveCard:
    """Reload the card under a row lock (PostgreSQL), for moves that read its balance."""
    return db.session.scalars(select(LoveCard).where(LoveCard.id == card.id)
                              .with_for_update().execution_options(populate_existing=True)
                              ).one()


def replace_lost_card(card: LoveCard, user, reason: str, card_no: str | None = None) -> LoveCard:
    """Mark a card lost and issue its replacement, moving the whole balance onto it."""
    if not (reason or "").strip():
        raise DomainError(_("Give the reason, e.g. where and when the card was lost."))
    card = _lock(card)
    if card.status != "active":
        raise DomainError(_("Only an active card can be reported lost."))
    check_holder(card.worker)
    new_no = (card_no or "").strip().upper() or new_card_no()
    if db.session.scalar(select(LoveCard.id).where(LoveCard.card_no == new_no)):
        raise DomainError(_("Card number %(no)s is already used.", no=new_no))
    balance = card.balance
    if balance:
        post_points(card, -balance, "transfer_out", user, new_no, reason.strip())
    card.status, card.closed_reason = "lost", reason.strip()
    db.session.flush()  # the old card leaves the one-active-card index before the new one
    new = LoveCard(card_no=new_no, worker_id=card.worker_id, valid_until=card.valid_until,
                   issued_on=today(), issued_by_id=getattr(user, "id", None),
                   balance=Decimal("0"), notes=_("Replaces lost card %(no)s", no=card.card_no))
    db.session.add(new)
    db.session.flush()
    card.replaced_by_id = new.id
    if balance:
        post_points(new, balance, "transfer_in", user, card.card_no, reason.strip())
    db.session.flush()
    return new


def cancel_card(card: LoveCard, user, reason: str) -> None:
    """Close an active card; its points stay on it, frozen (points are never cashed)."""
    if card.status != "active":
        raise DomainError(_("Only an active card can be cancelled."))
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for cancelling."))
    card.status, card.closed_reason = "cancelled", reason.strip()
    db.session.flush()


def card_differences() -> list[tuple[str, Decimal, Decimal]]:
    """Return ``(what, shown, ledger)`` for every card whose balance is not its entries' sum."""
    sums = dict(db.session.execute(select(CardEntry.card_id, func.sum(CardEntry.points))
                                   .group_by(CardEntry.card_id)).all())
    return [(_("Card %(no)s", no=card.card_no), money(card.balance),
             money(sums.get(card.id) or 0))
            for card in db.session.scalars(select(LoveCard).order_by(LoveCard.id))
            if money(card.balance) != money(sums.get(card.id) or 0)]


def keep_holder_initials(session, flush_context, instances):
    """Keep each card's pinyin initials equal to its holder's name, so search is indexed."""
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, LoveCard):
            worker = obj.worker or (session.get(Worker, obj.worker_id) if obj.worker_id
                                    else None)
            if worker is not None:
                obj.initials = initials(worker.name, person=True)
        elif isinstance(obj, Worker) and obj.id is not None and obj in session.dirty:
            history = inspect(obj).attrs.name.history
            if history.has_changes():
                for card in session.scalars(select(LoveCard).where(
                        LoveCard.worker_id == obj.id)):
                    card.initials = initials(obj.name, person=True)
