"""The counter: find a card holder and goods, redeem points for goods, void a redemption."""
from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import case, or_, select
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm.attributes import set_committed_value

from models.base import DomainError, db, today, utcnow
from models.choices import CARD_STATUSES
from models.inventory import Item, StockMovement
from models.inventory_rules import _reverse, stock_out
from models.ledger import money
from models.lovecard import CardEntry, LoveCard
from models.lovecard_rules import check_holder, post_points
from models.numbering import NUMBER, document_no
from models.permissions import masked_number_pattern
from models.redemption import Redemption, RedemptionLine
from models.redemption_write import (
    check_units,
    numbered_writes,
    one_statement,
    take_ids,
    write_numbered,
)
from models.unit_scope import scope, unit_of
from models.worker import Worker

ID_TAIL = re.compile(r"\d{3,17}[\dXx]")   # the last 4 to 18 characters of an ID number
LETTERS = re.compile(r"[A-Za-z]+")

CONSTRAINT_MESSAGES = {
    "uq_redemption_token": lambda: _("This redemption was already recorded."),
    "on_hand_not_negative": lambda: _("Not enough stock."),
    "balance_not_negative": lambda: _("Not enough points on the card."),
}


def find_holders(text: str, limit: int = 10, masked: bool = False) -> list[LoveCard]:
    """Find cards by card no. (any status), else active cards by the holder's name, pinyin
    initials or the last digits of the ID number. Each way is one indexed query or a scan
    of the (few) active cards.

    ``masked``: the user sees ID numbers masked, so only the last 4 of the digits typed
    are compared (``masked_number_pattern``): the others would answer guesses of hidden
    digits.
    """
    text = (text or "").strip()
    if not text:
        return []
    query = scope(select(LoveCard).join(Worker, Worker.id == LoveCard.worker_id)
                  .options(contains_eager(LoveCard.worker)), LoveCard)
    upper = text.upper()
    exact = db.session.scalars(query.where(LoveCard.card_no.in_((upper, "AX" + upper)))).all()
    if exact:
        return list(exact)
    if ID_TAIL.fullmatch(text):
        condition = Worker.id_number.like(masked_number_pattern(upper) if masked
                                          else "%" + upper)
    elif LETTERS.fullmatch(text):
        condition = LoveCard.initials.like(text.lower() + "%")
    else:
        condition = Worker.name.contains(text, autoescape=True)
    return list(db.session.scalars(query.where(LoveCard.status == "active", condition)
                                   .order_by(Worker.name, LoveCard.id).limit(limit)))


def find_items(text: str, limit: int = 12) -> list[Item]:
    """Find items on offer by exact barcode, else by pinyin initials or part of the name.

    Initials match anywhere in the name (纯牛奶 by "nn"), names they begin first: the
    goods on offer are a few hundred, so the scan costs nothing.
    """
    text = (text or "").strip()
    if not text:
        return []
    offered = select(Item).where(Item.active.is_(True))
    by_code = db.session.scalar(offered.where(Item.barcode == text))
    if by_code is not None:
        return [by_code]
    condition, first = Item.name.contains(text, autoescape=True), Item.name.startswith(
        text, autoescape=True)
    if LETTERS.fullmatch(text):
        condition = or_(condition, Item.initials.contains(text.lower(), autoescape=True))
        first = or_(first, Item.initials.startswith(text.lower(), autoescape=True))
    return list(db.session.scalars(offered.where(condition)
                                   .order_by(case((first, 0), else_=1), Item.name)
                                   .limit(limit)))


def check_card(card: LoveCard | None) -> None:
    """Refuse a card that cannot be used at the counter, saying why."""
    if card is None:
        raise DomainError(_("Find the worker's love card first."))
    if card.status != "active":
        raise DomainError(_("Card %(no)s is %(status)s; only an active card can be used.",
                            no=card.card_no, status=CARD_STATUSES[card.status]))
    if card.valid_until < today():
        raise DomainError(_("Card %(no)s expired on %(date)s; extend its validity first (the "
                            "points carry over).", no=card.card_no,
                            date=card.valid_until.isoformat()))
    check_holder(card.worker)


def _wanted(lines) -> dict[int, int]:
    wanted: dict[int, int] = {}
    for item_id, quantity in lines:
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
            raise DomainError(_("Quantities are whole numbers above zero."))
        wanted[int(item_id)] = wanted.get(int(item_id), 0) + quantity
    if not wanted:
        raise DomainError(_("Add at least one item."))
    return wanted


def price(lines) -> tuple[dict[int, Item], Decimal]:
    """Return the items of ``(item id, quantity)`` lines and their total in points."""
    wanted = _wanted(lines)
    items = {i.id: i for i in db.session.scalars(select(Item).where(Item.id.in_(wanted)))}
    for item_id in wanted:
        item = items.get(item_id)
        if item is None or not item.active:
            raise DomainError(_("%(name)s is not offered any more.",
                                name=item.name if item else f"#{item_id}"))
    total = money(sum((items[i].points_price * q for i, q in wanted.items()), Decimal("0")))
    return items, total


def redeem(card: LoveCard | None, lines, user, expected_total=None,
           token: str | None = None, audit=None) -> Redemption:
    """Exchange a card's points for goods: points and stock move together or not at all.

    ``lines`` are ``(item id, quantity)`` pairs. The card's points go first (its row
    lock), then each item's stock in item order: every redemption takes its locks in
    this order, so counters racing for the last units queue instead of deadlocking, and
    the guards let exactly the stock there is go out. The number comes last: on
    PostgreSQL the statement that takes it writes the rows that carry it
    (``models.redemption_write``), so the shared number row is held for that statement
    and the caller's COMMIT; SQLite writes one transaction at a time anyway. That needs
    ``audit`` (``portal.audit``, to word the audit rows the flush hook would write);
    without it the ORM writes the rows, the number taken before them.
    """
    lines = list(lines)
    check_card(card)
    items, total = price(lines)
    wanted = _wanted(lines)
    if total <= 0:
        raise DomainError(_("These goods have no points price; hand them out instead."))
    if expected_total is not None and money(expected_total) != total:
        raise DomainError(_("Prices changed while you were serving: the total is now "
                            "%(total)s points. Check it and confirm again.",
                            total=f"{total:,.2f}"))
    in_one = one_statement(audit)
    ids, used = {}, False
    if in_one:  # everything that reads or draws, before the first row lock
        check_units(card, items.values())
        ids, used = take_ids({Redemption: 1, RedemptionLine: len(wanted), CardEntry: 1,
                              StockMovement: len(wanted)}, token or None)
    elif token:
        used = db.session.scalar(select(Redemption.id).where(Redemption.token == token))
    if used:
        raise DomainError(_("This redemption was already recorded."))
    redemption = Redemption(id=ids.pop(Redemption, [None])[0], card=card, card_id=card.id,
                            worker_id=card.worker_id, points=total, clerk_id=user.id,
                            token=token or None, at=utcnow(), unit_id=unit_of(card))
    line_ids = iter(ids.pop(RedemptionLine, ()))
    redemption.lines = [RedemptionLine(id=next(line_ids, None), redemption_id=redemption.id,
                                       item=items[i], item_id=i, quantity=q,
                                       unit_points=items[i].points_price,
                                       points=money(items[i].points_price * q))
                        for i, q in sorted(wanted.items())]
    links = {"redemption_id": redemption.id} if in_one else {"redemption": redemption}
    if in_one:  # the writes that need no lock, made before the first
        redemption.number = NUMBER
        ready = numbered_writes([redemption, *redemption.lines], audit)
    goods = "、".join(f"{items[i].name}×{q}" for i, q in sorted(wanted.items()))
    holder = card.worker.name
    with db.session.begin_nested(), db.session.no_autoflush:
        if not in_one:
            db.session.add(redemption)
        rows = [post_points(card, -total, "redemption", user, reason=goods[:200], **links)]
        set_committed_value(card, "balance", rows[0].balance_after)  # as its UPDATE left it
        for item_id, quantity in sorted(wanted.items()):
            rows += stock_out(items[item_id], quantity, "redemption_out", user, note=holder,
                              **links)
        if in_one:  # written below, by the statement that takes the number
            for row in rows:
                db.session.expunge(row)
        else:
            redemption.number = document_no("DH", today().year)
            for row in rows:
                row.document = redemption.number
            db.session.flush()
    if in_one:
        write_numbered(redemption, rows, "DH", today().year, ids, audit, ready)
    return redemption


def refund_card(redemption: Redemption) -> LoveCard:
    """Return the card a voided redemption's points go back to: a lost card's successor."""
    card = redemption.card
    while card.status == "lost" and card.replaced_by is not None:
        card = card.replaced_by
    return card


def may_void(redemption: Redemption) -> bool:
    """Tell whether ``redemption`` still stands, so that it may be voided."""
    return redemption.state == "done"


def void_redemption(redemption: Redemption, user, reason: str) -> None:
    """Put the goods back into their lots and the points back on the card."""
    if not may_void(redemption):
        raise DomainError(_("Redemption %(no)s is already voided.", no=redemption.number))
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for voiding."))
    with db.session.begin_nested():
        redemption.state, redemption.voided_by_id = "voided", user.id
        redemption.voided_at, redemption.void_reason = utcnow(), reason.strip()
        db.session.flush()  # the version check: voiding twice at once refunds once
        post_points(refund_card(redemption), redemption.points, "refund", user,
                    redemption.number, reason.strip(), require_active=False,
                    redemption_id=redemption.id)
        movements = db.session.scalars(select(StockMovement).where(
            StockMovement.redemption_id == redemption.id,
            StockMovement.reason == "redemption_out")
            .order_by(StockMovement.item_id, StockMovement.id)).all()
        for movement in movements:
            _reverse(movement, user, reason.strip(), redemption_id=redemption.id)
        db.session.flush()
