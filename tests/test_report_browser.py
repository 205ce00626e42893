"""In Chromium: the manager's start page and the year-end statistics with their charts,
drawn on the server as SVG, over the demo centre (issue 16). The screenshots are kept in
test-artifacts/ for a person to look at: the Chinese labels must be readable."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from models import User, db
from seed.demo import AS_OF
from tests.browser import screenshot
from tests.conftest import HASHES, PASSWORDS
from tests.test_browser_units import log_in_as

pytest_plugins = ["tests.browser"]
pytestmark = pytest.mark.browser


def _manager_can_log_in(app) -> None:
    with app.app_context():
        manager = db.session.scalar(select(User).where(User.username == "manager"))
        manager.password_hash = HASHES["manager"]
        db.session.commit()


def test_manager_start_page_shows_the_charts(app, demo, page: Page):
    _manager_can_log_in(app)
    log_in_as(page, "manager", PASSWORDS["manager"])
    for key in ("chart-aid-months", "chart-years", "chart-categories"):
        chart = page.locator(f"#panel-{key} svg.chart")
        expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert box["width"] > 300 and box["height"] > 120, key
    months = page.locator("#panel-chart-aid-months svg rect.bar")
    assert months.count() == 12 * 7
    assert page.locator("#panel-chart-years svg rect.bar").count() == 5 * 2
    assert page.locator("#panel-chart-categories svg text", has_text="深度困难").count() == 1
    # The labels are drawn with a CJK face: 12 px characters, each about a full em wide.
    label = page.locator("#panel-chart-aid-months svg text.category", has_text="10月")
    assert label.bounding_box()["width"] > 14
    # The reviews a manager sees to: two figures, each a link to its list (issue 16).
    for key in ("reviews-past-due", "reviews-to-approve"):
        expect(page.locator(f"#panel-reviews #fig-{key}")).to_be_visible()
    assert page.js_errors == []
    page.locator("#panel-chart-aid-months").scroll_into_view_if_needed()
    screenshot(page, "start-page-manager-charts")


def test_year_report_shows_summary_and_charts_and_copies(app, demo, page: Page):
    _manager_can_log_in(app)
    log_in_as(page, "manager", PASSWORDS["manager"])
    page.goto(f"/admin/report/?year={AS_OF.year}")
    expect(page.locator("#summary-text")).to_contain_text("全年共救助困难职工")
    assert page.locator("figure.report-chart svg").count() == 6
    expect(page.locator("#chart-years svg")).to_be_visible()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.locator("#copy-summary").click()
    expect(page.locator("#copy-summary")).to_have_text("已复制")
    assert page.js_errors == []
    screenshot(page, "year-report-summary", full_page=False)
    page.locator("#chart-aid-months").scroll_into_view_if_needed()
    screenshot(page, "year-report-aid-charts", full_page=False)
