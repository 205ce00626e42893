"""Campaigns (帮扶活动): one piece of work that aids many households at once, e.g. 送温暖.

A campaign says who is eligible (files on record, their causes, base unions, a child in
school) and what each household gets: cash by its file's category (``CampaignStandard``;
a category without a standard is not eligible) and an optional goods package
(``CampaignGoods``). ``models.campaign_rules`` previews and generates its applications.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, label, today, utcnow
from models.choices import (
    ASSISTANCE_KINDS,
    HARDSHIP_CAUSES,
    SCHOOL_LEVELS,
    WORKER_CATEGORIES,
    sql_codes,
)
from models.unit_scope import UnitOwned, UnitScoped

MONEY = Numeric(12, 2)


class Campaign(UnitOwned, db.Model):
    __tablename__ = "campaign"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_codes(ASSISTANCE_KINDS)})", name="kind"),
        CheckConstraint("budget > 0", name="budget_positive"),
        CheckConstraint("ends_on >= starts_on", name="period"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # As long as Assistance.campaign, which carries it on every grant of the campaign.
    name: Mapped[str] = mapped_column(String(64), unique=True, info=label(
        _l("Campaign name"), description=_l("e.g. 2027年元旦春节送温暖")))
    kind: Mapped[str] = mapped_column(String(16), index=True, info=label(
        _l("Kind of aid"), choices=ASSISTANCE_KINDS))
    year: Mapped[int] = mapped_column(default=lambda: today().year, index=True,
                                      info=label(_l("Year")))
    starts_on: Mapped[dt.date] = mapped_column(Date, default=today,
                                               info=label(_l("Period from")))
    ends_on: Mapped[dt.date] = mapped_column(Date, default=today, info=label(_l("Period to")))
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id"), index=True,
                                         info=label(_l("Paid from fund")))
    budget: Mapped[Decimal] = mapped_column(MONEY, info=label(_l("Budget (yuan)")))
    # Who is eligible, beyond a file on record in a category with a standard. Empty
    # lists mean "any".
    causes: Mapped[list | None] = mapped_column(JSON, default=list, info=label(
        _l("Hardship causes"), choices=HARDSHIP_CAUSES,
        description=_l("Main or secondary cause; none chosen: any")))
    base_unions: Mapped[list | None] = mapped_column(JSON, default=list, info=label(
        _l("Base unions"), description=_l("None chosen: all")))
    needs_child_in_school: Mapped[bool] = mapped_column(default=False, info=label(
        _l("Has a child in school"), description=_l("Always asked for school aid")))
    school_levels: Mapped[list | None] = mapped_column(JSON, default=list, info=label(
        _l("School levels"), choices=SCHOOL_LEVELS, description=_l("None chosen: any")))
    notes: Mapped[str] = mapped_column(Text, default="", info=label(_l("Notes")))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow,
                                                    info=label(_l("Created at")))

    fund = relationship("Fund")
    created_by = relationship("User", foreign_keys=[created_by_id])
    standards: Mapped[list[CampaignStandard]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan",
        order_by="CampaignStandard.id")
    goods: Mapped[list[CampaignGoods]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", order_by="CampaignGoods.id")

    def __str__(self) -> str:
        return self.name or ""


class CampaignStandard(UnitScoped, db.Model):
    """Cash per household of one file category (深度困难 1,000 元)."""

    unit_from = "campaign"
    __tablename__ = "campaign_standard"
    __table_args__ = (
        UniqueConstraint("campaign_id", "category"),
        CheckConstraint(f"category IN ({sql_codes(WORKER_CATEGORIES)})", name="category"),
        CheckConstraint("cash_amount >= 0", name="cash_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), index=True, info=label(_l("Campaign")))
    category: Mapped[str] = mapped_column(String(16), info=label(
        _l("Category"), choices=WORKER_CATEGORIES))
    cash_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"), info=label(
        _l("Cash per household (yuan)")))

    campaign: Mapped[Campaign] = relationship(back_populates="standards")

    def __str__(self) -> str:
        return f"{WORKER_CATEGORIES.get(self.category, self.category)} {self.cash_amount}"


class CampaignGoods(UnitScoped, db.Model):
    """One item of the goods package every household gets (米 1 袋)."""

    unit_from = "campaign"
    __tablename__ = "campaign_goods"
    __table_args__ = (
        UniqueConstraint("campaign_id", "item_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), index=True, info=label(_l("Campaign")))
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True,
                                         info=label(_l("Item")))
    quantity: Mapped[int] = mapped_column(default=1, info=label(
        _l("Quantity per household")))

    campaign: Mapped[Campaign] = relationship(back_populates="goods")
    item = relationship("Item")

    def __str__(self) -> str:
        return f"{self.item} × {self.quantity}" if self.item is not None else ""
