"""Export of the current list to Excel: typed, formula-safe, filtered and audited."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
from sqlalchemy import select

from models import AuditLog, db
from tests.factories import make_worker


def workbook(response):
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    return openpyxl.load_workbook(io.BytesIO(response.data)).active


def test_export_applies_search_and_types_cells(app, client, auth):
    """Only the searched rows come out, with Chinese headers, numbers and dates typed."""
    with app.app_context():
        make_worker(name="导出人", household_income=Decimal("36000.50"),
                    last_reviewed_on=dt.date(2026, 3, 1))
        make_worker(name="不导出")
    auth.login("manager")
    sheet = workbook(client.get("/admin/worker/export/xlsx/?search=导出人"))
    rows = list(sheet.iter_rows(values_only=True))
    header, data = rows[0], rows[1:]
    assert "姓名" in header and "身份证号" in header
    assert len(data) == 1 and data[0][header.index("姓名")] == "导出人"
    assert isinstance(data[0][header.index("家庭人均月收入（元）")], (int, float))
    assert data[0][header.index("最近复核日期")].date() == dt.date(2026, 3, 1)
    assert data[0][header.index("档案状态")] == "在档"
    assert sheet.freeze_panes == "A2"


def test_formulas_are_written_as_text(app, client, auth):
    """A cell that starts like a formula is a literal string in the file."""
    with app.app_context():
        make_worker(name="=HYPERLINK(\"http://x\")", employer=" +1+1", base_union="@SUM(A1)")
    auth.login("manager")
    response = client.get("/admin/worker/export/xlsx/")
    assert b"<f>" not in _sheet_xml(response.data)
    sheet = workbook(response)
    values = [c for row in sheet.iter_rows(min_row=2, values_only=True) for c in row]
    assert '=HYPERLINK("http://x")' in values and " +1+1" in values


def _sheet_xml(data: bytes) -> bytes:
    import zipfile
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_export_is_audited(app, client, auth):
    """Every export leaves an entry with who, what and how many rows."""
    with app.app_context():
        make_worker()
        make_worker()
    auth.login("manager")
    client.get("/admin/worker/export/xlsx/?search=张")
    with app.app_context():
        row = db.session.scalar(select(AuditLog).where(AuditLog.action == "export"))
        assert (row.username, row.record_type) == ("manager", "worker")
        assert row.changes["rows"] == [None, 2] and "search" in row.note
