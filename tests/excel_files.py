"""Build workbooks for import tests with openpyxl, as a user's Excel would."""
from __future__ import annotations

import io
import zipfile

from openpyxl import Workbook

from portal.excel.specs import worker_spec

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def headers(spec) -> list[str]:
    return [c.header for c in spec.columns if not c.export_only]


def worker_book(rows: list[dict], members: list[dict] | None = None, **edit) -> bytes:
    """Return an .xlsx with worker rows (dicts keyed by spec key) and household members."""
    spec = worker_spec()
    book = Workbook()
    sheet = book.active
    sheet.title = str(spec.title)
    columns = [c for c in spec.columns if not c.export_only]
    sheet.append([c.header for c in columns])
    for row in rows:
        sheet.append([row.get(c.key) for c in columns])
    if members is not None:
        child = book.create_sheet(str(spec.children.title))
        sheet_columns = spec.children.columns
        child.append([c.header for c in sheet_columns])
        for member in members:
            child.append([member.get(c.key) for c in sheet_columns])
    for key, value in edit.items():
        getattr(sheet, key)(*value) if callable(getattr(sheet, key)) else None
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def worker_row(number: str, **overrides) -> dict:
    row = {"name": "孙立新", "id_number": number, "phone": "13600001111",
           "base_union": "重汽集团工会", "employer": "中国重汽集团", "category": "相对困难",
           "main_cause": "患重特大疾病", "household_income": 30000, "essential_spending": 6000}
    row.update(overrides)
    return row


def zip_bomb() -> bytes:
    """Return a small zip that unpacks to gigabytes, dressed as a workbook."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as stream:
            block = b"\0" * (1 << 20)
            for _ in range(1100):
                stream.write(block)
    return out.getvalue()
