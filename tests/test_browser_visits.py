"""End-to-end in Chromium: staff record a visit from the worker's page that needs follow-up,
and open a desk case for the worker from it in one click."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from models import db
from models.base import today
from models.visit import Visit
from tests.factories import make_worker
from tests.test_browser import choose, log_in
from tests.test_browser_forms import submit

pytest_plugins = ["tests.browser"]
pytestmark = pytest.mark.browser


def test_staff_record_a_visit_and_open_a_desk_case_from_it(app, page: Page):
    with app.app_context():
        worker_id = make_worker(name="钱秀英", phone="13812349876").id
    log_in(page, "staff")
    page.goto(f"/admin/worker/details/?id={worker_id}")
    page.locator("#worker-new-records a", has_text="登记走访").click()
    expect(page).to_have_url(re.compile(rf"/admin/visit/new/\?worker_id={worker_id}"))
    page.locator("#visited_on").fill(today().isoformat())
    choose(page, "kind", "hospital")
    page.locator("#visitors").fill("王帮扶、社区主任")
    page.locator("#found").fill("术后在家休养，医药费负担重")
    page.locator("#follow_up").check()
    page.locator("#follow_up_note").fill("协助申请医疗救助")
    submit(page)
    with app.app_context():
        visit_id = db.session.query(Visit.id).scalar()
    assert visit_id is not None
    page.goto(f"/admin/visit/details/?id={visit_id}")
    page.locator("#follow-servicecase").click()
    expect(page).to_have_url(re.compile(r"/admin/servicecase/step/"))
    expect(page.locator("body")).to_contain_text("钱秀英")
    expect(page.locator("body")).to_contain_text("协助申请医疗救助")
