"""Importing a job-fair sign-up sheet: files linked, desk people found or made, marks derived."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from sqlalchemy import func, select

from models import AuditLog, db
from models.base import today
from models.employment import JobSeeker
from models.person import Person
from portal.excel.seeker_import import spec as seeker_spec
from tests.factories import id_number, make_worker
from tests.factories_desk import make_person
from tests.factories_employment import make_seeker
from tests.import_sheets import book, confirm, errors, labels, upload

FAIR = dt.date(2026, 3, 15)


def count(model=JobSeeker) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_sign_up_sheet_registers_files_people_and_walk_ins(app, client, auth):
    with app.app_context():
        woman = make_worker(name="刘秀英", id_number=id_number(dt.date(1980, 1, 1), male=False),
                            category="migrant")
        known = make_person(name="赵大勇", id_number=id_number(dt.date(1990, 6, 1)),
                            is_migrant=True)
        file_number, person_number, person_id = woman.id_number, known.id_number, known.id
    walk_in = id_number(dt.date(1976, 3, 16))  # a man of 50 on the day after the fair
    older = id_number(dt.date(1976, 3, 15), male=False)
    data = book(app, seeker_spec, [
        {"name": "刘秀英", "person.id_number": file_number, "education": "初中",
         "desired_job_types": "保洁物业、家政服务", "desired_wage": 2500,
         "willing_to_travel": "否", "skills": "保洁员培训结业", "registered_on": FAIR},
        {"name": "赵大勇", "person.id_number": person_number, "desired_job_types": "security",
         "willing_to_travel": "是", "registered_on": FAIR},
        {"name": "孙建军", "person.id_number": walk_in, "person.phone": "139 0531 7788",
         "education": "高中或中专", "desired_job_types": "司机配送", "desired_wage": 4000,
         "willing_to_travel": "是", "registered_on": FAIR},
        {"name": "周桂兰", "person.id_number": older.lower(), "person.phone": "13905317789",
         "desired_job_types": "养老育婴护理", "registered_on": FAIR}])
    auth.login("staff")
    page = upload(client, auth, "jobseeker", data).get_data(as_text=True)
    assert not errors(page), errors(page)
    assert "新建：4" in page
    with app.app_context():
        assert count() == 0 and count(Person) == 1
    assert confirm(client, auth, "jobseeker", page).status_code == 302
    with app.app_context():
        seekers = {s.name: s for s in db.session.scalars(select(JobSeeker))}
        on_file = seekers["刘秀英"]
        assert on_file.worker.id_number == file_number and on_file.person is None
        assert (on_file.is_4050, on_file.has_file, on_file.is_migrant) == (True, True, True)
        assert on_file.desired_job_types == ["cleaning", "housekeeping"]
        assert (on_file.education, on_file.desired_wage, on_file.willing_to_travel,
                on_file.skills, on_file.registered_on, on_file.state) == (
            "junior", Decimal("2500.00"), False, "保洁员培训结业", FAIR, "seeking")
        assert on_file.registered_by.username == "staff"
        desk = seekers["赵大勇"]
        assert desk.person_id == person_id and desk.worker is None
        assert (desk.is_4050, desk.has_file, desk.is_migrant, desk.willing_to_travel) == (
            False, False, True, True)
        new = seekers["孙建军"]
        assert new.person.id_number == walk_in and new.person.phone == "13905317788"
        assert new.is_4050 is False  # 50 only the day after the fair
        assert seekers["周桂兰"].is_4050 is True  # 50 on the day: 4050 (a woman from 40)
        assert seekers["周桂兰"].person.id_number == older.upper()
        assert count(Person) == 3
        assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "create", AuditLog.record_type == "jobseeker")) == 4


def test_bad_rows_are_named_and_keep_the_sheet_out(app, client, auth):
    with app.app_context():
        worker = make_worker(name="张建国")
        seeking = make_seeker(worker=make_worker(name="王海燕")).worker.id_number
        person = make_person(name="刘春生", id_number=id_number())
        numbers = worker.id_number, person.id_number
    fine = {"name": "新人", "person.id_number": id_number(), "desired_job_types": "保安"}
    data = book(app, seeker_spec, [
        fine,                                                                 # 2
        {**fine, "name": "王海燕", "person.id_number": seeking},              # 3 seeking
        {**fine, "name": "李四", "person.id_number": numbers[0]},             # 4 file's name
        {**fine, "name": "李四", "person.id_number": numbers[1]},             # 5 person's name
        {**fine, "person.id_number": "370102198001011234"},                   # 6 check digit
        {**fine, "person.id_number": id_number(), "person.phone": "电话"},    # 7 phone
        {**fine, "person.id_number": id_number(),
         "registered_on": today() + dt.timedelta(days=3)},            # 8 future
    ])
    auth.login("staff")
    page = upload(client, auth, "jobseeker", data).get_data(as_text=True)
    label = labels(app, seeker_spec)
    found = {row: column for row, column, _message in errors(page)}
    assert found == {3: label["person.id_number"], 4: label["name"], 5: label["name"],
                     6: label["person.id_number"], 7: label["person.phone"],
                     8: label["registered_on"]}, errors(page)
    messages = " ".join(message for _r, _c, message in errors(page))
    assert re.search(r"[\u4e00-\u9fff]", messages) and "请核对身份证号" in messages
    assert 'name="token"' not in page
    with app.app_context():
        assert count() == 1 and count(Person) == 1


def test_cells_and_repeated_people_are_named_first(app, client, auth):
    number = id_number()
    fine = {"name": "新人", "person.id_number": number, "desired_job_types": "保安"}
    data = book(app, seeker_spec, [
        fine, {**fine, "person.id_number": id_number(), "desired_job_types": "飞行员"},
        {**fine, "person.id_number": id_number(),
         "desired_job_types": "保安、普工、电焊、司机配送"},
        {**fine, "person.id_number": id_number(), "willing_to_travel": "也许"},
        {**fine, "person.id_number": None}, fine])
    auth.login("staff")
    page = upload(client, auth, "jobseeker", data).get_data(as_text=True)
    label = labels(app, seeker_spec)
    assert [(row, column) for row, column, _m in errors(page)] == [
        (3, label["desired_job_types"]), (4, label["desired_job_types"]),
        (5, label["willing_to_travel"]), (6, label["person.id_number"]),
        (7, label["person.id_number"])], errors(page)
    with app.app_context():
        assert count() == 0 and count(Person) == 0


def test_who_may_import_seekers(app, client, auth):
    for role, status in (("clerk", 403), ("manager", 403), ("staff", 200)):
        auth.login(role)
        assert client.get("/admin/jobseeker/import/").status_code == status, role
        assert client.post("/admin/jobseeker/import/confirm/",
                           data={"csrf_token": auth.token()}).status_code in (
            (status,) if status == 403 else (302,)), role
        auth.logout()


def test_the_template_example_imports_as_it_stands(app, client, auth):
    auth.login("staff")
    template = client.get("/admin/jobseeker/import/template/")
    assert template.status_code == 200
    page = upload(client, auth, "jobseeker", template.data).get_data(as_text=True)
    assert not errors(page), errors(page)
    assert "新建：1" in page
