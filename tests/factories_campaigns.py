"""Factories for campaigns (issue 18)."""
from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from models import db
from models.campaign import Campaign, CampaignGoods, CampaignStandard
from models.campaign_rules import check_campaign
from tests.factories import make_fund, user

_sequence = itertools.count(1)


def make_campaign(standards: dict | None = None, goods: list | None = None, fund=None,
                  commit: bool = True, **overrides) -> Campaign:
    """Create a 送温暖 campaign: deep 1,000 元, relative 600 元 unless told otherwise.

    ``goods``: (item, quantity per household) pairs.
    """
    n = next(_sequence)
    if fund is None:
        fund = make_fund(name=f"送温暖专项资金{n}", balance="100000.00")
    values = dict(name=f"2026年元旦春节送温暖{n}", kind="festival", year=2026,
                  starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 2, 28), fund=fund,
                  budget=Decimal("500000.00"), created_by_id=user("staff").id)
    values.update(overrides)
    campaign = Campaign(**values)
    for category, cash in (standards if standards is not None else
                           {"deep": "1000", "relative": "600"}).items():
        campaign.standards.append(CampaignStandard(category=category,
                                                   cash_amount=Decimal(cash)))
    for item, quantity in goods or []:
        campaign.goods.append(CampaignGoods(item=item, quantity=quantity))
    db.session.add(campaign)
    if commit:
        check_campaign(campaign)
        db.session.commit()
    return campaign
