"""The manager decides with the facts, and confirms what money steps will do (issue 13.6)."""
from __future__ import annotations

from decimal import Decimal

from models import Assistance, Donation, Loan, Notice, db
from models.assistance_rules import approve, pay
from tests.conftest import flashes
from tests.factories import make_assistance, make_fund, make_worker, user
from tests.factories_inventory import donation_fund, make_donation, make_item
from tests.factories_loans import make_loan
from tests.factories_notices import make_notice


def _medical(**overrides) -> Assistance:
    values = dict(kind="medical", campaign="", state="verified",
                  reason="妻子住院手术，自付费用高", cash_amount=Decimal("2000.00"),
                  out_of_pocket=Decimal("18500.00"))
    values.update(overrides)
    return make_assistance(worker=make_worker(name="刘建国", category="deep"),
                           fund=make_fund(balance="5000.00"), **values)


def _post(client, auth, url, **data):
    return client.post(url, data={"csrf_token": auth.token(), **data})


def test_approval_page_shows_the_facts(app, client, auth):
    """Reason, amounts, out-of-pocket, category, per-capita income, earlier aid, balance."""
    with app.app_context():
        record = _medical()
        earlier = make_assistance(worker=record.worker, kind="living", campaign="",
                                  cash_amount=Decimal("800.00"), state="verified",
                                  fund=record.fund)
        approve(earlier, user("manager"))
        pay(earlier, user("manager"))
        db.session.commit()
        pk, income = record.id, record.worker.per_capita_income
    auth.login("manager")
    page = client.get(f"/admin/assistance/step/?id={pk}").get_data(as_text=True)
    facts = page[page.index('id="decision-facts"'):]
    facts = facts[:facts.index("</table>")]
    for shown in ("妻子住院手术，自付费用高", "2,000.00 元", "18,500.00 元", "深度困难",
                  f"{income:,.2f} 元", "家庭 3 人", "1 次", "生活救助 800.00 元",
                  "4,200.00 元", "2,200.00 元"):
        assert shown in facts, shown
    assert 'name="override_reason"' not in page


def test_override_box_only_when_a_second_grant_needs_it(app, client, auth):
    with app.app_context():
        first = _medical(campaign="2026年大病救助")
        approve(first, user("manager"))
        second = make_assistance(worker=first.worker, kind="medical", campaign="2026年大病救助",
                                 out_of_pocket=Decimal("900"), state="verified", fund=first.fund)
        db.session.commit()
        pk = second.id
    auth.login("manager")
    page = client.get(f"/admin/assistance/step/?id={pk}").get_data(as_text=True)
    assert 'name="override_reason"' in page


def test_pay_asks_for_confirmation_with_amount_fund_and_balance_after(app, client, auth):
    with app.app_context():
        record = _medical()
        approve(record, user("manager"))
        db.session.commit()
        pk, fund = record.id, record.fund.name
    auth.login("manager")
    response = _post(client, auth, f"/admin/assistance/step/?id={pk}", step="pay")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "请确认" in page and fund in page
    for shown in ("2,000.00 元", "5,000.00 元", "3,000.00 元"):
        assert shown in page[page.index('id="confirm-facts"'):], shown
    card = page[page.index('id="confirm-step"'):page.index('id="confirm-cancel"')]
    assert 'name="confirmed" value="1"' in card and "<script" not in card
    with app.app_context():
        assert db.session.get(Assistance, pk).state == "approved"
    _post(client, auth, f"/admin/assistance/step/?id={pk}", step="pay", confirmed="1")
    with app.app_context():
        assert db.session.get(Assistance, pk).state == "paid"
    response = _post(client, auth, f"/admin/assistance/step/?id={pk}", step="reverse",
                     reason="重复发放")
    page = response.get_data(as_text=True)
    assert "退回" in page and "5,000.00 元" in page and "重复发放" in page
    with app.app_context():
        assert db.session.get(Assistance, pk).state == "paid"


def test_a_paid_record_shows_the_balance_without_a_payment_still_to_come(app, client, auth):
    """Once paid, the facts give the fund's balance as it is, never "after paying this"
    (which read as if the money were to be drawn again); no goods shows "—", not "（0.00）"."""
    with app.app_context():
        record = _medical(goods="")
        approve(record, user("manager"))
        pay(record, user("manager"))
        db.session.commit()
        pk = record.id
    auth.login("manager")
    page = client.get(f"/admin/assistance/step/?id={pk}").get_data(as_text=True)
    facts = page[page.index('id="decision-facts"'):]
    facts = facts[:facts.index("</table>")]
    assert "现有 3,000.00 元" in facts and "发放本笔后" not in facts
    summary = page[page.index('id="record-summary"'):]
    summary = summary[:summary.index("</table>")]
    assert "（0.00）" not in summary


def test_a_payment_the_fund_cannot_cover_is_refused_before_confirming(app, client, auth):
    with app.app_context():
        record = _medical(cash_amount=Decimal("9000.00"))
        approve(record, user("manager"))
        db.session.commit()
        pk = record.id
    auth.login("manager")
    page = client.post(f"/admin/assistance/step/?id={pk}", data={
        "csrf_token": auth.token(), "step": "pay"}, follow_redirects=True)
    assert "不足" in flashes(page.get_data(as_text=True))


def test_disbursing_a_loan_is_confirmed_first(app, client, auth):
    with app.app_context():
        fund = make_fund(name="小额借款周转金", balance="50000.00")
        loan = make_loan(state="approved", approved_by_id=user("manager").id)
        pk, fund_id = loan.id, fund.id
    auth.login("manager")
    page = _post(client, auth, f"/admin/loan/step/?id={pk}", step="disburse",
                 fund_id=fund_id, jobs_created="2").get_data(as_text=True)
    for shown in ("小额借款周转金", "10,000.00 元", "50,000.00 元", "40,000.00 元", "7 期"):
        assert shown in page, shown
    with app.app_context():
        assert db.session.get(Loan, pk).state == "approved"


def test_voiding_a_donation_is_confirmed_first(app, client, auth):
    with app.app_context():
        donation_fund(balance="100.00")
        item = make_item(name="纯牛奶", stock=0)
        pk = make_donation([(item, 5, "300.00")], money="1000.00").id
    auth.login("clerk")
    page = _post(client, auth, f"/admin/donation/page/?id={pk}", step="void",
                 reason="重复登记").get_data(as_text=True)
    for shown in ("1,000.00 元", "1,100.00 元", "100.00 元", "纯牛奶 × 5", "重复登记"):
        assert shown in page, shown
    with app.app_context():
        assert db.session.get(Donation, pk).state == "recorded"


def test_publish_page_shows_the_text_and_freezes_only_when_confirmed(app, client, auth):
    with app.app_context():
        pk = make_notice(kind="free", title="2026年金秋助学申请办法",
                         body="<p>申请材料：身份证、录取通知书。</p>").id
    auth.login("manager")
    page = _post(client, auth, f"/admin/notice/manage/?id={pk}", op="publish").get_data(
        as_text=True)
    assert "申请材料：身份证、录取通知书。" in page and "冻结" in page and "公示期" in page
    with app.app_context():
        assert db.session.get(Notice, pk).state == "draft"
    _post(client, auth, f"/admin/notice/manage/?id={pk}", op="publish", confirmed="1")
    with app.app_context():
        assert db.session.get(Notice, pk).state == "published"
