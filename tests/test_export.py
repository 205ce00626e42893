"""Export of the current list to Excel: typed, formula-safe, filtered and audited."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
from sqlalchemy import select

from models import AuditLog, db
from models.base import freeze_today
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


def test_csv_has_bom_and_neutralised_formulas(app, client, auth):
    """CSV opens in Excel as UTF-8 and a formula-like cell is quoted as text."""
    with app.app_context():
        make_worker(name="=cmd|' /C calc'!A0")
    auth.login("manager")
    response = client.get("/admin/worker/export/csv/")
    assert response.data.startswith("\ufeff".encode())
    text = response.data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("姓名,身份证号")
    assert "'=cmd" in text


def test_selected_rows_and_chosen_columns(app, client, auth):
    """The selected-rows scope and the columns parameter are honoured."""
    with app.app_context():
        keep = make_worker(name="选中的").id
        make_worker(name="没选的")
    auth.login("manager")
    sheet = workbook(client.get(f"/admin/worker/export/xlsx/?id_list={keep}"
                                "&columns=name,phone"))
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("姓名", "联系电话") and len(rows) == 2 and rows[1][0] == "选中的"
    response = client.post("/admin/worker/action/", data={
        "action": "export_selected", "rowid": [keep], "csrf_token": auth.token()})
    assert response.status_code == 302 and f"id_list={keep}" in response.headers["Location"]


def test_household_members_on_a_second_sheet(app, client, auth):
    """Worker exports carry the members of the exported files on a second sheet."""
    from tests.factories import id_number
    with app.app_context():
        make_worker(name="有家属", members=[{"name": "配偶甲", "id_number": id_number()}])
        make_worker(name="被筛掉", members=[{"name": "配偶乙", "id_number": id_number()}])
    auth.login("manager")
    data = client.get("/admin/worker/export/xlsx/?search=有家属").data
    book = openpyxl.load_workbook(io.BytesIO(data))
    members = list(book.worksheets[1].iter_rows(values_only=True))
    assert book.sheetnames[1] == "家庭成员" and len(members) == 2
    member = dict(zip(members[0], members[1], strict=True))
    assert member["姓名"] == "配偶甲" and member["与职工关系"] == "配偶"
    # The worker is named beside the ID number, so a printed sheet says whose household.
    assert members[0][:2] == ("职工姓名", "职工身份证号") and member["职工姓名"] == "有家属"


def test_column_chooser_keeps_the_list_filters(app, client, auth):
    """The chooser page counts the list's rows and its form exports only the ticked columns."""
    with app.app_context():
        make_worker(name="选列人")
        make_worker(name="别人")
    auth.login("manager")
    page = client.get("/admin/worker/export/?search=选列人").get_data(as_text=True)
    assert "1 条" in page and 'name="search" value="选列人"' in page
    assert 'value="id_number"' in page and 'id="export-children"' in page
    response = client.get("/admin/worker/export/xlsx/?search=选列人&columns=name"
                          "&columns=phone&children=0&children=1")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0] == ("姓名", "联系电话") and rows[1][0] == "选列人" and len(rows) == 2
    assert len(book.sheetnames) == 2
    alone = client.get("/admin/worker/export/xlsx/?columns=name&children=0")
    assert len(openpyxl.load_workbook(io.BytesIO(alone.data)).sheetnames) == 1


def test_column_chooser_needs_export_right(app, client, auth):
    """Staff may read workers but not export them: the chooser answers 403 too."""
    auth.login("staff")
    assert client.get("/admin/worker/export/").status_code == 403
    assert client.get("/admin/worker/export/xlsx/").status_code == 403


def test_loan_export_has_derived_figures(app, client, auth):
    """Outstanding, next due, days overdue and bucket come out as the loan list shows them."""
    from tests.factories_loans import disbursed_loan

    with app.app_context():
        loan = disbursed_loan("10000.00", 7)
        first_due = loan.instalments[0].due_on
    auth.login("manager")
    freeze_today(first_due + dt.timedelta(days=40))  # thawed by the app fixture
    sheet = workbook(client.get("/admin/loan/export/xlsx/"))
    header, row = list(sheet.iter_rows(values_only=True))[:2]
    value = dict(zip(header, row, strict=True))
    assert value["尚欠金额（元）"] == 10000 and value["下次应还日期"].date() == first_due
    assert value["逾期天数"] == 40 and value["逾期区间"] == "31–60天"
    assert value["逾期金额（元）"] == 2857.14  # the first two instalments have fallen due
    assert value["身份证号"] and value["职工姓名"]


def test_points_ledger_export_names_the_card(app, client, auth):
    """A relation without a name column (the love card) is exported by its card no."""
    from tests.factories_inventory import make_card

    with app.app_context():
        card_no = make_card(points="30.00").card_no
    auth.login("manager")
    sheet = workbook(client.get("/admin/cardentry/export/xlsx/"))
    header, row = list(sheet.iter_rows(values_only=True))[:2]
    assert card_no in row and header[row.index(card_no)]


def test_every_exportable_list_exports_the_demo_centre(app, client, auth, demo):
    """Each list the admin may export comes out as .xlsx and .csv, one row per record."""
    from portal.registry import record_types

    auth.login("admin")
    for record in record_types():
        if not record.allows("admin", "X"):
            continue
        with app.app_context():
            total = db.session.query(record.model).count()
        sheet = workbook(client.get(f"/admin/{record.endpoint}/export/xlsx/"))
        rows = list(sheet.iter_rows(values_only=True))
        assert all(rows[0]) and len(rows) - 1 == total, record.endpoint
        text = client.get(f"/admin/{record.endpoint}/export/csv/").get_data(as_text=True)
        assert text.startswith("\ufeff") and len(text.splitlines()) >= 1 + min(total, 1)


def test_times_are_exported_in_china_time_like_the_lists(app, client, auth):
    """Stored UTC times come out as the lists show them: China Standard Time."""
    from models import CardEntry
    from tests.factories_inventory import make_card

    with app.app_context():
        make_card(points="30.00")
        stored = db.session.scalar(select(CardEntry.at))
    auth.login("manager")
    sheet = workbook(client.get("/admin/cardentry/export/xlsx/"))
    header, row = list(sheet.iter_rows(values_only=True))[:2]
    shown = row[header.index("时间")]
    assert abs(shown - (stored + dt.timedelta(hours=8))) < dt.timedelta(seconds=1)
    listed = client.get("/admin/cardentry/").get_data(as_text=True)
    assert shown.strftime("%Y-%m-%d %H:%M") in listed
