"""A campaign's sign-off sheets (发放签收表) as an .xlsx workbook: one sheet per base union,
a totals row, every cell through the streaming writer's formula-safe cells."""
from __future__ import annotations

import re

from flask_babel import gettext as _

from models.campaign_sheets import UnionSheet
from portal.excel.xlsx import Workbook

BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
WIDTHS = [6, 12, 10, 12, 30, 12, 16, 12]
SIGNING_ROW = 24  # points: room for a signature by hand


def headers() -> list[str]:
    return [_("Line no."), _("Name"), _("File no."), _("Cash (yuan)"), _("Goods"),
            _("Goods value (yuan)"), _("Signature"), _("Date signed")]


def sheet_name(union: str, taken: set[str]) -> str:
    """Return a sheet name Excel accepts (31 characters, none of []:*?/\\), unique."""
    base = BAD_SHEET_CHARS.sub("_", union or _("No base union"))[:28] or "_"
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base[:28 - len(str(n))]}({n})"
    taken.add(name)
    return name


def footer(title: str, union: str) -> str:
    """Return the printed footer: the campaign and base union left, page of pages right."""
    text = f"{title} {union}".replace("&", "&&")
    return f"&L{text}&R&P / &N"


def write_signoff(title: str, sheets: list[UnionSheet], target) -> None:
    """Write the sign-off sheets into ``target`` (a path or a binary file)."""
    book, taken = Workbook(target), set()
    for sheet in sheets or [UnionSheet("")]:
        writer = book.sheet(sheet_name(sheet.base_union, taken), WIDTHS,
                            footer=footer(title, sheet.base_union), row_height=SIGNING_ROW)
        writer.header(headers())
        for line in sheet.lines:
            writer.row([line.number, line.name, line.file_no, line.cash, line.goods,
                        line.goods_value, "", ""])
        writer.row([_("Total"), _("%(n)d households", n=len(sheet.lines)), None,
                    sheet.cash, None, sheet.goods_value, "", ""])
        writer.close()
    book.close()
