"""Year-end figures of campaigns and love-card top-ups, each against an independent count."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from models import Assistance, CardTopUp, FundEntry, db
from models.base import today
from models.card_topup_rules import approve_top_up
from models.lovecard_rules import reverse_top_up
from models.report import year_figures
from models.report_campaigns import campaign_figures
from tests.factories import make_assistance, make_fund, user
from tests.factories_campaigns import make_campaign
from tests.factories_inventory import make_topup

YEAR = 2026


def _campaign_records():
    """Make grants of two campaigns: paid in the year, paid the year before, unpaid."""
    first, second = make_campaign(), make_campaign()
    paid = dt.datetime(YEAR, 6, 1, 4, 0)
    for cash, goods in (("1000", "80"), ("600", "0"), ("600", "45.50")):
        make_assistance(campaign_id=first.id, campaign=first.name, kind="festival",
                        state="paid", paid_at=paid, cash_amount=Decimal(cash),
                        goods_value=Decimal(goods))
    make_assistance(campaign_id=first.id, campaign=first.name, kind="festival",
                    state="paid", paid_at=dt.datetime(YEAR - 1, 6, 1),
                    cash_amount=Decimal("999"))
    make_assistance(campaign_id=first.id, campaign=first.name, kind="festival",
                    state="approved", cash_amount=Decimal("777"))
    make_assistance(campaign_id=second.id, campaign=second.name, kind="festival",
                    state="paid", paid_at=paid, cash_amount=Decimal("300"))
    return first, second


def test_campaign_figures_match_an_independent_count(ctx):
    first, second = _campaign_records()
    figures = {c["name"]: c for c in campaign_figures(YEAR)["campaigns"]}
    for campaign in (first, second):
        rows = [a for a in db.session.scalars(select(Assistance))
                if a.campaign_id == campaign.id and a.state == "paid"
                and a.paid_at.year == YEAR]
        assert figures[campaign.name] == {
            "name": campaign.name, "households": len({a.worker_id for a in rows}),
            "records": len(rows), "cash": sum((a.cash_amount for a in rows), Decimal("0")),
            "goods": sum((a.goods_value for a in rows), Decimal("0"))}
    assert figures[first.name]["cash"] == Decimal("2200.00")
    assert figures[first.name]["goods"] == Decimal("125.50")


def test_top_ups_by_fund_match_the_fund_ledger(ctx):
    year = today().year
    other = make_fund(name="工会经费积分资金", balance="50000.00")
    posted = make_topup(points="300", cards=10)  # waits, then approved
    approve_top_up(posted, user("manager"))
    small = make_topup(points="100", cards=4, fund=other)  # posts at once
    make_topup(points="500", cards=5)  # still pending: nothing drawn
    db.session.commit()
    reverse_top_up(posted.lines[0].entry, user("clerk"), "误充")
    db.session.commit()
    figures = campaign_figures(year)["topups"]
    for fund in (posted.fund, small.fund):
        entries = db.session.scalars(select(FundEntry).where(FundEntry.fund_id == fund.id))
        drawn = -sum((e.amount for e in entries if e.kind == "card_topup"), Decimal("0"))
        back = sum((e.amount for e in db.session.scalars(select(FundEntry).where(
            FundEntry.fund_id == fund.id)) if e.kind == "card_topup_reversal"), Decimal("0"))
        batches = [b for b in db.session.scalars(select(CardTopUp))
                   if b.fund_id == fund.id and b.fund_entry_id is not None]
        assert figures[fund.name] == {
            "batches": len(batches), "cards": sum(b.card_count for b in batches),
            "points": sum((b.points_per_card * b.card_count for b in batches), Decimal("0")),
            "yuan": drawn, "returned": back, "net": drawn - back}
    assert figures[posted.fund.name]["net"] == Decimal("2700.00")
    assert figures[other.name]["yuan"] == Decimal("400.00")
    assert campaign_figures(year - 1)["topups"] == {}


def test_the_report_shows_the_section(app, client, auth):
    with app.app_context():
        first, _second = _campaign_records()
        assert year_figures(YEAR)["campaigns"]["campaigns"][0]["name"] == first.name
    auth.login("manager")
    page = client.get(f"/admin/report/?year={YEAR}").get_data(as_text=True)
    assert "帮扶活动与爱心卡充值" in page and first.name in page and "2,200.00" in page
    assert client.get(f"/admin/report/xlsx/?year={YEAR}").status_code == 200


def test_a_year_without_campaigns_or_top_ups_totals_amounts_in_yuan(ctx):
    """The total rows show 0.00 under the amounts (a bare 0 before) and 0 under counts."""
    from models.report_campaigns import campaign_tables

    campaigns, topups = campaign_tables({"campaigns": [], "topups": {}})
    assert campaigns.rows[-1][1:] == [0, 0, Decimal("0.00"), Decimal("0.00")]
    assert [str(v) for v in topups.rows[-1][1:]] == ["0", "0", "0.00", "0.00", "0.00", "0.00"]
