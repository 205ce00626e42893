"""End-to-end in Chromium: a clerk serves a worker at the love supermarket counter."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from models import Item, LoveCard, Redemption, db
from tests.factories_inventory import make_card, make_item
from tests.test_browser import log_in, open_menu_item

pytest_plugins = ["tests.browser"]
pytestmark = pytest.mark.browser


def test_clerk_redeems_two_items_by_pinyin_search(app, page: Page):
    """Find 欧阳秀英 by ``oyxy``, scan one item, search the other, confirm, see the balance."""
    with app.app_context():
        card_id = make_card("200.00", name="欧阳秀英").id
        make_card("90.00", name="欧阳建国")  # same surname: initials oyjg, not chosen
        rice = make_item("大米 5kg", stock=10, price="25.00", barcode="6901234000011").id
        oil = make_item("花生油 5L", stock=3, price="80.00", unit="桶").id

    log_in(page, "clerk")
    open_menu_item(page, "/admin/counter/")
    expect(page).to_have_url(re.compile(r"/admin/counter/$"))
    expect(page.locator("#holder-q")).to_be_focused()

    page.locator("#holder-q").fill("oyxy")
    page.keyboard.press("Enter")
    expect(page.locator("#holder-name")).to_have_text("欧阳秀英")
    expect(page.locator("#holder-balance")).to_have_text("200.00")
    expect(page.locator("#item-q")).to_be_focused()

    page.keyboard.type("6901234000011")  # a barcode scanner types the code and Enter
    page.keyboard.press("Enter")
    expect(page.locator("#cart tbody tr")).to_have_count(1)
    page.keyboard.type("hsy")
    page.keyboard.press("Enter")
    expect(page.locator("#cart tbody tr")).to_have_count(2)
    page.locator("#cart tbody tr", has_text="大米 5kg").get_by_role("button", name="+").click()

    expect(page.locator("#cart-total")).to_have_text("130.00")
    expect(page.locator("#cart-after")).to_have_text("70.00")
    expect(page.locator("#confirm-redeem")).to_be_enabled()
    page.keyboard.press("F9")

    expect(page.locator("#done-balance")).to_have_text("70.00")
    expect(page.locator(".alert-success").first).to_contain_text("兑换成功")
    expect(page.locator("#holder-q")).to_be_focused()  # ready for the next in the queue
    with app.app_context():
        redemption = db.session.scalar(select(Redemption))
        assert redemption.points == Decimal("130.00") and redemption.clerk.username == "clerk"
        assert sorted((line.item_id, line.quantity) for line in redemption.lines) == [
            (rice, 2), (oil, 1)]
        assert db.session.get(LoveCard, card_id).balance == Decimal("70.00")
        assert (db.session.get(Item, rice).on_hand, db.session.get(Item, oil).on_hand) == (8, 2)
    assert page.js_errors == []


def test_the_counter_will_not_confirm_more_than_the_points(app, page: Page):
    with app.app_context():
        make_card("50.00", name="张秀兰")
        make_item("电饭煲", stock=5, price="200.00", barcode="6901234000202")
    log_in(page, "clerk")
    page.goto("/admin/counter/")
    page.locator("#holder-q").fill("张秀兰")
    page.keyboard.press("Enter")
    expect(page.locator("#holder-name")).to_have_text("张秀兰")
    page.keyboard.type("6901234000202")
    page.keyboard.press("Enter")
    expect(page.locator("#cart-warning")).to_contain_text("积分不足：还差 150.00 积分")
    expect(page.locator("#cart-after")).to_have_text("-150.00")
    expect(page.locator("#confirm-redeem")).to_be_disabled()
    assert page.js_errors == []
