"""Employment pages: forms refuse bad input with 422, referral steps by role, matching."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import db
from models.employment import Employer, JobSeeker, Referral
from models.employment_rules import WORKFLOW
from models.permissions import ROLES, allows
from tests.conftest import flashes
from tests.factories import make_worker
from tests.factories_employment import (
    credit_code,
    make_referral,
    make_seeker,
    make_vacancy,
)
from tests.factories_training import make_class, make_enrolment


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_staff_registers_a_worker_as_seeker(app, client, auth):
    with app.app_context():
        worker_id = make_worker().id
    auth.login("staff")
    url = "/admin/jobseeker/new/"
    response = client.post(url, data={
        "csrf_token": auth.token(url), "worker": str(worker_id), "registered_on": "2026-03-01",
        "desired_job_types": ["cleaning", "security"], "desired_wage": "2500",
        "availability": "now", "state": "seeking", "willing_to_travel": "y"})
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    with app.app_context():
        seeker = db.session.scalar(select(JobSeeker))
        assert seeker.desired_job_types == ["cleaning", "security"] and seeker.has_file
        assert seeker.willing_to_travel


def test_seeker_without_holder_is_refused_with_422(app, client, auth):
    auth.login("staff")
    url = "/admin/jobseeker/new/"
    response = client.post(url, data={"csrf_token": auth.token(url), "availability": "now",
                                      "state": "seeking", "registered_on": "2026-03-01"})
    assert response.status_code == 422
    assert "二选一" in response.get_data(as_text=True)
    with app.app_context():
        assert _count(JobSeeker) == 0


@pytest.mark.parametrize("code,ok", [("91110000600037341L", True), ("91110000600037341X", False),
                                     ("123", False)])
def test_employer_credit_code_in_the_form(app, client, auth, code, ok):
    auth.login("staff")
    url = "/admin/employer/new/"
    response = client.post(url, data={"csrf_token": auth.token(url), "name": "济南某公司",
                                      "credit_code": code, "nature": "private"})
    assert response.status_code == (302 if ok else 422)
    with app.app_context():
        assert _count(Employer) == (1 if ok else 0)


def test_duplicate_credit_code_is_refused(app, client, auth):
    code = credit_code()
    auth.login("staff")
    url = "/admin/employer/new/"
    for expected in (302, 422):
        response = client.post(url, data={"csrf_token": auth.token(url), "name": "甲公司",
                                          "credit_code": code})
        assert response.status_code == expected
    assert "已登记" in response.get_data(as_text=True)


def test_referral_form_and_hire_step(app, client, auth):
    with app.app_context():
        seeker_id, vacancy_id = make_seeker().id, make_vacancy(places=2).id
    auth.login("staff")
    url = f"/admin/referral/new/?seeker_id={seeker_id}&vacancy_id={vacancy_id}"
    page = client.get(url).get_data(as_text=True)
    assert "selected" in page or str(seeker_id) in page
    response = client.post(url, data={"csrf_token": auth.token(url), "seeker": str(seeker_id),
                                      "vacancy": str(vacancy_id), "referred_on": "2026-03-02"})
    assert response.status_code == 302
    with app.app_context():
        referral_id = db.session.scalar(select(Referral.id))
    step = f"/admin/referral/step/?id={referral_id}"
    assert "登记面试" in client.get(step).get_data(as_text=True)
    response = client.post(step, data={"csrf_token": auth.token(step), "step": "hire",
                                       "start_date": "2026-03-09", "wage": "2450.00"},
                           follow_redirects=True)
    assert "已登记录用上岗" in response.get_data(as_text=True)
    response = client.post(step, data={"csrf_token": auth.token(step), "step": "hire",
                                       "start_date": "2026-03-09", "wage": "2450.00"},
                           follow_redirects=True)
    assert "现在不能进行此操作" in response.get_data(as_text=True)
    with app.app_context():
        referral = db.session.get(Referral, referral_id)
        assert referral.state == "hired" and referral.vacancy.places_taken == 1


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("step", list(WORKFLOW.steps))
def test_referral_step_by_role(app, client, auth, role, step):
    """POSTing a step: 403 and nothing changed without the step's verb."""
    with app.app_context():
        state = WORKFLOW[step].from_states[0]
        referral = make_referral(state)
        pk, before = referral.id, referral.state
    auth.login(role)
    url = f"/admin/referral/step/?id={pk}"
    response = client.post(url, data={"csrf_token": auth.token(), "step": step,
                                      "interviewed_on": "2026-03-05", "start_date": "2026-03-09",
                                      "wage": "2400", "reason": "测试"})
    may = allows(role, "referral", WORKFLOW[step].verb)
    readable = allows(role, "referral", "R")
    assert response.status_code == (302 if may else 403)
    with app.app_context():
        after = db.session.get(Referral, pk).state
        assert (after != before) is may or not readable


def test_matching_both_ways_shows_reasons(app, client, auth):
    with app.app_context():
        trained = make_worker(name="王焊工")
        make_enrolment(klass=make_class(state="running", category="welding"), worker=trained,
                       state="completed")
        db.session.commit()
        a = make_seeker(worker=trained, desired_job_types=["cleaning"])
        b = make_seeker(desired_job_types=["welding"], willing_to_travel=True)
        c = make_seeker(desired_job_types=["cleaning"])  # wants something else: no fit
        vacancy = make_vacancy(job_type="welding", title="电焊工", kind="labour_export",
                               destination="江苏昆山")
        ids = (a.id, b.id, c.id, vacancy.id)
    auth.login("manager")
    page = client.get(f"/admin/vacancy/match/?id={ids[3]}").get_data(as_text=True)
    # a is trained but not willing to travel: a labour-export post leaves them out.
    assert "愿意外出务工" in page and "求职工种相符" in page
    assert page.count('class="match-row"') == 1
    assert "推荐</a>" not in page  # a manager reads, does not refer
    page = client.get(f"/admin/jobseeker/match/?id={ids[1]}").get_data(as_text=True)
    assert "电焊工" in page
    page = client.get(f"/admin/jobseeker/match/?id={ids[2]}").get_data(as_text=True)
    assert "没有找到匹配项" in page


def test_seeker_details_show_completed_classes_and_marks(app, client, auth):
    with app.app_context():
        worker = make_worker()
        klass = make_class(state="running", category="sewing", name="2026年缝纫工培训班")
        make_enrolment(klass=klass, worker=worker, state="completed")
        seeker_id = make_seeker(worker=worker).id
    auth.login("manager")
    page = client.get(f"/admin/jobseeker/details/?id={seeker_id}").get_data(as_text=True)
    assert "2026年缝纫工培训班" in page and "已结业培训" in page


@pytest.mark.parametrize("role", ROLES)
def test_start_page_panel(app, client, auth, role):
    with app.app_context():
        make_referral("referred")
        make_referral("hired")
    auth.login(role)
    page = client.get("/admin/").get_data(as_text=True)
    assert ('id="fig-referrals-referred"' in page) is (role in ("admin", "staff"))
    assert ("今年再就业人数" in page) is (role in ("admin", "manager"))
    assert ("招聘中的岗位" in page) is (role != "clerk")


def test_hire_form_allows_a_start_date_in_the_future(app, client, auth):
    with app.app_context():
        pk = make_referral("interviewed").id
    auth.login("staff")
    page = client.get(f"/admin/referral/step/?id={pk}").get_data(as_text=True)
    field = page.split('id="hire-start_date"')[0].rsplit("<input", 1)[1] + page.split(
        'id="hire-start_date"')[1].split(">", 1)[0]
    assert 'type="date"' in field and "max=" not in field
