"""Exported workbooks print: columns fit, long text wraps, landscape A4 one page wide."""
from __future__ import annotations

import datetime as dt
import io
from urllib.parse import unquote

import openpyxl
import pytest

from models.report import year_figures
from portal.excel import layout
from portal.excel.spec import Column
from portal.report_xlsx import write_report
from tests.factories import make_worker

CARD = "6222020200112233445"   # 19 digits
LONG_UNIT = "某某市某某区第一机床制造有限责任公司第二分公司机修车间设备维护班组"
FREE_TEXT = {"工作单位"}   # the only value here longer than its column may be


def _export(client, url="/admin/worker/export/xlsx/"):
    response = client.get(url)
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.data))


def _columns(sheet) -> dict:
    """Return each header's column letter."""
    return {cell.value: cell.column_letter for cell in sheet[1]}


def _shown(value) -> str:
    """Return a read-back value as the sheet shows it."""
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d %H:%M}" if value.time() != dt.time() else f"{value:%Y-%m-%d}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def _assert_prints(sheet, title_rows="$1:$1"):
    setup = sheet.page_setup
    assert setup.orientation == "landscape" and int(setup.paperSize) == 9
    assert int(setup.fitToWidth) == 1 and int(setup.fitToHeight) == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == title_rows
    assert "第 &P 页，共 &N 页" in sheet.oddFooter.center.text


def test_export_prints_landscape_a4_one_page_wide(app, client, auth):
    """Both sheets: A4 landscape, fit to width, header on every page, page x of n."""
    with app.app_context():
        make_worker(members=[{"name": "配偶甲"}])
    auth.login("manager")
    book = _export(client)
    assert len(book.worksheets) == 2
    for sheet in book.worksheets:
        _assert_prints(sheet)


def test_columns_fit_cards_ids_and_headers_and_long_units_wrap(app, client, auth):
    """A 19-digit card and an 18-digit ID are never cut; a long unit name wraps."""
    with app.app_context():
        make_worker(name="宽度甲", bank_card_no=CARD, employer=LONG_UNIT)
    auth.login("manager")
    sheet = _export(client).worksheets[0]
    letters = _columns(sheet)
    width = {header: sheet.column_dimensions[letter].width for header, letter in letters.items()}
    assert width["银行卡号"] >= len(CARD) + 1 and width["身份证号"] >= 18 + 1
    employer = sheet[f"{letters['工作单位']}2"]
    assert employer.value == LONG_UNIT and employer.alignment.wrap_text
    assert width["工作单位"] <= layout.WRAP_AT + layout.PAD  # wraps rather than widens
    assert sheet[f"{letters['银行卡号']}2"].value == CARD
    for header, letter in letters.items():
        # A header takes at most two lines; every value but free text fits its column
        # whole (a card, an ID, a date, an amount, a choice's label).
        assert width[header] >= layout.text_width(header) / 2 + 1, header
        value = sheet[f"{letter}2"].value
        if value is not None and header not in FREE_TEXT:
            assert width[header] >= layout.text_width(_shown(value)), header


def test_widths_come_from_kinds_when_the_sample_is_empty():
    """Without rows the kind still sizes a column: a card is 19 digits, a date 10 chars."""
    columns = [Column("bank_card_no", "银行卡号"), Column("id_number", "身份证号"),
               Column("filed_on", "建档日期", kind="date"), Column("notes", "备注"),
               Column("per_capita_income", "家庭人均月收入（元）", kind="money")]
    widths, two_lines = layout.fit(columns, [])
    assert widths[0] >= 21 and widths[1] >= 20 and widths[2] >= 12
    assert [layout.wraps(c) for c in columns] == [False, False, False, True, False]
    assert two_lines and widths[4] < layout.text_width("家庭人均月收入（元）")
    assert layout.text_width("身份证号A1") == 10


def test_a_sample_widens_text_up_to_the_wrap_limit():
    """Text seen in the first rows widens its column, up to the width where it wraps."""
    column = [Column("employer", "工作单位")]
    assert layout.fit(column, [["第一机床厂有限公司"]])[0] == [18 + layout.PAD]
    assert layout.fit(column, [[LONG_UNIT]])[0] == [layout.WRAP_AT + layout.PAD]


def test_household_sheet_names_the_worker_and_still_imports(app, client, auth, tmp_path):
    """The members sheet has the worker's name beside the ID; the file imports unchanged."""
    from portal.excel.importer import run_import
    from portal.excel.specs import worker_spec
    from tests.factories import user

    with app.app_context():
        make_worker(name="户主乙", members=[{"name": "女儿乙"}])
    auth.login("manager")
    data = client.get("/admin/worker/export/xlsx/").data
    members = openpyxl.load_workbook(io.BytesIO(data)).worksheets[1]
    assert [c.value for c in members[1]][:3] == ["职工姓名", "职工身份证号", "姓名"]
    assert [c.value for c in members[2]][0] == "户主乙"
    with app.test_request_context():
        report = run_import(worker_spec(), data, user("admin"), dry_run=True)
    assert report.errors == [] and report.unchanged == 1


def test_download_names_use_china_time(app, client, auth, monkeypatch):
    """At 17:30 UTC it is already 01:30 the next day in China; the file name says so."""
    monkeypatch.setattr("models.display.utcnow", lambda: dt.datetime(2026, 1, 1, 17, 30))
    auth.login("manager")
    for kind in ("xlsx", "csv"):
        disposition = client.get(f"/admin/worker/export/{kind}/").headers[
            "Content-Disposition"]
        assert f"-20260102-0130.{kind}" in unquote(disposition)


def test_cli_refuses_a_column_that_is_not_exported(app, runner, tmp_path):
    """`--columns kind,version`: refused in Chinese, non-zero exit, no file."""
    target = tmp_path / "aid.xlsx"
    result = runner.invoke(args=["export", "assistance", str(target),
                                 "--columns", "kind,version"])
    assert result.exit_code != 0
    assert "以下列不能导出：version" in result.output
    assert "kind（" in result.output and "Traceback" not in result.output
    assert not target.exists()
    result = runner.invoke(args=["export", "assistance", str(target), "--columns", "kind"])
    assert result.exit_code == 0, result.output
    assert [c.value for c in openpyxl.load_workbook(target).active[1]] == ["帮扶类别"]


def test_web_export_refuses_unknown_columns_back_on_the_chooser(app, client, auth):
    """A hand-made URL asking for a column that is not exported lands on the chooser."""
    auth.login("manager")
    response = client.get("/admin/assistance/export/xlsx/?columns=kind,version"
                          "&search=x")
    assert response.status_code == 302
    assert "/admin/assistance/export/?" in response.headers["Location"]
    assert "search=x" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "以下列不能导出：version" in page


@pytest.fixture
def report_book(app, tmp_path):
    target = tmp_path / "report.xlsx"
    with app.test_request_context():
        write_report(year_figures(2025), target)
    return openpyxl.load_workbook(target)


def test_year_report_prints_each_table_whole(report_book):
    """Every sheet prints landscape A4 one page wide, its heading on every page, a page
    break after each table but the last, so no table is split across pages."""
    multi_table = 0
    for sheet in report_book.worksheets:
        _assert_prints(sheet, title_rows="$1:$2")
        titles = [row for row in range(4, sheet.max_row + 1)
                  if sheet.cell(row, 1).font.b and sheet.cell(row + 1, 1).fill.fgColor.rgb
                  == "00DDEBF7"]
        breaks = [b.id for b in sheet.row_breaks.brk]
        assert len(breaks) == len(titles) - 1, sheet.title
        for after, title in zip(breaks, titles[1:], strict=True):
            assert after < title and sheet.cell(after + 1, 1).value is None
        multi_table += len(titles) > 1
    assert multi_table >= 3   # workers, donations, loans, notices have two tables each


def test_year_report_labels_fit_or_wrap(report_book):
    """The label column is as wide as its labels up to a limit, then they wrap."""
    sheet = report_book.worksheets[0]   # workers: the cause × category grid
    labels = [sheet.cell(row, 1) for row in range(5, sheet.max_row + 1)
              if sheet.cell(row, 1).border.left.style]
    widest = max(layout.text_width(c.value) for c in labels)
    width = sheet.column_dimensions["A"].width
    assert width >= min(widest, 40) and width <= 40 + layout.PAD
    assert all(c.alignment.wrap_text for c in labels)
    for column in range(2, sheet.max_column + 1):
        letter = openpyxl.utils.get_column_letter(column)
        assert sheet.column_dimensions[letter].width >= 10
