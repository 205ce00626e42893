"""Love cards: workers on file only, one active card each, top-ups, lost-card transfer."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from models import CardEntry, LoveCard, db
from models.base import DomainError, today
from models.lovecard_rules import (
    cancel_card,
    card_differences,
    issue_card,
    replace_lost_card,
    top_up,
)
from models.pinyin import initials
from tests.conftest import flashes
from tests.factories import user
from tests.factories_inventory import card_fund, make_card, make_holder


@pytest.mark.parametrize("status", ["pending", "exited", "removed"])
def test_cards_only_for_workers_on_file(ctx, status):
    worker = make_holder(status="active")
    worker.status = status
    if status in ("exited", "removed"):
        worker.exit_date, worker.exit_reason = today(), "原因"
    db.session.commit()
    with pytest.raises(DomainError, match="不在档"):
        issue_card(worker, user("clerk"))
    assert db.session.scalar(select(func.count()).select_from(LoveCard)) == 0


def test_one_active_card_per_worker_by_rule_and_by_index(ctx):
    card = make_card()
    with pytest.raises(DomainError, match=f"已持有有效爱心卡 {card.card_no}"):
        issue_card(card.worker, user("clerk"))
    db.session.add(LoveCard(card_no="AX-RAW", worker_id=card.worker_id,
                            valid_until=card.valid_until))
    with pytest.raises(IntegrityError, match="uq_love_card_one_active|love_card.worker_id"):
        db.session.flush()
    db.session.rollback()


def test_card_numbers_and_defaults(ctx):
    first, second = make_card(), make_card()
    year = today().year
    assert (first.card_no, second.card_no) == (f"AX{year}00001", f"AX{year}00002")
    assert first.valid_until.isoformat() == f"{year + 1}-12-31"
    assert first.status == "active" and first.balance == Decimal("0.00")


def test_top_ups_are_ledger_entries(ctx):
    card = make_card("100")
    top_up(card, "50.50", user("clerk"), "11月爱心积分", card_fund())
    db.session.commit()
    assert card.balance == Decimal("150.50")
    assert [(e.kind, e.points, e.balance_after) for e in card.entries] == [
        ("topup", Decimal("100.00"), Decimal("100.00")),
        ("topup", Decimal("50.50"), Decimal("150.50"))]
    for points, message in (("0", "大于 0"), ("-5", "大于 0"), ("20000", "不超过 10,000")):
        with pytest.raises(DomainError, match=message):
            top_up(card, points, user("clerk"), "事由")
    with pytest.raises(DomainError, match="请填写充值事由"):
        top_up(card, "5", user("clerk"), " ")
    with pytest.raises(DomainError, match="请选择支付积分的资金"):  # points are money
        top_up(card, "5", user("clerk"), "事由")


def test_lost_card_is_replaced_and_its_balance_moves(ctx):
    """The old card is marked lost with nothing left; the new one holds every point."""
    card = make_card("180")
    old_no = card.card_no
    new = replace_lost_card(card, user("clerk"), "在公交车上丢失")
    db.session.commit()
    assert (card.status, card.balance, card.replaced_by_id) == ("lost", Decimal("0.00"), new.id)
    assert (new.status, new.balance, new.worker_id) == ("active", Decimal("180.00"),
                                                       card.worker_id)
    assert new.valid_until == card.valid_until and new.initials == card.initials
    moves = db.session.execute(select(CardEntry.card_id, CardEntry.kind, CardEntry.points,
                                      CardEntry.document)
                               .where(CardEntry.kind.in_(("transfer_out", "transfer_in")))
                               .order_by(CardEntry.id)).all()
    assert [tuple(m) for m in moves] == [
        (card.id, "transfer_out", Decimal("-180.00"), new.card_no),
        (new.id, "transfer_in", Decimal("180.00"), old_no)]
    with pytest.raises(DomainError, match="只有有效的卡才能挂失"):
        replace_lost_card(card, user("clerk"), "再次挂失")
    assert card_differences() == []


def test_cancelled_card_keeps_its_points(ctx):
    card = make_card("40")
    cancel_card(card, user("clerk"), "已脱困")
    db.session.commit()
    assert (card.status, card.balance) == ("cancelled", Decimal("40.00"))
    with pytest.raises(DomainError, match="只有有效的卡"):
        top_up(card, 10, user("clerk"), "发放")


def test_initials_follow_the_holders_name(ctx):
    card = make_card(name="单志强")
    assert card.initials == "szq"  # 单 is read shàn as a surname
    card.worker.name = "曾秀英"
    db.session.commit()
    assert db.session.get(LoveCard, card.id).initials == "zxy"
    assert initials("欧阳秀英", person=True) == "oyxy" and initials("花生油 5L") == "hsy5l"


def test_clerk_issues_tops_up_and_replaces_on_the_card_page(app, client, auth):
    with app.app_context():
        worker_id, fund_id = make_holder(name="王桂兰").id, card_fund().id
    auth.login("clerk")
    response = client.post("/admin/lovecard/new/", data={
        "csrf_token": auth.token(), "worker": worker_id, "new_card_no": "",
        "valid_until": "", "opening_points": "120", "opening_fund": fund_id,
        "opening_reason": "开卡积分", "notes": ""})
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    with app.app_context():
        card = db.session.scalar(select(LoveCard))
        pk, card_no = card.id, card.card_no
        assert card.balance == Decimal("120.00") and card.issued_by.username == "clerk"
    page = client.post(f"/admin/lovecard/card/?id={pk}", data={
        "csrf_token": auth.token(), "step": "topup", "points": "30", "reason": "12月积分",
        "fund": fund_id},
        follow_redirects=True).get_data(as_text=True)
    assert "积分已充值" in flashes(page) and "150.00" in page
    page = client.post(f"/admin/lovecard/card/?id={pk}", data={
        "csrf_token": auth.token(), "step": "lost", "reason": "丢失", "card_no": ""},
        follow_redirects=True).get_data(as_text=True)
    assert f"爱心卡 {card_no} 已挂失" in flashes(page)
    assert 'id="card-balance">150.00' in page and "自挂失卡转入" in page
    with app.app_context():
        assert db.session.get(LoveCard, pk).status == "lost"
    response = client.post("/admin/lovecard/new/", data={
        "csrf_token": auth.token(), "worker": worker_id, "valid_until": "2027-12-31"},
        follow_redirects=True)
    assert "已持有有效爱心卡" in flashes(response.get_data(as_text=True))


def test_bulk_top_up_skips_cards_that_cannot_take_points(app, client, auth):
    with app.app_context():
        good, other = make_card("10").id, make_card("10").id
        closed = make_card("10")
        cancel_card(closed, user("clerk"), "注销")
        db.session.commit()
        ids, fund_id = [good, other, closed.id], card_fund().id
    auth.login("clerk")
    response = client.post("/admin/lovecard/action/", data={
        "csrf_token": auth.token(), "action": "topup", "rowid": ids})
    assert response.status_code == 302 and "/admin/lovecard/topup/?ids=" in response.location
    page = client.post(response.location, data={
        "csrf_token": auth.token(), "points": "100", "reason": "12月爱心积分",
        "fund": fund_id},
        follow_redirects=True).get_data(as_text=True)
    assert "已为 2 张卡充值积分" in flashes(page) and "只有有效的卡" in flashes(page)
    with app.app_context():
        balances = [db.session.get(LoveCard, i).balance for i in ids]
        assert balances == [Decimal("110.00"), Decimal("110.00"), Decimal("10.00")]
    auth.logout()
    auth.login("staff")
    assert client.get(f"/admin/lovecard/topup/?ids={good}").status_code == 403


def test_a_used_card_is_not_deleted(app, client, auth):
    with app.app_context():
        used, unused = make_card("10").id, make_card().id
    auth.login("admin")
    for pk in (used, unused):
        client.post("/admin/lovecard/delete/", data={"id": pk, "csrf_token": auth.token()})
    with app.app_context():
        assert db.session.get(LoveCard, used) is not None
        assert db.session.get(LoveCard, unused) is None
