"""In Chromium: the right person is picked, and the forms fit the task (issue 13.1, 13.5, 13.7).

Screenshots are kept in test-artifacts/ (CI artifacts) for a person to look at.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from models import Worker, db
from models.idnumber import mask_id_number
from tests.browser import screenshot
from tests.factories import id_number, make_fund, make_worker
from tests.factories_inventory import make_item
from tests.test_browser import choose, log_in

pytest_plugins = ["tests.browser"]
pytestmark = pytest.mark.browser

def box(locator):
    found = locator.bounding_box()
    assert found, locator
    return found


def overlaps(a, b) -> bool:
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


def submit(page: Page) -> None:
    page.locator("form.admin-form input[type=submit]:not([name])").click()
    page.wait_for_load_state("load")


def test_picker_tells_namesakes_apart_and_explains_a_pending_file(app, page: Page):
    with app.app_context():
        make_fund(name="市总工会帮扶资金")
        active = make_worker(name="王建华", employer="济南钢厂", status="active")
        pending = make_worker(name="王建华", employer="第二纺织厂", status="pending")
        active_id, active_no, pending_no = active.id, active.id_number, pending.id_number
    log_in(page, "staff")
    page.goto("/admin/assistance/new/")
    page.wait_for_load_state("load")
    page.locator("#s2id_worker a.select2-choice").click()
    page.locator("#select2-drop input.select2-input").fill("王建华")
    results = page.locator("#select2-drop .select2-result-label")
    expect(results).to_have_count(2)
    active_no, pending_no = mask_id_number(active_no), mask_id_number(pending_no)
    expect(results.nth(0)).to_have_text(f"王建华 · {active_no} · 济南钢厂 · 在档")
    expect(results.nth(1)).to_have_text(f"王建华 · {pending_no} · 第二纺织厂 · 待审核")
    screenshot(page, "picker-namesakes")

    results.nth(1).click()
    expect(page.locator("#s2id_worker .select2-chosen")).to_contain_text("第二纺织厂")
    page.locator("#reason").fill("家庭困难")
    page.locator("#cash_amount").fill("800")
    submit(page)
    error = page.locator(".form-group:has(#worker) .text-danger:not(strong)").first
    expect(error).to_contain_text("王建华 的档案状态为“待审核”")
    expect(error).to_contain_text("请先审核通过该档案")
    expect(page.locator("#s2id_worker .select2-chosen")).to_contain_text("第二纺织厂")
    screenshot(page, "picker-pending-refused")

    # From the worker's own page the form starts with that worker.
    page.goto(f"/admin/worker/details/?id={active_id}")
    screenshot(page, "worker-page-new-records")
    page.locator("#worker-new-records a", has_text="新增救助").click()
    expect(page).to_have_url(re.compile(rf"/admin/assistance/new/\?worker_id={active_id}"))
    expect(page.locator("#s2id_worker .select2-chosen")).to_have_text(
        f"王建华 · {active_no} · 济南钢厂 · 在档")
    screenshot(page, "picker-prefilled-from-worker")
    assert not page.js_errors


def test_worker_form_in_sections_suggests_the_category(app, page: Page):
    log_in(page, "staff")
    page.goto("/admin/worker/new/")
    page.wait_for_load_state("load")
    expect(page.locator("form.admin-form h3")).to_have_text(
        ["身份信息", "困难情况", "家庭收支", "住房与保障", "银行账户", "家庭成员"])
    expect(page.locator("#s2id_main_cause .select2-chosen")).to_have_text(re.compile(r"^\s*$"))
    page.locator("#name").fill("刘德明")
    page.locator("#id_number").fill(id_number())
    page.locator("#employer").fill("济南钢厂")
    choose(page, "main_cause", "illness")
    page.locator("#household_income").fill("24000")
    page.locator("#essential_spending").fill("6000")
    page.locator("#members-button").click()
    page.locator("#members-0-name").fill("刘小红")
    # household size left blank: the worker and one member, 750 yuan a month each
    expect(page.locator("#s2id_category .select2-chosen")).to_have_text("深度困难")
    expect(page.locator("#category-suggestion")).to_have_text(
        "建议：深度困难（家庭人均月收入 750.00 元）")
    screenshot(page, "worker-form-sections")

    page.locator("#household_income").fill("40000")  # 1,416.67: relative hardship
    expect(page.locator("#s2id_category .select2-chosen")).to_have_text("相对困难")
    choose(page, "category", "accident")  # the user's choice stays
    page.locator("#household_income").fill("20000")
    expect(page.locator("#category-suggestion")).to_contain_text("深度困难")
    expect(page.locator("#s2id_category .select2-chosen")).to_have_text("意外致困")
    submit(page)
    expect(page.locator(".alert-success")).to_be_visible()
    with app.app_context():
        worker = db.session.scalar(select(Worker).where(Worker.name == "刘德明"))
        assert (worker.household_size, worker.category, worker.main_cause) == (
            2, "accident", "illness")
    assert not page.js_errors


def test_aid_form_shows_only_the_fields_of_the_chosen_kind(app, page: Page):
    with app.app_context():
        make_worker(name="欧阳秀英")
    log_in(page, "staff")
    page.goto("/admin/assistance/new/")
    page.wait_for_load_state("load")
    school = ("#student_name", "#school", "#s2id_school_level")
    for kind, shown, hidden in (
            ("living", (), school + ("#out_of_pocket",)),
            ("education", school, ("#out_of_pocket",)),
            ("medical", ("#out_of_pocket",), school)):
        choose(page, "kind", kind)
        for selector in shown:
            expect(page.locator(selector)).to_be_visible()
        for selector in hidden:
            expect(page.locator(selector)).to_be_hidden()
        if kind == "education":
            screenshot(page, "aid-form-education")
    screenshot(page, "aid-form-medical")
    assert not page.js_errors


def test_goods_line_takes_one_row_and_the_date_picker_leaves_add_line_free(app, page: Page):
    with app.app_context():
        make_item("大米 5kg")
    log_in(page, "clerk")
    page.goto("/admin/donation/new/")
    page.wait_for_load_state("load")
    page.locator("#lines-button").click()
    fields = [page.locator(f"#lines-0-{name}") for name in ("quantity", "value", "lot_no",
                                                             "expiry")]
    fields.insert(0, page.locator("#s2id_lines-0-item"))
    tops = {round(box(field)["y"]) for field in fields}
    assert len(tops) == 1, f"a goods line spans several rows: {tops}"
    expect(page.locator("#s2id_lines-0-item .select2-chosen")).to_have_text(
        re.compile(r"^\s*$"))
    expiry, button = page.locator("#lines-0-expiry"), page.locator("#lines-button")
    expiry.click()
    picker = page.locator(".daterangepicker:visible")
    expect(picker).to_have_count(1)
    assert not overlaps(box(picker), box(button))
    screenshot(page, "donation-line-date-picker")
    page.locator("#lines-0-lot_no").click()  # closes the picker
    expect(picker).to_have_count(0)
    # However the page is laid out (a narrow window, a long line), the picker gives way:
    # put the button right under the date field, where the picker would open.
    button.evaluate("""el => {
        const field = document.getElementById('lines-0-expiry').getBoundingClientRect();
        el.style.position = 'absolute';
        const parent = el.offsetParent.getBoundingClientRect();
        el.style.left = (field.left - parent.left) + 'px';
        el.style.top = (field.bottom - parent.top + 40) + 'px';
    }""")
    assert box(button)["y"] > box(expiry)["y"]
    expiry.click()
    expect(picker).to_have_count(1)
    assert not overlaps(box(picker), box(button))
    screenshot(page, "donation-line-date-picker-gives-way")
    assert not page.js_errors
