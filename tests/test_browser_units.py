"""In Chromium: a station's 帮扶专干 files a worker; the county's manager finds the file in
the county's worker list and in the year-end statistics' per-unit table (issue 15).

Screenshots are kept in test-artifacts/ (CI artifacts) for a person to look at.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from models import User, Worker, db
from models.base import today
from models.orgunit import OrgUnit, root_unit_id
from tests.browser import screenshot
from tests.conftest import HASHES, PASSWORDS
from tests.factories import id_number, make_worker
from tests.test_browser import choose

pytest_plugins = ["tests.browser"]
pytestmark = pytest.mark.browser

COUNTY, STATION, OTHER = "长清区总工会困难职工帮扶中心", "文昌街道帮扶站", "马山镇帮扶站"


def _network() -> None:
    """A county with two stations; station1 (staff) at the first; a file at each unit."""
    county = db.session.get(OrgUnit, root_unit_id())
    county.name = COUNTY
    first, second = (OrgUnit(name=name, kind="station", parent=county)
                     for name in (STATION, OTHER))
    db.session.add_all([first, second])
    db.session.flush()
    person = User(username="station1", full_name="孙站长", role="staff", unit_id=first.id)
    person.password_hash = HASHES["staff"]
    db.session.add(person)
    db.session.commit()
    make_worker(name="县里户", unit_id=county.id)
    make_worker(name="马山户", unit_id=second.id)


def log_in_as(page: Page, username: str, password: str) -> None:
    page.goto("/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.locator("form:has(#password) [type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/?$"))
    expect(page.locator("#logout")).to_be_visible()
    page.wait_for_load_state("load")


def test_station_files_a_worker_and_the_county_finds_it(app, page: Page):
    with app.app_context():
        _network()
    log_in_as(page, "station1", PASSWORDS["staff"])
    page.goto("/admin/worker/new/")
    page.wait_for_load_state("load")
    page.locator("#name").fill("站里新户")
    page.locator("#id_number").fill(id_number())
    page.locator("#employer").fill("济南华美焊接有限公司")
    choose(page, "main_cause", "illness")
    page.locator("#household_income").fill("24000")
    page.locator("#essential_spending").fill("6000")
    page.locator("form.admin-form input[type=submit]:not([name])").click()
    page.wait_for_load_state("load")
    expect(page.locator(".alert-success")).to_be_visible()
    with app.app_context():
        filed = db.session.scalar(select(Worker).where(Worker.name == "站里新户"))
        station_id = db.session.scalar(select(OrgUnit.id).where(OrgUnit.name == STATION))
        assert filed.unit_id == station_id

    # The station's list holds its own file only.
    page.goto("/admin/worker/")
    page.wait_for_load_state("load")
    rows = page.locator("table.model-list tbody tr")
    expect(rows.filter(has_text="站里新户")).to_have_count(1)
    expect(rows.filter(has_text="县里户")).to_have_count(0)
    expect(rows.filter(has_text="马山户")).to_have_count(0)
    screenshot(page, "units-station-worker-list")
    assert not page.js_errors

    # The county's manager finds it in the county's list, beside the other units' files.
    page.context.clear_cookies()
    log_in_as(page, "manager", PASSWORDS["manager"])
    page.goto("/admin/worker/")
    page.wait_for_load_state("load")
    rows = page.locator("table.model-list tbody tr")
    for name in ("站里新户", "县里户", "马山户"):
        expect(rows.filter(has_text=name)).to_have_count(1)
    page.goto("/admin/worker/?search=站里新户")
    expect(page.locator("table.model-list tbody tr").filter(has_text="站里新户")).to_have_count(1)
    screenshot(page, "units-county-worker-list")

    # ... and in the year-end statistics: one new file at the station, three in all.
    page.goto(f"/admin/report/?year={today().year}")
    page.wait_for_load_state("load")
    expect(page.locator("#report-unit")).to_have_text(COUNTY)
    table = page.locator("#report-units table")
    expect(table.locator("thead th").nth(2)).to_have_text("本年新建档（户）")
    station_row = table.locator("tbody tr", has_text=STATION)
    expect(station_row.locator("td").nth(2)).to_have_text("1")
    expect(table.locator("tbody tr", has_text=OTHER).locator("td").nth(2)).to_have_text("1")
    expect(table.locator("tbody tr", has_text=f"{COUNTY}（本级）").locator("td").nth(2)
           ).to_have_text("1")
    total = table.locator("tbody tr.font-weight-bold")
    expect(total.locator("td").first).to_have_text("合计")
    expect(total.locator("td").nth(2)).to_have_text("3")
    screenshot(page, "units-county-report")

    # The start page rolls up too: the station's row of files on record.
    page.goto("/admin/")
    expect(page.locator("#panel-by-unit")).to_contain_text(STATION)
    screenshot(page, "units-county-start-page")
    assert not page.js_errors
