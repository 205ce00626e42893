"""A campaign's grants as a batch (issue 18): verify, approve, pay all; the rules of the
single steps held for the whole batch; one ledger entry per payment; audited per record."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from models import Assistance, AuditLog, Fund, FundEntry, Setting, db
from models.base import DomainError, freeze_today
from models.campaign import Campaign
from models.campaign_batch import approve_all, pay_all, verify_all
from models.campaign_notice import draft_notice
from models.campaign_rules import generate
from models.ledger import ledger_differences
from models.notice import NoticeLine
from models.notice_rules import publish
from models.settings import grant_limit_key
from portal import audit
from tests.conftest import flashes, postgres_only
from tests.factories import make_fund, make_worker, user
from tests.factories_campaigns import make_campaign


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def states(campaign) -> dict[str, int]:
    return dict(db.session.execute(select(Assistance.state, func.count()).where(
        Assistance.campaign_id == campaign.id).group_by(Assistance.state)).all())


def generated(balance="100000.00", households=3, **overrides):
    """Three households (deep 1,000, relative 600, deep 1,000 in another union), generated
    by staff."""
    make_worker(name="深度甲", category="deep", base_union="机床厂工会")
    make_worker(name="相对乙", category="relative", base_union="机床厂工会")
    make_worker(name="深度丙", category="deep", base_union="纺织厂工会")
    campaign = make_campaign(fund=make_fund(name="送温暖资金", balance=balance), **overrides)
    assert generate(campaign, user("staff"), audit=audit.log_created_since) == households
    db.session.commit()
    return campaign


def approved(campaign):
    verify_all(campaign, user("staff"), audit=audit)
    approve_all(campaign, user("manager"), audit=audit)
    db.session.commit()


def test_verify_approve_and_pay_all_each_once_with_an_entry_per_payment(ctx):
    campaign = generated()
    assert verify_all(campaign, user("staff"), audit=audit) == 3
    db.session.commit()
    with pytest.raises(DomainError, match="没有"):  # a rerun finds nothing to do
        verify_all(campaign, user("staff"), audit=audit)
    db.session.rollback()
    assert approve_all(campaign, user("manager"), audit=audit).count == 3
    db.session.commit()
    batch = pay_all(campaign, user("manager"), audit=audit)
    db.session.commit()
    assert (batch.count, batch.cash) == (3, Decimal("2600.00"))
    assert states(campaign) == {"paid": 3}
    grants = db.session.scalars(select(Assistance).where(
        Assistance.campaign_id == campaign.id).order_by(Assistance.id)).all()
    entries = db.session.scalars(select(FundEntry).where(
        FundEntry.kind == "assistance_out").order_by(FundEntry.id)).all()
    assert len(entries) == 3
    assert [g.payment_entry_id for g in grants] == [e.id for e in entries]
    assert [e.document for e in entries] == [f"BF-{g.id}" for g in grants]
    assert [e.amount for e in entries] == [-g.cash_amount for g in grants]
    # The running balance, entry after entry, and the fund's balance = its ledger's sum.
    assert [e.balance_after for e in entries] == [Decimal("99000.00"), Decimal("98400.00"),
                                                  Decimal("97400.00")]
    fund = db.session.get(Fund, campaign.fund_id)
    db.session.refresh(fund)
    assert fund.balance == Decimal("97400.00") and ledger_differences() == []
    assert entries[0].reason == "深度甲 送温暖"
    assert all(g.paid_by_id == user("manager").id and g.version == 4 for g in grants)
    # Audited per record: each step's update of every grant, and the fund entries.
    updates = db.session.scalars(select(AuditLog.changes).where(
        AuditLog.record_type == "assistance", AuditLog.action == "update")).all()
    assert len(updates) == 9
    assert {str(c["state"]) for c in updates} == {
        "['applied', 'verified']", "['verified', 'approved']", "['approved', 'paid']"}
    assert count(AuditLog, AuditLog.record_type == "fundentry",
                 AuditLog.action == "create", AuditLog.username == "manager") == 3
    with pytest.raises(DomainError, match="没有"):
        pay_all(campaign, user("manager"), audit=audit)
    db.session.rollback()
    assert count(FundEntry, FundEntry.kind == "assistance_out") == 3


def test_whoever_generated_cannot_approve_the_batch(ctx):
    make_worker(category="deep")
    campaign = make_campaign()
    generate(campaign, user("admin"))
    verify_all(campaign, user("admin"))
    db.session.commit()
    with pytest.raises(DomainError, match="申请"):
        approve_all(campaign, user("admin"))
    db.session.rollback()
    assert states(campaign) == {"verified": 1}
    assert approve_all(campaign, user("manager")).count == 1


def test_only_the_roles_of_the_matrix_move_the_batch(ctx):
    campaign = generated()
    with pytest.raises(DomainError):
        verify_all(campaign, user("manager"))  # manager: R A X, no U
    with pytest.raises(DomainError):
        verify_all(campaign, user("clerk"))
    verify_all(campaign, user("staff"))
    with pytest.raises(DomainError):
        approve_all(campaign, user("staff"))
    db.session.rollback()


def test_a_fund_short_by_one_yuan_pays_nothing_and_names_the_shortfall(ctx):
    campaign = generated(balance="2599.00")
    approved(campaign)
    with pytest.raises(DomainError, match=r"2,600\.00.*1\.00") as refused:
        pay_all(campaign, user("manager"), audit=audit)
    assert "送温暖资金" in str(refused.value)
    db.session.rollback()
    assert states(campaign) == {"approved": 3}
    assert count(FundEntry, FundEntry.kind == "assistance_out") == 0
    fund = db.session.get(Fund, campaign.fund_id)
    db.session.refresh(fund)
    assert fund.balance == Decimal("2599.00")


def test_grants_over_their_limit_are_left_for_one_by_one(ctx):
    db.session.merge(Setting(key=grant_limit_key("festival"), value="800"))
    db.session.commit()
    campaign = generated()
    verify_all(campaign, user("staff"))
    batch = approve_all(campaign, user("manager"))
    db.session.commit()
    assert (batch.count, batch.over_limit) == (1, 2)
    assert states(campaign) == {"approved": 1, "verified": 2}
    assert pay_all(campaign, user("manager")).count == 1
    db.session.commit()
    assert states(campaign) == {"paid": 1, "verified": 2}


def test_paying_waits_for_the_batch_notice_where_the_setting_asks(ctx):
    db.session.merge(Setting(key="notice_required_kinds", value="festival"))
    db.session.commit()
    campaign = generated()
    approved(campaign)
    with pytest.raises(DomainError, match="公示"):
        pay_all(campaign, user("manager"))
    db.session.rollback()
    notice, lines = draft_notice(campaign, user("staff"), audit=audit.log_created_since)
    db.session.commit()
    assert lines == 3 and count(NoticeLine, NoticeLine.notice_id == notice.id) == 3
    assert count(AuditLog, AuditLog.record_type == "noticeline") == 3
    with pytest.raises(DomainError):  # all listed: a second notice lists nobody
        draft_notice(campaign, user("staff"))
    db.session.rollback()
    db.session.expire_all()
    publish(notice, user("manager"))
    db.session.commit()
    assert notice.lines[0].masked_name.count("*") == 1  # masked by the notice machinery
    with pytest.raises(DomainError, match="公示"):  # still in its period
        pay_all(campaign, user("manager"))
    db.session.rollback()
    freeze_today(notice.ends_on + dt.timedelta(days=1))
    assert pay_all(campaign, user("manager")).count == 3
    db.session.commit()
    assert states(campaign) == {"paid": 3}


def test_the_campaign_page_previews_then_confirms_each_step(app, client, auth):
    with app.app_context():
        campaign_id = generated().id
    auth.login("staff")
    url = f"/admin/campaign/batch/verify/?id={campaign_id}"
    token = auth.token(f"/admin/campaign/details/?id={campaign_id}")
    page = client.post(url, data={"csrf_token": token}).get_data(as_text=True)
    assert 'id="confirm-summary"' in page and "3" in page and "2,600.00" in page
    with app.app_context():
        assert count(Assistance, Assistance.state == "verified") == 0  # a preview writes nothing
    done = client.post(url, data={"csrf_token": token, "confirmed": "1"},
                       follow_redirects=True).get_data(as_text=True)
    assert "3" in flashes(done) and "核实" in flashes(done)
    again = client.post(url, data={"csrf_token": token, "confirmed": "1"},
                        follow_redirects=True).get_data(as_text=True)
    assert "没有" in flashes(again)
    assert client.post(url, data={"confirmed": "1"}).status_code == 400  # no CSRF token
    assert client.post(f"/admin/campaign/batch/pay/?id={campaign_id}",
                       data={"csrf_token": token}).status_code == 403


@pytest.mark.parametrize("role, verify, approve", [
    ("admin", 200, 200), ("staff", 200, 403), ("manager", 403, 200), ("clerk", 403, 403)])
def test_roles_on_the_batch_steps(app, client, auth, role, verify, approve):
    with app.app_context():
        campaign_id = generated().id
    auth.login(role)
    token = auth.token("/admin/")
    assert client.post(f"/admin/campaign/batch/verify/?id={campaign_id}",
                       data={"csrf_token": token}).status_code in (verify, 302 if verify == 200
                                                                   else verify)
    assert client.post(f"/admin/campaign/batch/approve/?id={campaign_id}",
                       data={"csrf_token": token}).status_code in (
        approve, 302 if approve == 200 else approve)


def _with_goods(stock: int):
    from tests.factories_inventory import make_item

    rice = make_item(name="大米 5kg", stock=stock, price="25.00")
    oil = make_item(name="花生油 5L", stock=10, price="80.00", unit="桶")
    campaign = generated(goods=[(rice, 1), (oil, 1)])
    approved(campaign)
    return campaign, rice, oil


def test_a_stock_short_by_one_unit_hands_out_nothing_and_pays_nothing(ctx):
    from models.handout import Handout
    from models.inventory import Item, StockMovement

    campaign, rice, oil = _with_goods(stock=2)
    with pytest.raises(DomainError, match="大米 5kg") as refused:
        pay_all(campaign, user("manager"), audit=audit)
    assert "3" in str(refused.value) and "2" in str(refused.value)
    db.session.rollback()
    assert states(campaign) == {"approved": 3}
    assert count(FundEntry, FundEntry.kind == "assistance_out") == 0
    assert count(Handout) == 0
    assert count(StockMovement, StockMovement.reason == "handout_out") == 0
    assert db.session.scalar(select(Item.on_hand).where(Item.id == rice.id)) == 2
    fund = db.session.get(Fund, campaign.fund_id)
    db.session.refresh(fund)
    assert fund.balance == Decimal("100000.00")


def test_paying_hands_each_household_its_package_in_the_same_transaction(ctx):
    from models.handout import Handout
    from models.inventory import Item

    campaign, rice, oil = _with_goods(stock=3)
    assert pay_all(campaign, user("manager"), audit=audit).count == 3
    db.session.commit()
    handouts = db.session.scalars(select(Handout).order_by(Handout.id)).all()
    grants = db.session.scalars(select(Assistance).where(
        Assistance.campaign_id == campaign.id).order_by(Assistance.id)).all()
    assert [h.assistance_id for h in handouts] == [g.id for g in grants]
    assert [h.worker_id for h in handouts] == [g.worker_id for g in grants]
    assert db.session.scalar(select(Item.on_hand).where(Item.id == rice.id)) == 0
    assert db.session.scalar(select(Item.on_hand).where(Item.id == oil.id)) == 7


def test_sign_off_sheets_print_by_base_union_with_page_totals(app, client, auth):
    with app.app_context():
        campaign = generated()
        approved(campaign)
        campaign_id = campaign.id
    auth.login("staff")
    page = client.get(f"/admin/campaign/signoff/?id={campaign_id}").get_data(as_text=True)
    assert page.count('class="sheet-page"') == 2  # one page per base union here
    assert "@page { size: A4" in page and "page-break-after: always" in page
    assert "深度甲" in page and "相对乙" in page and "签名" in page
    assert "本页合计" in page and "1,600.00" in page and "1,000.00" in page
    # Staff reads and prints; the Excel file is an export (X): managers and admins.
    assert client.get(f"/admin/campaign/signoff/xlsx/?id={campaign_id}").status_code == 403


def test_sign_off_workbook_has_a_sheet_per_base_union_and_its_totals(app, client, auth):
    import io

    from openpyxl import load_workbook

    with app.app_context():
        make_worker(name="=HYPERLINK(1)", category="deep", base_union="机床厂工会")
        campaign = generated(households=4)
        approved(campaign)
        campaign_id = campaign.id
    auth.login("manager")
    response = client.get(f"/admin/campaign/signoff/xlsx/?id={campaign_id}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["机床厂工会", "纺织厂工会"]
    rows = list(book["机床厂工会"].iter_rows(values_only=True))
    assert rows[0][:4] == ("序号", "姓名", "档案编号", "救助金额（元）")
    names = [r[1] for r in rows[1:-1]]
    assert sorted(names) == sorted(["=HYPERLINK(1)", "深度甲", "相对乙"])
    assert rows[-1][0] == "合计" and rows[-1][3] == 2600 and rows[-1][1] == "3 户"
    cell = next(c for c in book["机床厂工会"]["B"] if c.value == "=HYPERLINK(1)")
    assert cell.data_type == "s" and cell.quotePrefix  # text, never a formula
    assert list(book["纺织厂工会"].iter_rows(values_only=True))[-1][3] == 1000
    assert book["机床厂工会"].sheet_format.defaultRowHeight == 24  # room to sign by hand
    with app.app_context():
        assert count(AuditLog, AuditLog.action == "export",
                     AuditLog.record_type == "campaign") == 1


@postgres_only
def test_two_batch_pays_of_one_campaign_at_once_pay_each_grant_once(app):
    from tests.races import race

    with app.app_context():
        campaign_id = generated().id
        approved(db.session.get(Campaign, campaign_id))

    def job():
        campaign = db.session.get(Campaign, campaign_id)
        manager = user("manager")
        return lambda: pay_all(campaign, manager, audit=audit)

    results = race(app, [job, job])
    assert sorted(results) == ["DomainError", "done"]
    with app.app_context():
        assert count(Assistance, Assistance.state == "paid") == 3
        assert count(FundEntry, FundEntry.kind == "assistance_out") == 3
        assert ledger_differences() == []


def test_the_campaign_page_offers_each_role_its_batch_steps(app, client, auth):
    with app.app_context():
        campaign_id = generated().id
    auth.login("staff")
    page = client.get(f"/admin/campaign/details/?id={campaign_id}").get_data(as_text=True)
    assert 'id="batch-verify-button"' in page
    assert '全部核实 <span class="badge badge-light">3</span>' in page
    assert 'id="batch-approve-button"' not in page and 'id="signoff-link"' in page
    auth.logout()
    auth.login("manager")
    page = client.get(f"/admin/campaign/details/?id={campaign_id}").get_data(as_text=True)
    assert 'id="batch-verify-button"' not in page
    assert '全部审批 <span class="badge badge-light">0</span>' in page
    assert 'id="batch-notice-button"' not in page and 'id="signoff-xlsx-link"' in page


def test_a_second_grant_is_left_for_one_by_one_and_a_batch_payment_reverses(ctx):
    from models.assistance_rules import reverse
    from tests.factories import make_assistance

    campaign = generated()
    first = db.session.scalars(select(Assistance).where(
        Assistance.campaign_id == campaign.id).order_by(Assistance.id)).first()
    # Made by hand after generating: the same kind, year and campaign, already approved.
    make_assistance(worker_id=first.worker_id, kind="festival", year=campaign.year,
                    campaign=campaign.name, state="approved", cash_amount=Decimal("300"),
                    fund_id=campaign.fund_id)
    verify_all(campaign, user("staff"))
    batch = approve_all(campaign, user("manager"))
    db.session.commit()
    assert (batch.count, batch.second_grant) == (2, 1)
    assert states(campaign) == {"approved": 2, "verified": 1}
    pay_all(campaign, user("manager"), audit=audit)
    db.session.commit()
    paid = db.session.scalars(select(Assistance).where(
        Assistance.campaign_id == campaign.id, Assistance.state == "paid")).first()
    reverse(paid, user("manager"), "发放对象有误")
    db.session.commit()
    fund = db.session.get(Fund, campaign.fund_id)
    db.session.refresh(fund)
    assert paid.state == "reversed" and ledger_differences() == []
    assert fund.balance == Decimal("100000.00") - Decimal("1600.00") + paid.cash_amount


def test_reversing_a_batch_payment_puts_its_goods_package_back(ctx):
    from models.assistance_rules import reverse
    from models.handout import Handout
    from models.inventory import Item

    campaign, rice, oil = _with_goods(stock=3)
    pay_all(campaign, user("manager"), audit=audit)
    db.session.commit()
    grant = db.session.scalars(select(Assistance).where(
        Assistance.campaign_id == campaign.id).order_by(Assistance.id)).first()
    reverse(grant, user("manager"), "重复发放")
    db.session.commit()
    handout = db.session.scalar(select(Handout).where(Handout.assistance_id == grant.id))
    assert handout.state == "voided"
    assert db.session.scalar(select(Item.on_hand).where(Item.id == rice.id)) == 1
    assert db.session.scalar(select(Item.on_hand).where(Item.id == oil.id)) == 8


def test_a_grant_paid_one_by_one_gets_its_package_or_is_not_paid(ctx):
    """A campaign grant left for one-by-one payment (over its limit, say) hands out its
    goods as the batch would; with a unit short, neither the money nor the goods move."""
    from models.assistance_rules import pay
    from models.handout import Handout
    from models.inventory import Item

    campaign, rice, oil = _with_goods(stock=1)
    first, second = db.session.scalars(select(Assistance).where(
        Assistance.campaign_id == campaign.id).order_by(Assistance.id)).all()[:2]
    pay(first, user("manager"))
    db.session.commit()
    handout = db.session.scalar(select(Handout).where(Handout.assistance_id == first.id))
    assert (handout.worker_id, handout.campaign_id, len(handout.lines)) == (
        first.worker_id, campaign.id, 2)
    assert db.session.scalar(select(Item.on_hand).where(Item.id == rice.id)) == 0
    assert count(AuditLog, AuditLog.record_type == "handout",
                 AuditLog.record_id == str(handout.id)) == 1
    with pytest.raises(DomainError, match="大米 5kg"):
        pay(second, user("manager"))
    db.session.rollback()
    assert db.session.get(Assistance, second.id).state == "approved"
    assert count(FundEntry, FundEntry.document == f"BF-{second.id}") == 0
    assert count(Handout, Handout.assistance_id == second.id) == 0
