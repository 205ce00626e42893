"""Excel in a real browser (Chromium): choose columns and export; import with preview."""
from __future__ import annotations

import re

import openpyxl
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from models import Worker, db
from tests.excel_files import worker_book, worker_row
from tests.factories import id_number, make_worker
from tests.test_browser import log_in

pytest_plugins = ["tests.browser"]
pytestmark = pytest.mark.browser


def test_manager_exports_the_searched_list_with_chosen_columns(app, page: Page, tmp_path):
    with app.app_context():
        make_worker(name="王导出", phone="13800000001")
        make_worker(name="李留下", phone="13800000002")
    log_in(page, "manager")
    page.goto("/admin/worker/?search=王导出")
    page.locator("#export-options-link").click()
    expect(page.locator("#export-scope")).to_contain_text("1 条")
    for key in ("name", "phone"):
        expect(page.locator(f"#col-{key}")).to_be_checked()
    checked = page.locator("input[name=columns]")
    for box in checked.all():
        if box.get_attribute("value") not in ("name", "phone"):
            box.uncheck()
    page.locator("#export-children").uncheck()
    with page.expect_download() as download:
        page.locator("#export-xlsx").click()
    name = download.value.suggested_filename
    assert re.fullmatch(r"困难职工档案-\d{8}-\d{4}\.xlsx", name), name
    path = tmp_path / "out.xlsx"
    download.value.save_as(path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["困难职工档案"]
    assert list(book.active.iter_rows(values_only=True)) == [
        ("姓名", "联系电话"), ("王导出", "13800000001")]


def test_staff_imports_workers_after_a_preview(app, page: Page, tmp_path):
    number = id_number()
    with app.test_request_context():
        data = worker_book([worker_row(number, name="赵导入")])
    path = tmp_path / "workers.xlsx"
    path.write_bytes(data)
    log_in(page, "staff")
    page.goto("/admin/worker/")
    page.locator("#import-link").click()
    with page.expect_download() as template:
        page.locator("#download-template").click()
    assert template.value.suggested_filename.endswith(".xlsx")
    template.value.save_as(tmp_path / "template.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "template.xlsx").active
    assert "姓名*" in [c.value for c in sheet[1]]

    page.locator("#import-file").set_input_files(path)
    page.locator("#import-check").click()
    expect(page.locator("#import-summary")).to_contain_text("新建：1")
    with app.app_context():
        assert db.session.scalar(select(Worker).where(Worker.id_number == number)) is None
    page.locator("#import-confirm").click()
    expect(page).to_have_url(re.compile(r"/admin/worker/"))
    expect(page.locator(".alert-success")).to_contain_text("新建 1")
    expect(page.locator("table.model-list")).to_contain_text("赵导入")
