"""Love-card top-ups paid from a fund: one fund entry per batch, approval above a setting,
reversal gives the value back, never a point without its yuan (issue 18)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from models import (
    AuditLog,
    CardEntry,
    CardTopUp,
    CardTopUpLine,
    DocCounter,
    FundEntry,
    LoveCard,
    Setting,
    db,
)
from models.base import DomainError
from models.card_topup_reversal import reverse_batch
from models.card_topup_rules import (
    approve_top_up,
    reject_top_up,
    request_top_up,
    usable_cards,
)
from models.ledger import ledger_differences
from models.lovecard_rules import card_differences, reverse_top_up, top_up
from models.redemption_rules import redeem
from tests.conftest import flashes, postgres_only
from tests.factories import make_fund, user
from tests.factories_inventory import card_fund, make_card, make_item, make_topup
from tests.races import race


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _balances_agree():
    assert ledger_differences() == [] and card_differences() == []


def _set(key: str, value: str) -> None:
    db.session.get(Setting, key).value = value
    db.session.commit()


def test_a_small_top_up_posts_at_once_and_draws_its_value_from_the_fund(ctx):
    fund = make_fund(name="爱心超市积分资金", balance="1000.00")
    card = make_card()
    entry = top_up(card, "120", user("clerk"), "12月爱心积分", fund)
    db.session.commit()
    batch = db.session.scalar(select(CardTopUp))
    assert (batch.state, batch.card_count, batch.total_yuan) == ("posted", 1, Decimal("120.00"))
    assert batch.number.startswith("CZ-") and entry.document == batch.number
    assert card.balance == Decimal("120.00") and fund.balance == Decimal("880.00")
    out = batch.fund_entry
    assert (out.kind, out.amount, out.document) == ("card_topup", Decimal("-120.00"),
                                                    batch.number)
    assert batch.lines[0].entry_id == entry.id
    _balances_agree()


def test_the_price_of_a_point_is_a_setting(ctx):
    _set("card_point_yuan", "0.50")
    fund = make_fund(name="积分资金", balance="100.00")
    card = make_card()
    top_up(card, "150", user("clerk"), "积分", fund)
    db.session.commit()
    assert card.balance == Decimal("150.00") and fund.balance == Decimal("25.00")
    assert db.session.scalar(select(CardTopUp.yuan_per_point)) == Decimal("0.50")
    _balances_agree()


def test_a_fund_short_by_one_yuan_tops_up_nothing(ctx):
    fund = make_fund(name="差一元的资金", balance="999.00")
    cards = [make_card() for _n in range(10)]
    ids = select(LoveCard.id).where(LoveCard.id.in_([c.id for c in cards]))
    with pytest.raises(DomainError, match="差一元的资金.*999.00.*还差 1.00 元"):
        request_top_up(fund, ids, "100", user("clerk"), "春节积分")
    db.session.rollback()
    assert _count(CardTopUp) == 0 and _count(CardEntry) == 0 and _count(CardTopUpLine) == 0
    assert _count(FundEntry, FundEntry.kind == "card_topup") == 0
    assert fund.balance == Decimal("999.00")
    assert all(db.session.get(LoveCard, c.id).balance == 0 for c in cards)
    assert _count(DocCounter, DocCounter.prefix == "CZ") == 0  # no number was used up
    # One more yuan and the same batch posts.
    from models.ledger import post_entry
    post_entry(fund.id, "allocation_in", Decimal("1"), user("admin"), reason="补足")
    batch = request_top_up(fund, ids, "100", user("clerk"), "春节积分")
    db.session.commit()
    assert batch.state == "posted" and fund.balance == Decimal("0.00")
    _balances_agree()


def test_above_the_setting_a_top_up_waits_for_a_manager_who_did_not_ask(ctx):
    batch = make_topup(points="300", cards=10)  # 3,000 yuan, above 2,000
    fund = batch.fund
    before = fund.balance
    assert batch.state == "pending" and batch.fund_entry_id is None
    assert _count(CardEntry) == 0 and fund.balance == before
    with pytest.raises(DomainError, match="只有中心负责人或系统管理员可以审批充值"):
        approve_top_up(batch, user("clerk"))
    # An administrator may approve, but not a top-up they asked for themselves.
    own = make_topup(points="300", cards=10, clerk=user("admin"))
    with pytest.raises(DomainError, match="申请人不能审批"):
        approve_top_up(own, user("admin"))
    db.session.rollback()
    # The database refuses it too.
    own.approved_by_id = own.requested_by_id
    with pytest.raises(IntegrityError, match="approver_not_requester"):
        db.session.flush()
    db.session.rollback()
    approve_top_up(batch, user("manager"))
    db.session.commit()
    assert batch.state == "posted" and batch.approved_by.username == "manager"
    assert fund.balance == before - Decimal("3000.00")
    assert _count(CardEntry) == 10
    assert {line.card.balance for line in batch.lines} == {Decimal("300.00")}
    with pytest.raises(DomainError, match="不在待审批状态"):
        approve_top_up(batch, user("admin"))
    _balances_agree()


def test_at_the_setting_it_posts_and_a_pending_one_short_of_money_stays_pending(ctx):
    _set("card_topup_approval_above", "1000")
    fund = make_fund(name="小额资金", balance="1500.00")
    at_limit = request_top_up(fund, select(LoveCard.id).where(LoveCard.id == make_card().id),
                              "1000", user("clerk"), "积分")
    assert at_limit.state == "posted"
    batch = make_topup(points="1200", cards=1, fund=fund)
    assert batch.state == "pending"
    with pytest.raises(DomainError, match="还差 700.00 元"):
        approve_top_up(batch, user("manager"))
    db.session.rollback()
    assert db.session.get(CardTopUp, batch.id).state == "pending" and _count(CardEntry) == 1


def test_a_manager_rejects_with_a_reason_and_nothing_moves(ctx):
    batch = make_topup()
    with pytest.raises(DomainError, match="请填写驳回理由"):
        reject_top_up(batch, user("manager"), " ")
    reject_top_up(batch, user("manager"), "预算不足，下月再发")
    db.session.commit()
    assert batch.state == "rejected" and _count(CardEntry) == 0
    with pytest.raises(DomainError, match="不在待审批状态"):
        approve_top_up(batch, user("manager"))


def test_only_usable_cards_are_chosen_and_a_closed_card_stops_the_posting(ctx):
    from models.lovecard_rules import cancel_card

    good, closed = make_card(), make_card()
    cancel_card(closed, user("clerk"), "注销")
    db.session.commit()
    both = select(LoveCard.id).where(LoveCard.id.in_([good.id, closed.id]))
    assert set(db.session.scalars(usable_cards(both))) == {good.id}
    batch = make_topup(cards=2, points="1500")
    cancel_card(batch.lines[0].card, user("clerk"), "注销")
    with pytest.raises(DomainError, match="已不是在档职工的有效卡"):
        approve_top_up(batch, user("manager"))


def test_reversing_one_card_gives_its_value_back_to_the_fund(ctx):
    _set("card_point_yuan", "2.00")
    fund = make_fund(name="积分资金", balance="10000.00")
    card = make_card()
    entry = top_up(card, "100", user("clerk"), "积分", fund)
    db.session.commit()
    assert fund.balance == Decimal("9800.00")
    reversal = reverse_top_up(entry, user("clerk"), "误充")
    db.session.commit()
    back = db.session.scalar(select(FundEntry).where(FundEntry.kind == "card_topup_reversal"))
    assert (back.amount, back.document) == (Decimal("200.00"), entry.document)
    assert fund.balance == Decimal("10000.00") and card.balance == Decimal("0.00")
    assert reversal.reverses_id == entry.id
    with pytest.raises(DomainError, match="已被冲正"):
        reverse_top_up(entry, user("clerk"), "再冲一次")
    db.session.rollback()
    assert _count(FundEntry, FundEntry.kind == "card_topup_reversal") == 1
    _balances_agree()


def test_reversing_a_batch_reverses_its_cards_and_its_fund_entry_once(ctx):
    batch = make_topup(points="300", cards=10)
    approve_top_up(batch, user("manager"))
    db.session.commit()
    fund, before = batch.fund, batch.fund.balance
    # One card reversed alone first; the batch reversal takes the nine others.
    first = batch.lines[0].entry
    reverse_top_up(first, user("clerk"), "误充")
    db.session.commit()
    with pytest.raises(DomainError, match="只有中心负责人或系统管理员可以冲正"):
        reverse_batch(batch, user("clerk"), "整单误充")
    back = reverse_batch(batch, user("manager"), "整单误充")
    db.session.commit()
    assert back.amount == Decimal("2700.00") and batch.state == "reversed"
    assert fund.balance == before + Decimal("3000.00")
    assert _count(CardEntry, CardEntry.kind == "topup_reversal") == 10
    assert all(line.card.balance == 0 for line in batch.lines)
    with pytest.raises(DomainError, match="只有已入账的充值单可以冲正"):
        reverse_batch(batch, user("manager"), "再冲一次")
    db.session.rollback()
    _balances_agree()


def test_a_batch_with_spent_points_is_not_reversed(ctx):
    batch = make_topup(points="800", cards=3)
    approve_top_up(batch, user("manager"))
    db.session.commit()
    spent = batch.lines[1].card
    redeem(spent, [(make_item(stock=5, price="100.00").id, 1)], user("clerk"))
    db.session.commit()
    balance = batch.fund.balance
    with pytest.raises(DomainError, match=f"{spent.card_no}.*700.00.*800.00.*不能整单冲正"):
        reverse_batch(batch, user("manager"), "误充")
    db.session.rollback()
    assert batch.fund.balance == balance and _count(CardEntry, CardEntry.kind ==
                                                     "topup_reversal") == 0
    assert db.session.get(CardTopUp, batch.id).state == "posted"
    _balances_agree()


def test_a_bulk_top_up_of_every_active_card_is_set_wise_and_audited(app, client, auth):
    with app.app_context():
        fund_id = make_fund(name="送温暖积分资金", balance="100000.00").id
        ids = [make_card().id for _n in range(12)]
        from models.lovecard_rules import cancel_card
        cancel_card(db.session.get(LoveCard, ids[0]), user("clerk"), "注销")
        db.session.commit()
        audit_before = _count(AuditLog, AuditLog.record_type == "cardentry")
    auth.login("clerk")
    response = client.post("/admin/cardtopup/new/", data={
        "csrf_token": auth.token(), "fund": fund_id, "target": "unit",
        "points_per_card": "200", "reason": "2027年春节送温暖爱心积分"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "待负责人审批" in flashes(page)  # 11 × 200 = 2,200 yuan: above the setting
    with app.app_context():
        batch = db.session.scalar(select(CardTopUp))
        assert (batch.card_count, batch.state) == (11, "pending")
        pk = batch.id
    response = client.post(f"/admin/cardtopup/decide/?id={pk}", data={
        "csrf_token": auth.token(), "step": "approve"})
    assert response.status_code == 403
    auth.logout()
    auth.login("manager")
    page = client.post(f"/admin/cardtopup/decide/?id={pk}", data={
        "csrf_token": auth.token(), "step": "approve"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "已审批并入账" in flashes(page) and 'id="topup-state">已入账' in page
    with app.app_context():
        assert _count(CardEntry) == 11
        assert _count(AuditLog, AuditLog.record_type == "cardentry") == audit_before + 11
        assert db.session.get(LoveCard, ids[0]).balance == 0
        assert db.session.get(LoveCard, ids[1]).balance == Decimal("200.00")
        _balances_agree()


def test_the_clerks_card_page_asks_for_the_fund(app, client, auth):
    with app.app_context():
        card_id, fund_id = make_card().id, card_fund().id
    auth.login("clerk")
    page = client.get(f"/admin/lovecard/card/?id={card_id}").get_data(as_text=True)
    assert 'name="fund"' in page and "爱心卡积分专项资金" in page
    page = client.post(f"/admin/lovecard/card/?id={card_id}", data={
        "csrf_token": auth.token(), "step": "topup", "points": "30", "reason": "积分"},
        follow_redirects=True).get_data(as_text=True)
    assert "请选择支付积分的资金" in flashes(page)
    page = client.post(f"/admin/lovecard/card/?id={card_id}", data={
        "csrf_token": auth.token(), "step": "topup", "points": "5000", "reason": "积分",
        "fund": fund_id}, follow_redirects=True).get_data(as_text=True)
    assert "充值待负责人审批" in flashes(page)
    with app.app_context():
        assert db.session.get(LoveCard, card_id).balance == 0
        assert db.session.scalar(select(CardTopUp.state)) == "pending"


# --- races on PostgreSQL -------------------------------------------------------------------
@postgres_only
def test_two_postings_from_a_fund_that_covers_one_post_exactly_one(app):
    with app.app_context():
        fund = make_fund(name="只够一单的资金", balance="2500.00")
        first, second = make_topup(fund=fund), make_topup(fund=fund)  # 3,000 yuan each
        fund_id = fund.id
        from models.ledger import post_entry
        post_entry(fund_id, "allocation_in", Decimal("1000"), user("admin"), reason="追加")
        db.session.commit()
        pks = [first.id, second.id]

    def approving(pk):
        def prepare():
            batch, manager = db.session.get(CardTopUp, pk), user("manager")
            return lambda: approve_top_up(batch, manager)
        return prepare

    results = race(app, [approving(pk) for pk in pks])
    assert sorted(results) == ["DomainError", "done"], results
    with app.app_context():
        states = sorted(db.session.get(CardTopUp, pk).state for pk in pks)
        assert states == ["pending", "posted"]
        assert _count(CardEntry) == 10
        _balances_agree()


def test_a_batch_reversal_takes_a_lost_cards_points_from_its_successor(ctx):
    from models.lovecard_rules import replace_lost_card

    batch = make_topup(points="800", cards=3)
    approve_top_up(batch, user("manager"))
    db.session.commit()
    lost = batch.lines[0].card
    new = replace_lost_card(lost, user("clerk"), "丢失")
    db.session.commit()
    assert new.balance == Decimal("800.00")
    reverse_batch(batch, user("manager"), "整单误充")
    db.session.commit()
    assert new.balance == Decimal("0.00") and lost.balance == Decimal("0.00")
    assert [line.card.balance for line in batch.lines[1:]] == [Decimal("0.00")] * 2
    reversals = db.session.scalars(select(CardEntry).where(
        CardEntry.kind == "topup_reversal")).all()
    assert sorted(r.reverses_id for r in reversals) == sorted(
        line.entry_id for line in batch.lines)
    _balances_agree()


def test_the_reverse_page_says_the_value_goes_back_to_the_fund(app, client, auth):
    with app.app_context():
        fund = make_fund(name="积分资金", balance="500.00")
        entry_id = top_up(make_card(), "100", user("clerk"), "积分", fund).id
        db.session.commit()
        fund_id = fund.id
    auth.login("clerk")
    page = client.get(f"/admin/cardentry/reverse/?id={entry_id}").get_data(as_text=True)
    assert 'id="fund-return"' in page and "100.00 元同时退回该资金" in page
    client.post(f"/admin/cardentry/reverse/?id={entry_id}", data={
        "csrf_token": auth.token(), "reason": "误充"})
    with app.app_context():
        from models import Fund
        assert db.session.get(Fund, fund_id).balance == Decimal("500.00")
        _balances_agree()


def test_the_points_ledger_form_names_the_fund(app, client, auth):
    with app.app_context():
        card_id, fund_id = make_card().id, make_fund(name="积分资金", balance="80.00").id
    auth.login("clerk")
    data = {"csrf_token": auth.token(), "card": card_id, "points": "100", "reason": "积分"}
    response = client.post("/admin/cardentry/new/", data=data)
    assert response.status_code == 422  # no fund chosen
    page = client.post("/admin/cardentry/new/", data={**data, "fund": fund_id},
                       follow_redirects=True).get_data(as_text=True)
    assert "还差 20.00 元" in flashes(page)
    data["points"] = "80"
    response = client.post("/admin/cardentry/new/", data={**data, "fund": fund_id})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(LoveCard, card_id).balance == Decimal("80.00")
        _balances_agree()


def test_a_campaigns_households_with_cards_are_topped_up_and_named(app, client, auth):
    from tests.factories import make_assistance
    from tests.factories_campaigns import make_campaign

    with app.app_context():
        campaign = make_campaign()
        aided = [make_card(), make_card()]
        for card in aided:
            make_assistance(worker=card.worker, campaign_id=campaign.id, campaign=campaign.name,
                            kind="festival")
        turned_down = make_card()
        make_assistance(worker=turned_down.worker, campaign_id=campaign.id,
                        campaign=campaign.name, kind="festival", state="rejected")
        make_card()  # a card holder outside the campaign
        make_assistance(campaign_id=campaign.id, campaign=campaign.name, kind="festival")
        ids, campaign_id, fund_id = [c.id for c in aided], campaign.id, card_fund().id
    auth.login("clerk")
    data = {"csrf_token": auth.token(), "fund": fund_id, "target": "campaign",
            "points_per_card": "200", "reason": "送温暖爱心积分"}
    page = client.post("/admin/cardtopup/new/", data=data, follow_redirects=True
                       ).get_data(as_text=True)
    assert "请选择要为其帮扶户充值的活动" in flashes(page)
    response = client.post("/admin/cardtopup/new/", data={**data, "campaign": campaign_id})
    assert response.status_code == 302
    with app.app_context():
        batch = db.session.scalar(select(CardTopUp))
        assert (batch.state, batch.card_count, batch.campaign_id) == ("posted", 2, campaign_id)
        assert sorted(line.card_id for line in batch.lines) == sorted(ids)
        assert [db.session.get(LoveCard, i).balance for i in ids] == [Decimal("200.00")] * 2
