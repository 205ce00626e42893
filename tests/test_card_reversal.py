"""Reversing a mistaken love-card top-up: a reversing entry, once, never into debt."""
from __future__ import annotations

from decimal import Decimal

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from models import AuditLog, CardEntry, LoveCard, db
from models.base import DomainError
from models.lovecard_rules import (
    cancel_card,
    card_differences,
    replace_lost_card,
    reverse_top_up,
)
from models.redemption_rules import redeem, void_redemption
from tests.conftest import _fill_base_rows, flashes, postgres_only
from tests.factories import user
from tests.factories_inventory import fund_top_up, make_card, make_item, make_redemption
from tests.races import race


def _top_up(card, points="100.00", reason="误充：应为另一名职工"):
    entry = fund_top_up(card, points, reason)
    db.session.commit()
    return entry


def _count(kind):
    return db.session.scalar(select(func.count()).select_from(CardEntry)
                             .where(CardEntry.kind == kind))


def test_reversal_restores_the_balance_exactly(ctx):
    card = make_card("33.33")
    entry = _top_up(card, "66.67")
    reversal = reverse_top_up(entry, user("clerk"), "误充")
    db.session.commit()
    assert card.balance == Decimal("33.33")
    assert (reversal.kind, reversal.points, reversal.balance_after) == (
        "topup_reversal", Decimal("-66.67"), Decimal("33.33"))
    assert reversal.reverses is entry and reversal.document == entry.document
    assert entry.document.startswith("CZ-")  # the top-up batch's number
    assert reversal.reason == "误充" and reversal.user.username == "clerk"
    assert card_differences() == []
    # To the cent, in any order: SQLite's float arithmetic must not refuse the last cent.
    cents = make_card("0.10")
    entries = [cents.entries[0]] + [fund_top_up(cents, p, "补发")
                                    for p in ("0.20", "0.70", "33.33", "0.01")]
    db.session.commit()
    for entry in (entries[1], entries[3], entries[0], entries[4], entries[2]):
        reverse_top_up(entry, user("clerk"), "误充")
        db.session.commit()
    assert cents.balance == Decimal("0.00") and card_differences() == []


def test_a_top_up_is_reversed_at_most_once(ctx):
    card = make_card("50")
    entry = _top_up(card)
    reverse_top_up(entry, user("clerk"), "误充")
    db.session.commit()
    with pytest.raises(DomainError, match=f"(?=.*#{entry.id}\\b)(?=.*{card.card_no})"):
        reverse_top_up(entry, user("admin"), "再冲一次")
    db.session.rollback()
    # The unique index backs the rule.
    db.session.add(CardEntry(card_id=card.id, kind="topup_reversal", points=Decimal("-1"),
                             balance_after=Decimal("0"), reverses_id=entry.id))
    with pytest.raises(IntegrityError, match="reverses_id"):
        db.session.flush()
    db.session.rollback()
    assert card.balance == Decimal("50.00") and _count("topup_reversal") == 1


def test_only_top_ups_are_reversed(ctx):
    redemption = make_redemption()
    card = redemption.card
    redeemed = db.session.scalar(select(CardEntry).where(CardEntry.kind == "redemption"))
    with pytest.raises(DomainError, match="作废|voiding"):
        reverse_top_up(redeemed, user("clerk"), "误操作")
    void_redemption(redemption, user("clerk"), "顾客退货")
    db.session.commit()
    refund = db.session.scalar(select(CardEntry).where(CardEntry.kind == "refund"))
    with pytest.raises(DomainError, match=f"#{refund.id}"):
        reverse_top_up(refund, user("clerk"), "误操作")
    reversal = reverse_top_up(card.entries[0], user("clerk"), "误充")
    db.session.commit()
    with pytest.raises(DomainError, match="冲正记录本身不能再冲正"):
        reverse_top_up(reversal, user("clerk"), "误操作")
    # A database CHECK refuses a reversal that names no top-up.
    db.session.add(CardEntry(card_id=card.id, kind="topup_reversal", points=Decimal("-1"),
                             balance_after=Decimal("0")))
    with pytest.raises(IntegrityError, match="reverses"):
        db.session.flush()
    db.session.rollback()


def test_spent_points_are_not_reversed(ctx):
    card = make_card("100")
    item = make_item(stock=5, price="30.00")
    redeem(card, [(item.id, 3)], user("clerk"))
    db.session.commit()
    with pytest.raises(DomainError, match=f"{card.card_no}.*10.00.*100.00"):
        reverse_top_up(card.entries[0], user("clerk"), "误充")
    db.session.rollback()
    assert card.balance == Decimal("10.00") and _count("topup_reversal") == 0


def test_the_reason_is_required(ctx):
    card = make_card("100")
    with pytest.raises(DomainError, match="请填写冲正理由"):
        reverse_top_up(card.entries[0], user("clerk"), "  ")
    assert card.balance == Decimal("100.00") and _count("topup_reversal") == 0


def test_cancelled_and_lost_cards_are_corrected(ctx):
    cancelled = make_card("80")
    cancel_card(cancelled, user("clerk"), "注销")
    db.session.commit()
    reverse_top_up(cancelled.entries[0], user("clerk"), "误充")
    db.session.commit()
    assert cancelled.balance == Decimal("0.00")
    lost = make_card("60")
    successor = replace_lost_card(lost, user("clerk"), "丢失")
    db.session.commit()
    reversal = reverse_top_up(lost.entries[0], user("clerk"), "误充")
    db.session.commit()
    # The points moved to the replacement card, so they come back off that card.
    assert reversal.card_id == successor.id and successor.balance == Decimal("0.00")
    assert card_differences() == []


def test_the_ledger_row_is_never_updated_and_the_reversal_is_audited(ctx):
    card = make_card("100")
    entry = card.entries[0]
    reversal = reverse_top_up(entry, user("clerk"), "误充")
    db.session.commit()
    log = db.session.scalar(select(AuditLog).where(
        AuditLog.record_type == "cardentry", AuditLog.action == "create",
        AuditLog.record_id == str(reversal.id)))
    assert log.changes["reverses_id"] == [None, entry.id]
    assert log.changes["points"] == [None, "-100.00"]
    assert log.changes["balance_after"] == [None, "0.00"]
    assert log.changes["reason"] == [None, "误充"]
    assert not db.session.scalar(select(AuditLog.id).where(
        AuditLog.record_type == "cardentry", AuditLog.action == "update"))
    for statement in ("UPDATE card_entry SET reason = 'x' WHERE id = :id",
                      "DELETE FROM card_entry WHERE id = :id"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement), {"id": entry.id})
        db.session.rollback()


def test_triggers_survive_the_migration(database_config):
    """The migration rebuilds card_entry on SQLite; its append-only triggers come back."""
    from portal import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x", **database_config})
    with app.test_request_context():
        upgrade(directory=app.extensions["migrate"].directory)
        _fill_base_rows()  # the clerk who tops up, the manager who would approve
        card = make_card("20")
        reverse_top_up(card.entries[0], None, "误充")
        db.session.commit()
        assert _count("topup_reversal") == 1 and card.balance == Decimal("0.00")
        for statement in ("UPDATE card_entry SET reason = 'x'", "DELETE FROM card_entry"):
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()
        db.session.remove()
        db.engine.dispose()


def test_clerk_reverses_a_top_up_on_the_confirm_page(app, client, auth):
    with app.app_context():
        card = make_card("40")
        entry_id, card_id = _top_up(card).id, card.id
    auth.login("clerk")
    listing = client.get("/admin/cardentry/").get_data(as_text=True)
    assert f"/admin/cardentry/reverse/?id={entry_id}" in listing
    url = f"/admin/cardentry/reverse/?id={entry_id}"
    page = client.get(url).get_data(as_text=True)
    assert 'id="reverse-form"' in page and "-100.00" in page and "140.00" in page
    page = client.post(url, data={"csrf_token": auth.token(), "reason": ""},
                       follow_redirects=True).get_data(as_text=True)
    assert "请填写冲正理由" in flashes(page)
    assert client.post(url, data={"reason": "误充"}).status_code == 400  # no CSRF token
    with app.app_context():
        assert _count("topup_reversal") == 0
    response = client.post(url, data={"csrf_token": auth.token(), "reason": "误充"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(LoveCard, card_id).balance == Decimal("40.00")
        reversal_id = db.session.scalar(select(CardEntry.id).where(
            CardEntry.reverses_id == entry_id))
    listing = client.get("/admin/cardentry/").get_data(as_text=True)
    assert f"/admin/cardentry/reverse/?id={reversal_id}" not in listing  # not a top-up
    assert f"#{entry_id} +100.00" in listing  # the reversal names what it reverses
    details = client.get(f"/admin/cardentry/details/?id={reversal_id}").get_data(as_text=True)
    assert f"#{entry_id} +100.00" in details
    page = client.get(url).get_data(as_text=True)
    assert 'id="already-reversed"' in page and 'id="reverse-form"' not in page
    page = client.post(url, data={"csrf_token": auth.token(), "reason": "再冲"},
                       follow_redirects=True).get_data(as_text=True)
    assert f"#{entry_id}" in flashes(page)
    with app.app_context():
        assert _count("topup_reversal") == 1 and card_differences() == []


def test_the_loser_of_a_reversal_race_is_told_it_is_reversed(app, client, auth, monkeypatch):
    """The unique index's refusal reaches the clerk as "already reversed", not a crash."""
    with app.app_context():
        card = make_card("500")
        entry_id, card_id = _top_up(card).id, card.id
        reverse_top_up(db.session.get(CardEntry, entry_id), user("clerk"), "误充")
        db.session.commit()

    # This request read "not reversed" just before the winner committed: only the
    # unique index is left to refuse it.
    monkeypatch.setattr("models.lovecard_rules.find_reversal", lambda entry: None)
    auth.login("clerk")
    page = client.post(f"/admin/cardentry/reverse/?id={entry_id}", data={
        "csrf_token": auth.token(), "reason": "误充"}, follow_redirects=True)
    assert page.status_code == 200 and f"#{entry_id}" in flashes(page.get_data(as_text=True))
    with app.app_context():
        assert db.session.get(LoveCard, card_id).balance == Decimal("500.00")
        assert _count("topup_reversal") == 1


@pytest.mark.parametrize("role,allowed", [("admin", True), ("clerk", True),
                                          ("staff", False), ("manager", False)])
def test_only_roles_with_create_reverse(app, client, auth, role, allowed):
    with app.app_context():
        entry_id = make_card("30").entries[0].id
    auth.login(role)
    url = f"/admin/cardentry/reverse/?id={entry_id}"
    assert client.get(url).status_code == (200 if allowed else 403)
    listing = client.get("/admin/cardentry/").get_data(as_text=True)
    assert (url in listing) is allowed
    if not allowed:
        response = client.post(url, data={"csrf_token": auth.token(), "reason": "误充"})
        assert response.status_code == 403
        with app.app_context():
            assert _count("topup_reversal") == 0


# --- races on PostgreSQL -------------------------------------------------------------------
def _reversing(entry_id):
    def prepare():
        entry, clerk = db.session.get(CardEntry, entry_id), user("clerk")
        return lambda: reverse_top_up(entry, clerk, "误充")
    return prepare


@postgres_only
@pytest.mark.parametrize("other_points", ["0", "500"])
def test_one_top_up_reversed_twice_at_once_is_reversed_once(app, other_points):
    """With or without points to spare, the second reversal is refused."""
    with app.app_context():
        card = make_card(other_points)
        entry_id, card_id = _top_up(card).id, card.id
    results = race(app, [_reversing(entry_id)] * 4)
    assert results.count("done") == 1, results
    with app.app_context():
        assert db.session.get(LoveCard, card_id).balance == Decimal(other_points)
        assert _count("topup_reversal") == 1 and card_differences() == []


@postgres_only
def test_reversal_racing_a_redemption_for_the_last_points(app):
    with app.app_context():
        card = make_card("100")
        entry_id, card_id = card.entries[0].id, card.id
        item_id = make_item(stock=5, price="100.00").id

    def redeeming():
        card, clerk = db.session.get(LoveCard, card_id), user("clerk")
        return lambda: redeem(card, [(item_id, 1)], clerk)

    for _ in range(3):  # a few rounds: either side may win, never both
        results = race(app, [_reversing(entry_id), redeeming])
        assert sorted(results) == ["DomainError", "done"], results
        with app.app_context():
            balance = db.session.get(LoveCard, card_id).balance
            assert balance == Decimal("0.00") and card_differences() == []
            assert db.session.scalar(select(func.min(CardEntry.balance_after))) >= 0
            if _count("topup_reversal"):
                break
            # The redemption won: put the points back for another round.
            entry_id = fund_top_up(db.session.get(LoveCard, card_id), "100",
                                   "下一轮").id
            db.session.commit()
