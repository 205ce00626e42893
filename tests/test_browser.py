"""End-to-end tests in Chromium: filing a hardship worker as staff, and a clerk's masked lookup.

The UI may speak Chinese or (while the zh catalogue is being written) English, so
the tests find elements by id, name and href, and compare visible texts with what
the app itself renders for the configured locale rather than with literals.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from models import FamilyMember, Worker, db
from models.idnumber import mask_id_number
from portal.registry import record_types
from tests.conftest import PASSWORDS
from tests.factories import id_number, make_worker

pytest_plugins = ["tests.browser"]
pytestmark = pytest.mark.browser

CREATED = re.compile(r"创建记录成功|Record was successfully created")


def id_number_ending_in_x() -> str:
    """Return a fresh valid ID number whose check character is X."""
    for _ in range(200):
        number = id_number()
        if number.endswith("X"):
            return number
    raise AssertionError("no ID number with check character X in 200 tries")


def log_in(page: Page, role: str) -> None:
    page.goto("/login")
    page.locator("#username").fill(role)
    page.locator("#password").fill(PASSWORDS[role])
    page.locator("form:has(#password) [type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/?$"))
    expect(page.locator("#logout")).to_be_visible()
    page.wait_for_load_state("load")  # Bootstrap's menu script runs at the end of the page


def choose(page: Page, select_id: str, value: str) -> None:
    """Choose ``value`` in a select, whether plain or wrapped by Flask-Admin's select2.

    select2 hides the real <select>, so the option is chosen on it with ``force``;
    the change event it fires must then show up in select2's own box.
    """
    select = page.locator(f"select#{select_id}")
    select.select_option(value=value, force=True)
    expect(select).to_have_value(value)
    if select.get_attribute("data-role") == "select2":
        label = select.locator(f"option[value='{value}']").text_content().strip()
        expect(page.locator(f"#s2id_{select_id} .select2-chosen")).to_have_text(label)


def set_field(page: Page, field_id: str, value: str) -> None:
    """Fill a text input, or choose in a select, depending on what the form renders."""
    field = page.locator(f"#{field_id}")
    if field.evaluate("el => el.tagName") == "SELECT":
        choose(page, field_id, value)
    else:
        field.fill(value)


def open_menu_item(page: Page, href: str) -> None:
    """Open the navbar dropdown holding the link ``href`` and click it."""
    page.wait_for_load_state("load")  # the dropdown needs Bootstrap's script
    toggle = page.locator(f"li.dropdown:has(a[href='{href}']) > a.dropdown-toggle")
    toggle.click()
    item = page.locator(f"a.dropdown-item[href='{href}']")
    expect(item).to_be_visible()
    item.click()


def test_staff_files_a_worker_with_a_household_member(app, page: Page):
    worker_id = id_number_ending_in_x()
    member_id = id_number_ending_in_x()
    with app.app_context():
        other = make_worker(name="王秀兰", employer="第二纺织厂", phone="13700000001")
        other_id = other.id_number

    log_in(page, "staff")

    # 困难职工档案 → 新建, through the menu.
    open_menu_item(page, "/admin/worker/")
    expect(page).to_have_url(re.compile(r"/admin/worker/$"))
    page.locator("a[href^='/admin/worker/new/']").first.click()
    expect(page).to_have_url(re.compile(r"/admin/worker/new/"))
    page.wait_for_load_state("load")  # select2 and the inline-form script

    page.locator("#name").fill("李卫东")
    page.locator("#id_number").fill(worker_id.lower())  # stored upper case
    page.locator("#phone").fill("13912345678")
    page.locator("#base_union").fill("第一机床厂工会")
    page.locator("#employer").fill("第一机床厂")
    choose(page, "category", "relative")
    choose(page, "main_cause", "illness")
    page.locator("#household_size").fill("3")
    page.locator("#household_income").fill("36000")
    page.locator("#essential_spending").fill("6000")

    page.locator("#members-button").click()
    expect(page.locator("#members-0-name")).to_be_visible()
    page.locator("#members-0-name").fill("赵淑芬")
    set_field(page, "members-0-relation", "spouse")
    page.locator("#members-0-id_number").fill(member_id.lower())

    outcome = page.locator(".alert, .invalid-feedback")
    expect(outcome).to_have_count(0)
    page.locator("form.admin-form input[type=submit]:not([name])").click()
    expect(outcome.first).to_be_attached()  # the next page: a flash, or the form with errors
    problems = [" ".join(text.replace("×", "").split()) for text in
                page.locator(".alert-danger, .invalid-feedback").all_text_contents()]
    assert not problems, f"the portal refused the worker form: {problems}"
    expect(page).to_have_url(re.compile(r"/admin/worker/(\?.*)?$"))
    expect(page.locator(".alert-success")).to_contain_text(CREATED)

    # The list, searched by ID number, shows exactly this worker.
    page.goto(f"/admin/worker/?search={worker_id}")
    rows = page.locator("table.model-list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td.col-name")).to_have_text("李卫东")
    expect(rows.first.locator("td.col-id_number")).to_have_text(worker_id)
    expect(page.locator("table.model-list")).not_to_contain_text(other_id)

    with app.app_context():
        worker = db.session.scalar(select(Worker).where(Worker.name == "李卫东"))
        assert worker is not None
        assert worker.id_number == worker_id and worker_id.endswith("X")
        assert worker.status == "pending"
        assert (worker.category, worker.main_cause, worker.household_size) == (
            "relative", "illness", 3)
        assert worker.filed_by.username == "staff"
        assert [(m.name, m.relation, m.id_number) for m in worker.members] == [
            ("赵淑芬", "spouse", member_id)]
        assert db.session.scalar(select(FamilyMember.worker_id).where(
            FamilyMember.id_number == member_id)) == worker.id

    assert page.js_errors == []

    page.locator("#logout").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator("#username")).to_be_visible()
    expect(page.locator("#logout")).to_have_count(0)
    page.goto("/admin/worker/")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect(page.locator("#password")).to_be_visible()


def test_clerk_sees_only_readable_menus_and_masked_id_numbers(app, page: Page):
    with app.test_request_context():
        menu = {rt.endpoint: (str(rt.name), rt.allows("clerk", "R")) for rt in record_types()}
        worker = make_worker(name="孙丽华", bank_card_no="6222020200112233445")
        number, worker_pk = worker.id_number, worker.id
    assert menu["worker"][1] and not menu["user"][1] and not menu["auditlog"][1]

    log_in(page, "clerk")

    navbar = page.locator("#admin-navbar-collapse")
    for endpoint, (name, readable) in menu.items():
        link = navbar.locator(f"a[href='/admin/{endpoint}/']")
        if readable:
            expect(link, f"clerk should see the {endpoint} menu").to_have_count(1)
            expect(link).to_have_text(name)
        else:
            expect(link, f"clerk should not see the {endpoint} menu").to_have_count(0)

    # The clerk looks a person up by the full ID number, and sees it masked.
    open_menu_item(page, "/admin/worker/")
    expect(page.locator("a[href^='/admin/worker/new/']")).to_have_count(0)
    page.goto(f"/admin/worker/?search={number}")
    rows = page.locator("table.model-list tbody tr")
    expect(rows).to_have_count(1)
    masked = mask_id_number(number)
    assert re.fullmatch(r"\d{3}\*{11}[\dX]{4}", masked)
    expect(rows.first.locator("td.col-id_number")).to_have_text(masked)
    expect(rows.first.locator("td.col-name")).to_have_text("孙丽华")
    assert number not in page.locator("table.model-list tbody").inner_text()

    page.goto(f"/admin/worker/details/?id={worker_pk}")
    expect(page.locator("table").first).to_contain_text(masked)
    assert number not in page.content()
    assert "6222020200112233445" not in page.content()

    response = page.goto("/admin/user/")
    assert response is not None and response.status == 403
    assert page.js_errors == []
