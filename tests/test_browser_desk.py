"""End-to-end in Chromium: staff take a call from a returning caller, a manager hands the
case on, and the staff member it went to finds it on the start page."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from models import User, db
from models.service_case import ServiceCase
from tests.browser import screenshot
from tests.conftest import PASSWORDS
from tests.factories import user
from tests.factories_desk import make_case, make_person
from tests.test_browser import log_in

pytest_plugins = ["tests.browser"]
pytestmark = pytest.mark.browser

PHONE = "13705312468"


def log_in_as(page: Page, username: str, password: str) -> None:
    page.locator("#logout").click()
    expect(page).to_have_url(re.compile(r"/login"))
    page.goto("/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.locator("form:has(#password) [type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/?$"))
    page.wait_for_load_state("load")


def test_staff_take_a_returning_call_and_a_manager_hands_it_on(app, page: Page):
    with app.app_context():
        staff = user("staff")
        caller = make_person(name="刘春生", phone=PHONE)
        earlier = make_case(person=caller, summary="工地拖欠三个月工资").id
        colleague = User(username="wangxh", full_name="王小红", role="staff",
                         unit_id=staff.unit_id, password_hash=staff.password_hash)
        db.session.add(colleague)
        db.session.commit()
        caller_id, colleague_id = caller.id, colleague.id

    # The call: the phone first; the earlier contact shows while the caller talks.
    log_in(page, "staff")
    page.goto("/admin/servicecase/new/")
    expect(page.locator("#phone")).to_be_focused()
    page.locator("#phone").press_sequentially("137 0531 2468", delay=20)
    lookup = page.locator("#desk-lookup-body")
    expect(lookup).to_contain_text("刘春生")
    expect(lookup).to_contain_text(f"#{earlier}")
    expect(lookup).to_contain_text("工地拖欠三个月工资")
    page.locator("#case_type label", has_text="法律援助").click()
    page.locator("#summary").fill("工资仍未追回，想申请法律援助")
    screenshot(page, "desk-returning-caller")
    page.locator("form.admin-form [type=submit]").first.click()
    expect(page.locator(".alert-success").first).to_be_visible()
    with app.app_context():
        case = db.session.scalars(select(ServiceCase).order_by(ServiceCase.id.desc())).first()
        assert (case.person_id, case.case_type, case.channel, case.state) == (
            caller_id, "legal_aid", "call", "received")
        pk = case.id

    # The manager hands it on to a colleague.
    log_in_as(page, "manager", PASSWORDS["manager"])
    page.goto(f"/admin/servicecase/step/?id={pk}")
    expect(page.locator("#case-earlier")).to_contain_text(f"#{earlier}")
    page.locator("#assign-assignee_id").select_option(str(colleague_id))
    page.locator("#assign-handling_mode").select_option("self")
    page.locator("#step-assign button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("已")
    expect(page.locator("#record-state")).to_have_text("已分派")
    page.goto("/admin/")   # this month: 2 received, none resolved yet
    expect(page.locator("#fig-desk-done-rate .dash-value")).to_have_text("0.00%")
    expect(page.locator("#fig-desk-on-time-rate .dash-value")).to_have_text("—")
    screenshot(page, "desk-manager-start-page")

    # The colleague sees it among their open cases on the start page, and opens it.
    log_in_as(page, "wangxh", PASSWORDS["staff"])
    mine = page.locator("#fig-desk-mine")
    expect(mine).to_have_attribute("data-count", "1")
    screenshot(page, "desk-assignee-start-page")
    mine.click()
    expect(page.locator("td", has_text="法律援助").first).to_be_visible()
    assert page.js_errors == []
