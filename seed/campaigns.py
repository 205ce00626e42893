"""Demo campaigns: the coming 送温暖 with its applications generated, and 金秋助学."""
from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

from sqlalchemy import select, text

from models import Fund, Item, db
from models.campaign import Campaign, CampaignGoods, CampaignStandard
from models.campaign_figures import preview
from models.campaign_rules import check_campaign, generate

# As of the demo's day (2026-11-01) the Spring Festival campaign ahead is being prepared:
# its applications are generated and wait for the home visits; 金秋助学 has been set up.
FESTIVAL = ("2027年元旦春节送温暖", "festival", 2027, dt.date(2026, 12, 15),
            dt.date(2027, 2, 10), {"deep": "1000", "relative": "600"},
            (("大米 5kg", 1), ("面粉 5kg", 1), ("花生油 5L", 1)))
SCHOOL = ("2026年金秋助学", "education", 2026, dt.date(2026, 8, 1), dt.date(2026, 9, 30),
          {"deep": "2000", "relative": "1000"}, ())


def _campaign(spec, fund: Fund, staff, **extra) -> Campaign:
    name, kind, year, starts, ends, standards, goods = spec
    campaign = db.session.scalar(select(Campaign).where(Campaign.name == name))
    if campaign is not None:
        return campaign
    campaign = Campaign(name=name, kind=kind, year=year, starts_on=starts, ends_on=ends,
                        fund=fund, budget=Decimal("1"), created_by_id=staff.id, **extra)
    for category, cash in standards.items():
        campaign.standards.append(CampaignStandard(category=category,
                                                   cash_amount=Decimal(cash)))
    for name, quantity in goods:
        item = db.session.scalar(select(Item).where(Item.name == name).order_by(Item.id))
        if item is not None:
            campaign.goods.append(CampaignGoods(item=item, quantity=quantity))
    db.session.add(campaign)
    db.session.flush()
    # A budget as a centre sets one: what the households on file need, in round 10,000s.
    need = preview(campaign).cash_total
    campaign.budget = Decimal(max(math.ceil(need * Decimal("1.05") / 10000), 1) * 10000)
    check_campaign(campaign)
    return campaign


def load(users: dict) -> int:
    """Add the demo campaigns; return how many applications were generated."""
    staff = users["staff"]
    fund = db.session.scalar(select(Fund).where(Fund.active.is_(True), Fund.source == "union")
                             .order_by(Fund.id)) or db.session.scalar(
        select(Fund).where(Fund.active.is_(True)).order_by(Fund.id))
    if fund is None:
        return 0
    if db.session.connection().dialect.name == "postgresql":
        # generate's INSERT … SELECT skips the households already aided: with the
        # statistics of tables still empty when the files came, PostgreSQL plans that
        # check as a scan per household of the records it is writing.
        db.session.execute(text("ANALYZE worker, family_member, assistance"))
    festival = _campaign(FESTIVAL, fund, staff, notes="市总工会统一部署，每户另发米面油各一份。")
    _campaign(SCHOOL, fund, staff, needs_child_in_school=True,
              school_levels=["college", "university"],
              notes="资助困难职工子女上大学，每户一次。")
    made = generate(festival, staff)
    db.session.flush()
    return made
