"""Legal aid and mediation (issue 17): the workflow, bad input, roles, links from a desk case."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from models import db
from models.base import DomainError
from models.legal_case import LegalCase
from models.legal_case_rules import close, record_session, reopen
from models.service_case_outcome import ServiceCaseOutcome
from tests.conftest import flashes
from tests.factories import make_assistance, make_worker, user
from tests.factories_desk import make_case, make_legal_case, make_person

GOOD_CODE = "91110000600037341L"


def legal_cases() -> int:
    return db.session.scalar(select(func.count()).select_from(LegalCase))


def post_new(client, auth, query="", **fields):
    """Post the legal case form as staff would fill it."""
    data = {"csrf_token": auth.token(f"/admin/legalcase/new/{query}"), "head_count": "1",
            "dispute_type": "wages", "route": "union", "amount_claimed": "5000",
            "employer_name": "鲁兴建筑劳务公司", **fields}
    return client.post(f"/admin/legalcase/new/{query}", data=data)


# --- the workflow -----------------------------------------------------------------------
def test_sessions_close_and_reopen(app):
    with app.app_context():
        staff, manager = user("staff"), user("manager")
        case = make_legal_case(head_count=3)
        record_session(case, staff, "", "王律师", "首次调解，企业同意分期支付")
        close(case, staff, "partial", "15000.50", "2", "")
        db.session.commit()
        assert (case.state, case.outcome, case.amount_recovered, case.workers_benefited) == (
            "closed", "partial", Decimal("15000.50"), 2)
        assert case.closed_by_id == staff.id and len(case.sessions) == 1
        # More than was claimed is allowed: an award may add compensation.
        assert case.amount_recovered > case.amount_claimed
        with pytest.raises(DomainError, match="中心负责人"):
            reopen(case, staff, "企业未按期支付")
        reopen(case, manager, "企业未按期支付")
        db.session.commit()
        assert (case.state, case.outcome, case.closed_on, case.reopened) == (
            "open", None, None, 1)


@pytest.mark.parametrize("step,state,args", [
    ("close", "closed", ("success", "", "", "")),
    ("session", "closed", ("", "王律师", "")),
    ("reopen", "open", ("原因",)),
])
def test_wrong_state_is_refused_in_chinese(app, step, state, args):
    from models.legal_case_rules import WORKFLOW
    with app.app_context():
        case = make_legal_case(state)
        with pytest.raises(DomainError, match="不能进行此操作"):
            WORKFLOW.run(step, case, user("manager" if step == "reopen" else "staff"), *args)


@pytest.mark.parametrize("args,message", [
    (("", "", "", ""), "请选择办理结果"),
    (("failed", "100", "", ""), "只有调解成功或部分成功"),
    (("success", "-1", "", ""), "不能为负数"),
    (("success", "10", "5", ""), "受益职工人数"),
])
def test_closing_needs_a_sound_outcome(app, args, message):
    with app.app_context():
        case = make_legal_case()
        with pytest.raises(DomainError, match=message):
            close(case, user("staff"), *args)


def test_database_refuses_what_the_rules_refuse(app):
    with app.app_context():
        case = make_legal_case()
        case_id = case.id
        for values in ({"amount_claimed": Decimal("-1")}, {"head_count": 0},
                       {"state": "closed"}, {"amount_recovered": Decimal("5")}):
            with pytest.raises(IntegrityError):
                db.session.execute(LegalCase.__table__.update().where(
                    LegalCase.__table__.c.id == case_id).values(**values))
                db.session.flush()
                pytest.fail(str(values))
            db.session.rollback()


# --- the form ---------------------------------------------------------------------------
def test_form_opens_a_case_with_a_valid_credit_code(app, client, auth):
    with app.app_context():
        person_id = make_person().id
    auth.login("staff")
    response = post_new(client, auth, person=str(person_id), credit_code=GOOD_CODE.lower())
    assert response.status_code == 302
    with app.app_context():
        case = db.session.scalar(select(LegalCase))
        assert (case.credit_code, case.state, case.opened_by_id) == (
            GOOD_CODE, "open", user("staff").id)


@pytest.mark.parametrize("fields,message", [
    ({"credit_code": "91110000600037341X"}, "统一社会信用代码无效"),
    ({"amount_claimed": "-5"}, "请求金额不能为负数"),
])
def test_bad_form_input_writes_nothing(app, client, auth, fields, message):
    with app.app_context():
        person_id = make_person().id
    auth.login("staff")
    response = post_new(client, auth, person=str(person_id), **fields)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    with app.app_context():
        assert legal_cases() == 0


# --- roles and masking ------------------------------------------------------------------
@pytest.mark.parametrize("role,listing,new,close_step,reopen_step", [
    ("clerk", 403, 403, 403, 403), ("manager", 200, 403, 403, 302),
    ("staff", 200, 200, 302, 403), ("admin", 200, 200, 302, 403)])
def test_roles(app, client, auth, role, listing, new, close_step, reopen_step):
    with app.app_context():
        open_id, closed_id = make_legal_case().id, make_legal_case("closed").id
    auth.login(role)
    assert client.get("/admin/legalcase/").status_code == listing
    assert client.get("/admin/legalcase/new/").status_code == new
    token = auth.token()
    response = client.post(f"/admin/legalcase/step/?id={open_id}", data={
        "csrf_token": token, "step": "close", "outcome": "success", "closed_on": ""})
    assert response.status_code == close_step
    response = client.post(f"/admin/legalcase/step/?id={closed_id}", data={
        "csrf_token": token, "step": "reopen", "reason": "企业反悔"})
    assert response.status_code == reopen_step
    with app.app_context():
        assert (db.session.get(LegalCase, open_id).state == "closed") is (close_step == 302)
        assert (db.session.get(LegalCase, closed_id).state == "open") is (reopen_step == 302)


def test_manager_sees_the_applicants_phone_masked(app, client, auth):
    with app.app_context():
        pk = make_legal_case(person=make_person(phone="13712345678")).id
    auth.login("manager")
    page = client.get(f"/admin/legalcase/step/?id={pk}").get_data(as_text=True)
    assert "13712345678" not in page and "137****5678" in page
    assert re.findall(r'id="step-(\w+)"', page) == []
    auth.logout()
    auth.login("staff")
    page = client.get(f"/admin/legalcase/step/?id={pk}").get_data(as_text=True)
    assert "13712345678" in page and re.findall(r'id="step-(\w+)"', page) == [
        "session", "close"]


# --- from a desk case, and back ---------------------------------------------------------
def test_legal_case_from_a_desk_case_links_both_ways(app, client, auth):
    with app.app_context():
        desk = make_case("in_progress", channel="collective", head_count=20)
        desk_id, person_id = desk.id, desk.person_id
    auth.login("staff")
    page = client.get(f"/admin/servicecase/step/?id={desk_id}").get_data(as_text=True)
    assert 'id="start-legalcase"' in page and 'id="start-assistance"' not in page
    response = client.get(f"/admin/servicecase/start/?id={desk_id}&what=legalcase")
    assert response.status_code == 302 and f"service_case={desk_id}" in response.location
    form = client.get(response.location).get_data(as_text=True)
    assert 'value="20"' in form and "鲁兴建筑公司" in form
    query = f"?service_case={desk_id}"
    assert post_new(client, auth, query, person=str(person_id), head_count="20").status_code == 302
    with app.app_context():
        legal = db.session.scalar(select(LegalCase))
        assert (legal.service_case_id, legal.person_id, legal.head_count) == (
            desk_id, person_id, 20)
        legal_id = legal.id
    page = client.get(f"/admin/servicecase/step/?id={desk_id}").get_data(as_text=True)
    assert f"/admin/legalcase/step/?id={legal_id}" in page
    page = client.get(f"/admin/legalcase/step/?id={legal_id}").get_data(as_text=True)
    assert f"/admin/servicecase/step/?id={desk_id}" in page


def test_aid_from_a_case_needs_a_live_file(app, client, auth):
    with app.app_context():
        pending = make_worker(status="pending")
        desk = make_case(person=make_person(worker_id=pending.id))
        desk_id = desk.id
    auth.login("staff")
    page = client.get(f"/admin/servicecase/step/?id={desk_id}").get_data(as_text=True)
    assert 'id="start-assistance"' not in page and 'id="start-worker"' not in page
    response = client.get(f"/admin/servicecase/start/?id={desk_id}&what=assistance",
                          follow_redirects=True)
    assert "先建档后帮扶" in flashes(response.get_data(as_text=True))
    # A manager may not create aid applications: no button, and refused.
    auth.logout()
    auth.login("manager")
    response = client.get(f"/admin/servicecase/start/?id={desk_id}&what=legalcase",
                          follow_redirects=True)
    assert "/admin/legalcase/new/" not in response.request.path


def test_aid_made_from_a_case_is_linked_both_ways(app, client, auth):
    with app.app_context():
        worker = make_worker(status="active")
        desk = make_case(person=make_person(worker_id=worker.id))
        desk_id, worker_id = desk.id, worker.id
    auth.login("staff")
    page = client.get(f"/admin/servicecase/step/?id={desk_id}").get_data(as_text=True)
    for target in ("assistance", "loan", "enrolment", "legalcase"):
        assert f'id="start-{target}"' in page, target
    response = client.get(f"/admin/servicecase/start/?id={desk_id}&what=assistance")
    assert f"worker_id={worker_id}" in response.location
    # The form saved (its own rules tested elsewhere): the hook links what it made.
    with app.test_request_context(f"/admin/assistance/new/?service_case={desk_id}",
                                  method="POST"):
        aid = make_assistance(worker=db.session.get(type(worker), worker_id))
        other = make_assistance(worker=make_worker(status="active"))
        aid_id, other_id = aid.id, other.id
    with app.app_context():
        links = db.session.execute(select(ServiceCaseOutcome.record_type,
                                          ServiceCaseOutcome.record_id)).all()
        assert links == [("assistance", aid_id)] and other_id != aid_id
        from models.case_outcomes import origin_of
        with app.test_request_context():
            assert origin_of("assistance", aid_id).id == desk_id
    page = client.get(f"/admin/servicecase/step/?id={desk_id}").get_data(as_text=True)
    assert f"/admin/assistance/details/?id={aid_id}" in page
    # ... and the record's page points back to its case (the other one to none).
    page = client.get(f"/admin/assistance/details/?id={aid_id}").get_data(as_text=True)
    assert 'id="desk-origin"' in page and f"/admin/servicecase/step/?id={desk_id}" in page
    assert 'id="desk-origin"' not in client.get(
        f"/admin/assistance/details/?id={other_id}").get_data(as_text=True)


def test_file_draft_from_a_case_is_prefilled_and_linked(app, client, auth):
    with app.app_context():
        desk = make_case(person=make_person(name="赵小川", phone="13900001111"))
        desk_id, person_id = desk.id, desk.person_id
    auth.login("staff")
    response = client.get(f"/admin/servicecase/start/?id={desk_id}&what=worker")
    form = client.get(response.location).get_data(as_text=True)
    assert 'value="赵小川"' in form and 'value="13900001111"' in form
    with app.test_request_context(f"/admin/worker/new/?service_case={desk_id}",
                                  method="POST"):
        worker_id = make_worker(name="赵小川", status="pending").id
    with app.app_context():
        from models.person import Person
        assert db.session.get(Person, person_id).worker_id == worker_id
        assert db.session.scalar(select(ServiceCaseOutcome.record_id).where(
            ServiceCaseOutcome.record_type == "worker")) == worker_id


def test_demo_has_the_collective_claim_and_every_outcome(app, demo):
    with app.app_context():
        outcomes = set(db.session.scalars(select(LegalCase.outcome)))
        assert {"success", "partial", "failed", "withdrawn", None} <= outcomes
        claim = db.session.scalar(select(LegalCase).where(LegalCase.head_count == 20))
        assert claim.outcome == "partial" and claim.service_case.channel == "collective"
        assert claim.amount_recovered < claim.amount_claimed and claim.workers_benefited == 20


def test_year_figures_equal_an_independent_count(app):
    from models.base import today
    from models.report_legal import legal_figures
    with app.app_context():
        make_legal_case("closed", outcome="success")
        make_legal_case("closed", outcome="failed", dispute_type="injury")
        make_legal_case()
        figures = legal_figures(today().year)
        rows = db.session.scalars(select(LegalCase)).all()
        assert figures["by_type"] == {"wages": 2, "injury": 1}
        assert figures["by_outcome"] == {"success": 1, "failed": 1}
        assert figures["recovered"] == sum(r.amount_recovered for r in rows)
        assert figures["workers_benefited"] == sum(r.workers_benefited for r in rows)


def test_manager_exports_legal_cases_with_the_applicants_numbers_masked(app, client, auth):
    """X for the manager (DESIGN.md: RAX): the export shows what the list shows, audited,
    and no applicant's phone whole."""
    import io

    import openpyxl

    from models import AuditLog

    with app.app_context():
        make_legal_case(person=make_person(phone="13712345678"))
    auth.login("manager")
    response = client.get("/admin/legalcase/export/xlsx/")
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(response.response)),
                                       read_only=True).worksheets[0].iter_rows(values_only=True))
    shown = " ".join(str(v) for row in rows for v in row if v is not None)
    assert len(rows) == 2 and "13712345678" not in shown
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "export", AuditLog.record_type == "legalcase")) == 1


def test_the_year_end_report_has_the_legal_section_and_sentence(app, client, auth):
    """The report's legal section and its summary sentence give what an independent SQL
    count gives: cases opened and closed, money recovered, wage arrears apart."""
    from sqlalchemy import text

    from models.base import today
    from models.report import year_figures
    from models.report_summary import summary_paragraph

    with app.app_context():
        make_legal_case("closed", outcome="success")
        make_legal_case("closed", outcome="partial", dispute_type="injury")
        make_legal_case()
        year = today().year
        opened, closed, amount, workers, wages, wage_workers = db.session.execute(text(
            "SELECT COUNT(*), SUM(CASE WHEN state = 'closed' THEN 1 ELSE 0 END), "
            "SUM(amount_recovered), SUM(workers_benefited), "
            "SUM(CASE WHEN dispute_type = 'wages' THEN amount_recovered ELSE 0 END), "
            "SUM(CASE WHEN dispute_type = 'wages' THEN workers_benefited ELSE 0 END) "
            "FROM legal_case")).one()
        figures = year_figures(year)
        legal = figures["legal"]
        assert (sum(legal["by_type"].values()), sum(legal["by_outcome"].values())) == (
            opened, closed) == (3, 2)
        assert legal["recovered"] == Decimal(str(amount)) == Decimal("16000.00")
        assert (legal["workers_benefited"], legal["wage_workers"]) == (workers, wage_workers)
        assert legal["wages_recovered"] == Decimal(str(wages)) == Decimal("8000.00")
        with app.test_request_context():
            paragraph = summary_paragraph(figures)
        assert (f"受理法律援助和劳动争议调解案件{opened}件，办结{closed}件，为{workers}名职工"
                f"追回工资及赔偿金1.60万元，其中为{wage_workers}名职工追讨拖欠工资0.80万元"
                ) in paragraph
    auth.login("manager")
    page = client.get(f"/admin/report/?year={today().year}").get_data(as_text=True)
    assert "法律援助与调解" in page and "其中追讨拖欠工资（元）" in page
