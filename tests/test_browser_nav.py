"""In Chromium at 1366×768: the menu is one row for every role, next steps read in words."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from models import User, db
from seed.demo import DEMO_NAMES
from tests.browser import screenshot
from tests.conftest import PASSWORDS
from tests.factories import make_assistance
from tests.test_browser import log_in

pytest_plugins = ["tests.browser"]
pytestmark = pytest.mark.browser

# Every top-level thing in the navbar: brand, menu entries, the user's menu, logout.
NAV_ITEMS = ("#admin-navbar-collapse > .navbar-brand, #admin-navbar-collapse > ul > li, "
             "#user-menu, #logout")


@pytest.mark.parametrize("role", sorted(PASSWORDS))
def test_menu_fits_one_row_at_1366(app, page: Page, role):
    """Brand, every menu, the user's name and 退出登录 share one row; no label breaks."""
    with app.app_context():
        for user in db.session.query(User):  # the demo's names, as a centre would have
            user.full_name = DEMO_NAMES[user.role]
        db.session.commit()
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, role)
    screenshot(page, f"navbar-{role}", full_page=False)
    boxes = page.locator(NAV_ITEMS).evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return {text: e.innerText.trim(), top: r.top, bottom: r.bottom}; })")
    assert len(boxes) >= 4
    middles = {round((box["top"] + box["bottom"]) / 2) for box in boxes}
    assert max(middles) - min(middles) <= 4, f"{role}: the menu wraps: {boxes}"
    navbar = page.locator("nav.navbar").bounding_box()
    assert navbar["height"] < 70, f"{role}: the navbar is {navbar['height']} px high"
    # 退出登录 on one line: as high as a one-line small button.
    logout = page.locator("#logout")
    expect(logout).to_have_text("退出登录")
    line = logout.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
    assert logout.bounding_box()["height"] < 2 * line
    # The user's menu still offers the role and the change-password page.
    page.locator("#user-menu").click()
    expect(page.locator("#change-password")).to_be_visible()
    screenshot(page, f"navbar-{role}-user-menu", full_page=False)


def test_next_steps_read_in_words_and_no_pencil_on_a_closed_record(app, page: Page):
    """审批流程 is a word on each row and the details page; a rejected record has no pencil."""
    with app.app_context():
        rejected = make_assistance(state="rejected", reason="不符合条件")
        applied = make_assistance(state="applied", reason="家庭困难")
        ids = rejected.id, applied.id
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, "admin")
    page.goto("/admin/assistance/")
    for pk in ids:
        row = page.locator(f"tr:has(input.action-checkbox[value='{pk}'])")
        expect(row.locator("a.row-step", has_text="审批流程")).to_be_visible()
        pencils = row.locator(f"a[href*='/admin/assistance/edit/?id={pk}']")
        expect(pencils).to_have_count(0 if pk == ids[0] else 1)
    screenshot(page, "row-actions-assistance", full_page=False)
    page.goto(f"/admin/assistance/details/?id={ids[0]}")
    expect(page.locator("#record-steps a.row-step", has_text="审批流程")).to_be_visible()
    expect(page.locator("#edit-link")).to_have_count(0)
    screenshot(page, "details-steps-assistance", full_page=False)
    page.locator("#record-steps a.row-step", has_text="审批流程").click()
    expect(page).to_have_url(f"{page.url.split('/admin/')[0]}/admin/assistance/step/?id={ids[0]}")
    assert not page.js_errors
