"""In Chromium: the date picker speaks Chinese, and lists work at a phone's width."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories import make_assistance
from tests.test_browser import log_in

pytest_plugins = ["tests.browser"]
pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}


def test_date_picker_is_chinese(app, page):
    """A date field opens a picker with 一 二 … 日 (Monday first) and Chinese months."""
    log_in(page, "staff")
    page.goto("/admin/trainingclass/new/")
    field = page.locator("input[data-role='datepicker']").first
    field.click()
    picker = page.locator(".daterangepicker:visible")
    expect(picker).to_be_visible()
    days = picker.locator(".calendar.left thead tr").last.locator("th").all_text_contents()
    assert [d.strip() for d in days] == ["一", "二", "三", "四", "五", "六", "日"]
    assert "Su" not in picker.inner_text()
    assert not page.js_errors


@pytest.mark.parametrize("path", ["/admin/assistance/", "/admin/worker/"])
def test_list_fits_a_phone_and_its_table_scrolls(app, page, path):
    """At 375 px the page does not scroll sideways; the table scrolls inside its box."""
    with app.app_context():
        make_assistance()
    log_in(page, "admin")
    page.set_viewport_size(PHONE)
    page.goto(path)
    sizes = page.evaluate("""() => {
        const box = document.querySelector('.table-responsive');
        return {page: document.documentElement.scrollWidth, view: window.innerWidth,
                box: box.scrollWidth, boxView: box.clientWidth,
                overflow: getComputedStyle(box).overflowX};
    }""")
    assert sizes["page"] <= sizes["view"], sizes
    assert sizes["box"] > sizes["boxView"] and sizes["overflow"] == "auto", sizes
    # Cells keep to one line (not a character a line), so a row stays a row high.
    tallest = page.evaluate("""() => Math.max(...[...document.querySelectorAll(
        'table.model-list thead th, table.model-list tbody td')].map(
        c => c.getBoundingClientRect().height))""")
    assert tallest < 60, tallest
    assert re.search(r"\S", page.locator("table.model-list").inner_text())
