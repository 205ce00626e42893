"""Sign-off sheets (发放签收表) of a campaign: its granted records by base union, in pages.

The printed sheet and the Excel workbook read the same rows: one sheet per base union,
each record a line to sign, page totals on paper and a total per base union. Read only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from models.assistance import Assistance
from models.base import db
from models.campaign import Campaign
from models.worker import Worker

ROWS_PER_PAGE = 20  # lines of one printed A4 page, with room for a signature each
SIGNED_STATES = ("approved", "paid")
ZERO = Decimal("0.00")


@dataclass
class SheetLine:
    number: int
    name: str
    file_no: int
    cash: Decimal
    goods: str
    goods_value: Decimal
    state: str


@dataclass
class Page:
    lines: list[SheetLine]

    @property
    def cash(self) -> Decimal:
        return sum((line.cash for line in self.lines), ZERO)

    @property
    def goods_value(self) -> Decimal:
        return sum((line.goods_value for line in self.lines), ZERO)


@dataclass
class UnionSheet:
    base_union: str
    lines: list[SheetLine] = field(default_factory=list)

    @property
    def pages(self) -> list[Page]:
        return [Page(self.lines[i:i + ROWS_PER_PAGE])
                for i in range(0, len(self.lines), ROWS_PER_PAGE)]

    @property
    def cash(self) -> Decimal:
        return sum((line.cash for line in self.lines), ZERO)

    @property
    def goods_value(self) -> Decimal:
        return sum((line.goods_value for line in self.lines), ZERO)


def _money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def signoff_sheets(campaign: Campaign) -> list[UnionSheet]:
    """Return the campaign's approved and paid records, one sheet per base union."""
    rows = db.session.execute(
        select(Worker.base_union, Worker.name, Worker.id, Assistance.cash_amount,
               Assistance.goods, Assistance.goods_value, Assistance.state)
        .join(Worker, Worker.id == Assistance.worker_id)
        .where(Assistance.campaign_id == campaign.id, Assistance.state.in_(SIGNED_STATES))
        .order_by(Worker.base_union, Worker.id))
    sheets: dict[str, UnionSheet] = {}
    for union, name, file_no, cash, goods, goods_value, state in rows:
        sheet = sheets.setdefault(union or "", UnionSheet(union or ""))
        sheet.lines.append(SheetLine(len(sheet.lines) + 1, name, file_no, _money(cash),
                                     goods or "", _money(goods_value), state))
    return list(sheets.values())
