"""The service desk (issue 17): people, desk cases, their workflow, lookup, roles, masking."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from models import db
from models.base import DomainError, freeze_today, today
from models.permissions import ROLES, allows
from models.person import Person
from models.person_rules import find_or_make
from models.service_case import ServiceCase
from models.service_case_rules import (
    WORKFLOW,
    assign,
    overdue_clause,
    resolve,
    start,
    supervise,
    take,
    visit,
)
from models.settings import Setting
from tests.conftest import flashes
from tests.factories import id_number, make_worker, user
from tests.factories_desk import make_case, make_person


def cases() -> int:
    return db.session.scalar(select(func.count()).select_from(ServiceCase))


def people() -> int:
    return db.session.scalar(select(func.count()).select_from(Person))


def desk(client, auth, **fields):
    """Post the desk screen as staff would fill it."""
    data = {"csrf_token": auth.token("/admin/servicecase/new/"), "channel": "call",
            "case_type": "wages", **fields}
    return client.post("/admin/servicecase/new/", data=data)


# --- the workflow -----------------------------------------------------------------------
def test_every_step_stamps_who_and_when(app):
    with app.app_context():
        staff, manager = user("staff"), user("manager")
        case = make_case()
        assert case.state == "received" and case.received_by_id == staff.id
        assign(case, manager, staff.id, "assist", "区人社局劳动监察大队", "")
        assert (case.state, case.assigned_by_id, case.handling_mode) == (
            "assigned", manager.id, "assist")
        start(case, staff)
        assert case.state == "in_progress" and case.started_by_id == staff.id
        resolve(case, staff, "协调企业补发工资", "追回 8000 元")
        assert case.state == "resolved" and case.resolved_at is not None
        visit(case, staff, "satisfied", "")
        assert case.state == "closed" and case.visited_by_id == staff.id
        db.session.commit()


def test_not_satisfied_reopens(app):
    with app.app_context():
        case = make_case("resolved")
        with pytest.raises(DomainError, match="不满意"):
            visit(case, user("staff"), "unsatisfied", "")
        visit(case, user("staff"), "unsatisfied", "只追回一半")
        db.session.commit()
        assert (case.state, case.reopened, case.resolved_at) == ("in_progress", 1, None)
        resolve(case, user("staff"), "再次协调", "全部追回")
        visit(case, user("staff"), "basic", "")
        db.session.commit()
        assert case.state == "closed"


@pytest.mark.parametrize("step,state", [
    ("take", "assigned"), ("start", "received"), ("resolve", "assigned"),
    ("visit", "in_progress"), ("assign", "resolved"), ("supervise", "closed"),
])
def test_wrong_state_is_refused_in_chinese(app, step, state):
    with app.app_context():
        case = make_case(state)
        who = user("manager") if WORKFLOW[step].verb == "A" else user("staff")
        args = {"take": (), "start": (), "resolve": ("报告", "结果"),
                "visit": ("satisfied", ""), "assign": (who.id,),
                "supervise": ("请加快办理",)}[step]
        with pytest.raises(DomainError, match="不能进行此步骤|此步骤"):
            WORKFLOW.run(step, case, who, *args)
        db.session.rollback()
        assert db.session.get(ServiceCase, case.id).state == state


def test_staff_cannot_assign_manager_cannot_handle(app):
    with app.app_context():
        case = make_case()
        with pytest.raises(DomainError):
            assign(case, user("staff"), user("staff").id)
        with pytest.raises(DomainError):
            take(case, user("manager"))
        take(case, user("staff"))
        supervise(case, user("manager"), "三日内办结")
        db.session.commit()
        assert (case.state, case.handling_mode) == ("in_progress", "supervised")


def test_database_refuses_inconsistent_stamps(app):
    with app.app_context():
        case = make_case()
        case.state = "closed"
        with pytest.raises(IntegrityError, match="_stamp|CHECK"):
            db.session.commit()
        db.session.rollback()


# --- deadlines ----------------------------------------------------------------------------
def test_deadline_per_type_and_overdue(app):
    with app.app_context():
        call = make_case(case_type="policy")
        wages = make_case(case_type="wages")
        assert call.deadline == today() + dt.timedelta(days=15)
        assert wages.deadline == today() + dt.timedelta(days=30)
        db.session.merge(Setting(key="case_deadline_days", value="10"))
        db.session.commit()
        assert make_case(case_type="policy").deadline == today() + dt.timedelta(days=10)
        closed = make_case("closed", case_type="policy")
        call_id, wages_id, closed_id = call.id, wages.id, closed.id
    freeze_today(today() + dt.timedelta(days=20))
    try:
        with app.app_context():
            late = set(db.session.scalars(select(ServiceCase.id).where(overdue_clause())))
            assert call_id in late and wages_id not in late and closed_id not in late
            assert db.session.get(ServiceCase, call_id).overdue
    finally:
        freeze_today(None)


# --- people ---------------------------------------------------------------------------------
def test_returning_phone_and_id_are_found(app):
    with app.app_context():
        first = make_person(name="刘春生", phone="13700000001")
        assert find_or_make("137-0000-0001").id == first.id
        assert find_or_make("13700000001", name="刘春生").id == first.id
        other = find_or_make("13700000001", name="刘小燕")  # same phone, another person
        assert other.id != first.id
        number = id_number()
        with_id = find_or_make("13800000009", id_number=number)
        db.session.commit()
        assert find_or_make("", name="改名", id_number=number).id == with_id.id


def test_person_with_a_files_id_links_to_it(app):
    with app.app_context():
        worker = make_worker(name="王秀兰", phone="13911112222")
        member_number = id_number()
        spouse_file = make_worker(members=[{"name": "李明", "id_number": member_number}])
        person = find_or_make("13611112222", id_number=worker.id_number)
        member = find_or_make("13611113333", id_number=member_number)
        db.session.commit()
        assert person.worker_id == worker.id and person.name == "王秀兰"
        assert member.worker_id == spouse_file.id
        assert people() == 2  # linked, never a copy of the file


def test_desk_saves_new_and_returning_callers(app, client, auth):
    auth.login("staff")
    response = desk(client, auth, phone="13755556666", name="赵大勇", summary="欠薪")
    assert response.status_code == 302
    response = desk(client, auth, phone="137 5555 6666", channel="visit",
                    case_type="policy")
    assert response.status_code == 302
    with app.app_context():
        assert people() == 1 and cases() == 2
        answer = client.get("/admin/servicecase/lookup/?q=13755556666").get_json()
        assert answer["people"][0]["name"] == "赵大勇"
        assert len(answer["people"][0]["cases"]) == 2


def test_lookup_shows_the_file_of_an_id_not_yet_served(app, client, auth):
    with app.app_context():
        number = make_worker(name="孙桂芝").id_number
    auth.login("staff")
    answer = client.get(f"/admin/servicecase/lookup/?q={number}").get_json()
    assert answer["people"] == [] and answer["file"]["name"] == "孙桂芝"


@pytest.mark.parametrize("fields,message", [
    ({"phone": "", "name": ""}, "请填写来访人的电话或姓名"),
    ({"phone": "13700001111", "id_number": "110101199001011234"}, "校验位"),
    ({"phone": "13700001111", "channel": "collective", "head_count": "1"}, "集体访"),
])
def test_bad_desk_input_writes_nothing(app, client, auth, fields, message):
    auth.login("staff")
    response = desk(client, auth, **fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page
    with app.app_context():
        assert cases() == 0 and people() == 0


def test_collective_visit_counts_heads(app, client, auth):
    auth.login("staff")
    assert desk(client, auth, phone="13700002222", channel="collective",
                head_count="20").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(ServiceCase.head_count)) == 20


# --- roles and masking ---------------------------------------------------------------------
@pytest.mark.parametrize("role", ROLES)
def test_desk_and_lookup_by_role(app, client, auth, role):
    auth.login(role)
    may_create = allows(role, "servicecase", "C")
    assert client.get("/admin/servicecase/new/").status_code == (200 if may_create else 403)
    assert client.get("/admin/servicecase/lookup/?q=13700000000").status_code == (
        200 if may_create else 403)
    assert client.get("/admin/servicecase/").status_code == (
        403 if role == "clerk" else 200)
    assert client.get("/admin/person/").status_code == (403 if role == "clerk" else 200)


@pytest.mark.parametrize("role,step,allowed", [
    ("staff", "assign", False), ("manager", "assign", True), ("manager", "take", False),
    ("staff", "take", True), ("manager", "supervise", True), ("clerk", "take", False),
])
def test_steps_by_role(app, client, auth, role, step, allowed):
    with app.app_context():
        pk, staff_id = make_case().id, user("staff").id
    auth.login(role)
    response = client.post(f"/admin/servicecase/step/?id={pk}", data={
        "csrf_token": auth.token(), "step": step, "assignee_id": staff_id,
        "handling_mode": "self", "note": "督办"})
    assert response.status_code == (302 if allowed else 403)
    with app.app_context():
        moved = db.session.get(ServiceCase, pk).state != "received" or step == "supervise"
        assert moved is allowed


def test_manager_sees_phone_and_id_masked(app, client, auth):
    with app.app_context():
        number = id_number()
        person = make_person(phone="13712345678", id_number=number)
        make_case(person=person)
    auth.login("manager")
    for url in ("/admin/person/", "/admin/servicecase/"):
        page = client.get(url).get_data(as_text=True)
        assert "13712345678" not in page and number not in page
        assert "137****5678" in page
    # Not found by the hidden digits, only by the last four.
    page = client.get("/admin/person/?search=1371234").get_data(as_text=True)
    assert "137****5678" not in page
    page = client.get("/admin/person/?search=5678").get_data(as_text=True)
    assert "137****5678" in page
    auth.logout()
    auth.login("staff")
    assert "13712345678" in client.get("/admin/person/").get_data(as_text=True)


def test_workflow_page_offers_the_declared_steps(app, client, auth):
    with app.app_context():
        pk = make_case().id
    auth.login("manager")
    page = client.get(f"/admin/servicecase/step/?id={pk}").get_data(as_text=True)
    assert re.findall(r'id="step-(\w+)"', page) == ["assign", "supervise"]
    auth.logout()
    auth.login("staff")
    page = client.get(f"/admin/servicecase/step/?id={pk}").get_data(as_text=True)
    assert re.findall(r'id="step-(\w+)"', page) == ["take"]
    assert "None" not in flashes(page)


# --- the start page ------------------------------------------------------------------------
def test_start_page_figures_equal_their_lists(app, client, auth):
    from tests.test_dashboard import check_lists, figures, start_page
    with app.app_context():
        staff = user("staff")
        make_case()
        make_case("assigned")
        soon = make_case("in_progress")
        soon.deadline = today() + dt.timedelta(days=1)
        late = make_case("in_progress")
        late.deadline = today() - dt.timedelta(days=2)
        db.session.commit()
        make_case("resolved")
        make_case("closed")
        taken = make_case()
        take(taken, staff)
        supervise(taken, user("manager"), "本周内办结")
        db.session.commit()
    auth.login("staff")
    found = figures(start_page(client))
    assert {k: found[k]["count"] for k in ("desk-mine", "desk-due-soon", "desk-overdue-mine",
                                           "desk-visits")} == {
        "desk-mine": 4, "desk-due-soon": 1, "desk-overdue-mine": 1, "desk-visits": 1}
    check_lists(client, {k: v for k, v in found.items() if k.startswith("desk")})
    auth.logout()
    auth.login("manager")
    found = figures(start_page(client))
    assert {k: found[k]["count"] for k in ("desk-unassigned", "desk-supervised",
                                           "desk-overdue")} == {
        "desk-unassigned": 1, "desk-supervised": 1, "desk-overdue": 1}
    check_lists(client, {k: v for k, v in found.items() if k.startswith("desk")})


def test_demo_desk_has_a_year_in_every_state(app, demo):
    with app.app_context():
        states = set(db.session.scalars(select(ServiceCase.state)))
        assert states == {"received", "assigned", "in_progress", "resolved", "closed"}
        channels = set(db.session.scalars(select(ServiceCase.channel)))
        assert channels == {"visit", "call", "letter", "online", "collective"}
        assert db.session.scalar(select(ServiceCase.head_count).where(
            ServiceCase.channel == "collective")) == 20
        assert db.session.scalar(select(func.count()).select_from(ServiceCase).where(
            overdue_clause())) > 0
        assert db.session.scalar(select(func.count()).select_from(Person).where(
            Person.worker_id.is_not(None))) > 0
        returning = db.session.scalar(select(func.count()).select_from(
            select(ServiceCase.person_id).group_by(ServiceCase.person_id)
            .having(func.count() > 1).subquery()))
        assert returning > 0 and cases() >= 200


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("step", list(WORKFLOW.steps))
def test_every_step_by_role(app, client, auth, role, step):
    """POSTing a step: 403 and the case unchanged without the step's verb, else done."""
    with app.app_context():
        state = WORKFLOW[step].from_states[0]
        staff = user("staff")
        pk, staff_id = make_case(state, assignee=staff).id, staff.id
    auth.login(role)
    response = client.post(f"/admin/servicecase/step/?id={pk}", data={
        "csrf_token": auth.token(), "step": step, "assignee_id": staff_id,
        "handling_mode": "self", "note": "请按期办结", "report": "已办结", "result": "已解决",
        "satisfaction": "satisfied"})
    may = allows(role, "servicecase", WORKFLOW[step].verb) and allows(role, "servicecase", "R")
    assert response.status_code == (302 if may else 403)
    with app.app_context():
        after = db.session.get(ServiceCase, pk)
        if not may or (role == "admin" and step in ("start", "resolve")):
            assert after.state == state  # the admin is not the assignee: the rule refuses
        elif step != "supervise":
            assert after.state != state or step == "assign"
        else:
            assert after.handling_mode == "supervised"


def test_person_form_links_and_refuses_a_second_holder(app, client, auth):
    with app.app_context():
        worker_number = make_worker(name="郑春花").id_number
        make_person(id_number=(taken := id_number()))
    auth.login("staff")
    token = auth.token("/admin/person/new/")
    response = client.post("/admin/person/new/", data={
        "csrf_token": token, "phone": "13622223333", "id_number": worker_number})
    assert response.status_code == 302
    response = client.post("/admin/person/new/", data={
        "csrf_token": token, "phone": "13622224444", "id_number": taken})
    assert "此身份证号已登记在另一服务对象名下" in response.get_data(as_text=True)
    response = client.post("/admin/person/new/", data={"csrf_token": token, "phone": "",
                                                         "name": ""})
    assert "请填写来访人的电话或姓名" in response.get_data(as_text=True)
    with app.app_context():
        linked = db.session.scalar(select(Person).where(Person.id_number == worker_number))
        assert linked.worker.name == "郑春花" and linked.name == "郑春花"
        assert people() == 2
