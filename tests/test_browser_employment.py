"""End-to-end in Chromium (issue 19): staff register a walk-in from the service desk (no
hardship file) as a job seeker, find them on a vacancy's matching page with the reasons
shown, refer them, record the interview and the hire; the place is taken and the seeker
is placed. And a micro-loan's jobs: said at disbursement, followed up by staff."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from models import db
from models.base import today
from models.employment import JobSeeker, Referral, Vacancy
from models.loans import Loan
from models.person import Person
from tests.browser import screenshot
from tests.conftest import PASSWORDS
from tests.factories import id_number, make_fund, user
from tests.factories_employment import make_employer, make_vacancy
from tests.factories_loans import make_loan
from tests.test_browser import log_in
from tests.test_browser_desk import log_in_as

pytest_plugins = ["tests.browser"]
pytestmark = pytest.mark.browser

NAME = "周新民"


def test_staff_register_a_walk_in_find_a_match_and_record_the_hire(app, page: Page):
    with app.app_context():
        employer = make_employer(name="济南洁美物业服务有限公司")
        vacancy = make_vacancy(employer=employer, title="小区保洁员", job_type="cleaning",
                               places=2, wage_min=Decimal("2200"), wage_max=Decimal("3000"),
                               location="历下区")
        vacancy_id = vacancy.id
    # A man of 52: a 4050 person, from the ID number alone.
    number = id_number(dt.date(1974, 6, 1), male=True)

    log_in(page, "staff")
    # The walk-in is a desk person first: no hardship file.
    page.goto("/admin/person/new/")
    page.wait_for_load_state("load")
    page.locator("#name").fill(NAME)
    page.locator("#phone").fill("13805317788")
    page.locator("#id_number").fill(number)
    page.locator("form.admin-form [type=submit]").first.click()
    expect(page.locator(".alert-success").first).to_be_visible()

    # Then the job-seeker registration, picking the person.
    page.goto("/admin/jobseeker/new/")
    page.wait_for_load_state("load")
    page.locator("#s2id_person a.select2-choice").click()
    page.locator("#select2-drop input.select2-input").fill(NAME[:2])
    page.locator("#select2-drop .select2-result-label", has_text=NAME).first.click()
    expect(page.locator("#s2id_person .select2-chosen")).to_contain_text(NAME)
    page.locator("select#desired_job_types").select_option(["cleaning"], force=True)
    page.locator("#desired_wage").fill("2500")
    page.locator("#skills").fill("做过五年物业保洁")
    page.locator("form.admin-form [type=submit]").first.click()
    expect(page.locator(".alert-success").first).to_be_visible()
    with app.app_context():
        seeker = db.session.scalar(select(JobSeeker).where(JobSeeker.name == NAME))
        assert seeker is not None and seeker.worker_id is None
        assert (seeker.has_file, seeker.is_4050, seeker.state) == (False, True, "seeking")
        assert seeker.person_id == db.session.scalar(select(Person.id).where(
            Person.name == NAME))
        seeker_id = seeker.id

    # The vacancy's matching page: the seeker with the reasons shown; refer from there.
    page.goto(f"/admin/vacancy/match/?id={vacancy_id}")
    row = page.locator("#matches tr.match-row", has_text=NAME)
    expect(row).to_be_visible()
    reasons = row.locator(".match-reasons")
    expect(reasons).to_contain_text("求职工种相符")
    expect(reasons).to_contain_text("4050人员优先")
    screenshot(page, "employment-matching")
    row.get_by_role("link", name="推荐").click()
    expect(page).to_have_url(re.compile(r"/admin/referral/new/"))
    page.wait_for_load_state("load")
    expect(page.locator("#s2id_seeker .select2-chosen")).to_contain_text(NAME)
    expect(page.locator("#s2id_vacancy .select2-chosen")).to_contain_text("小区保洁员")
    page.locator("form.admin-form [type=submit]").first.click()
    expect(page.locator(".alert-success").first).to_be_visible()
    with app.app_context():
        referral = db.session.scalar(select(Referral).where(Referral.seeker_id == seeker_id))
        assert (referral.vacancy_id, referral.state) == (vacancy_id, "referred")
        pk = referral.id

    # The interview, then the hire with its start date and wage.
    page.goto(f"/admin/referral/step/?id={pk}")
    expect(page.locator("#vacancy-places")).to_have_text("0 / 2")
    page.locator("#step-interview button[type=submit]").click()
    expect(page.locator(".alert-success").first).to_be_visible()
    expect(page.locator("#record-state")).to_have_text("已面试")
    start = today().isoformat()
    page.locator("#hire-start_date").fill(start)
    page.locator("#hire-wage").fill("2600")
    page.locator("#step-hire button[type=submit]").click()
    expect(page.locator(".alert-success").first).to_be_visible()
    expect(page.locator("#record-state")).to_have_text("已录用")
    expect(page.locator("#vacancy-places")).to_have_text("1 / 2")
    expect(page.locator("#placement-start")).to_have_text(start)
    expect(page.locator("#placement-wage")).to_contain_text("2,600.00")
    screenshot(page, "employment-hired")
    with app.app_context():
        referral = db.session.get(Referral, pk)
        assert (referral.state, referral.start_date, referral.wage) == (
            "hired", dt.date.fromisoformat(start), Decimal("2600.00"))
        assert db.session.get(Vacancy, vacancy_id).places_taken == 1
        assert db.session.get(JobSeeker, seeker_id).state == "placed"

    # The seeker's page: placed, the placement listed, no hardship file to show.
    page.goto(f"/admin/jobseeker/details/?id={seeker_id}")
    expect(page.locator("#seeker-referrals")).to_contain_text("小区保洁员")
    expect(page.locator("#seeker-referrals")).to_contain_text("2,600.00")
    expect(page.locator("#seeker-no-file")).to_be_visible()
    screenshot(page, "employment-seeker-page")
    assert page.js_errors == []


def test_a_loan_says_its_jobs_at_disbursement_and_staff_follow_it_up(app, page: Page):
    with app.app_context():
        fund = make_fund(name="小额借款周转金", balance="50000.00")
        pk = make_loan(state="approved", approved_by_id=user("manager").id).id
        fund_id = fund.id
    log_in(page, "manager")
    page.goto(f"/admin/loan/step/?id={pk}")
    page.locator("#disburse-fund_id").select_option(str(fund_id))
    page.locator("#disburse-jobs_created").fill("3")
    page.locator("#step-disburse button[type=submit]").click()
    expect(page.locator("body")).to_contain_text("带动就业人数（发放时）")  # the confirmation
    page.locator("form [type=submit].btn-success").last.click()
    expect(page.locator(".alert-success").first).to_be_visible()
    expect(page.locator("#loan-jobs-created")).to_have_text("3")

    log_in_as(page, "staff", PASSWORDS["staff"])
    page.goto(f"/admin/loan/step/?id={pk}")
    page.locator("#follow_up-jobs").fill("2")
    page.locator("#follow_up-note").fill("回访：一名帮工已离开")
    page.locator("#step-follow_up button[type=submit]").click()
    expect(page.locator(".alert-success").first).to_contain_text("就业回访已登记")
    expect(page.locator("#loan-jobs-followed-up")).to_contain_text("2（")
    screenshot(page, "loan-jobs-follow-up")
    with app.app_context():
        loan = db.session.get(Loan, pk)
        assert (loan.jobs_created, loan.jobs_followed_up) == (3, 2)
    assert page.js_errors == []
