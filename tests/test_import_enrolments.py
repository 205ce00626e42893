"""Importing training enrolments from Excel: through the training rules, all or nothing."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from flask_babel import gettext as _
from sqlalchemy import func, select

from models import AuditLog, Enrolment, TrainingClass, db
from models.training_rules import place_differences
from portal.excel.enrolment_import import spec as enrolment_spec
from tests import import_sheets as sheets
from tests.factories import id_number, make_worker
from tests.factories_training import make_class, make_enrolment

CLASS = "2026年第一期电焊工培训班"


def book(app, rows: list[dict]) -> bytes:
    return sheets.book(app, enrolment_spec, rows)


def upload(client, auth, data: bytes):
    return sheets.upload(client, auth, "enrolment", data)


def confirm(client, auth, page: str):
    return sheets.confirm(client, auth, "enrolment", page)


errors = sheets.errors


def text(app, message: str, **values) -> str:
    """Return ``message`` as the portal shows it (the catalogue's Chinese once merged)."""
    with app.test_request_context():
        return _(message, **values)


def label(app, key: str) -> str:
    """Return the header of an enrolment column as the portal shows it."""
    with app.test_request_context():
        return str(Enrolment.__table__.c[key].info["label"])


def count(model=Enrolment) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def taken(class_id: int) -> int:
    db.session.expire_all()
    return db.session.get(TrainingClass, class_id).enrolled_count


def workers(n: int, **overrides) -> list[tuple[str, str]]:
    """Create ``n`` workers on file; return their (name, ID number)."""
    made = [make_worker(name=f"学员{i}", id_number=id_number(), **overrides)
            for i in range(n)]
    return [(w.name, w.id_number) for w in made]


def test_preview_then_confirm_enrols_completes_and_follows_up(app, client, auth):
    """The dry run writes nothing; confirming enrols, completes and records the follow-up."""
    with app.app_context():
        klass = make_class(state="running").id
        (name1, first), (name2, second) = workers(2)
    data = book(app, [
        {"class_name": CLASS, "worker_name": name1, "id_number": first,
         "enrolled_on": dt.date(2026, 2, 20)},
        {"class_name": CLASS, "class_start_date": dt.date(2026, 3, 2), "worker_name": name2,
         "id_number": second.lower(), "state": "已结业", "enrolled_on": dt.date(2026, 2, 21),
         "completed_on": dt.date(2026, 4, 30),
         "attendance_rate": 96.5, "certificate_no": "HG-7", "outcome": "已再就业",
         "employer": "济南重工", "outcome_on": dt.date(2026, 5, 18), "monthly_income": 4200}])
    auth.login("staff")
    page = upload(client, auth, data).get_data(as_text=True)
    assert "新建：2，更新：0" in page and not errors(page)
    with app.app_context():
        assert count() == 0 and taken(klass) == 0
    assert confirm(client, auth, page).status_code == 302
    with app.app_context():
        rows = {e.worker.id_number: e for e in db.session.scalars(select(Enrolment))}
        assert rows[first].state == "enrolled" and rows[first].enrolled_on == dt.date(2026, 2, 20)
        done = rows[second.upper()]
        assert (done.state, done.completed_on, done.outcome) == (
            "completed", dt.date(2026, 4, 30), "reemployed")
        assert done.attendance_rate == Decimal("96.5") and done.monthly_income == 4200
        assert done.followed_up_on is not None and done.enrolled_by.username == "staff"
        assert taken(klass) == 2 and place_differences() == []
        audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "import"))
        assert audit.record_type == "enrolment" and audit.changes["created"] == [None, 2]


def test_round_trip_changes_nothing(app, client, auth):
    """An exported list imports back with nothing created or updated."""
    with app.app_context():
        klass = make_class(state="running")
        make_enrolment(klass)
        make_enrolment(klass, state="completed", completed_on=dt.date(2026, 4, 30),
                       attendance_rate=Decimal("92.50"), certificate_no="HG-1",
                       outcome="business", employer="小吃店", outcome_on=dt.date(2026, 5, 2),
                       monthly_income=Decimal("3000.00"), followed_up_on=dt.date(2026, 6, 1))
        make_enrolment(make_class(name="家政服务班", category="housekeeping",
                                  state="finished"))
        before = db.session.scalar(select(func.max(AuditLog.id)))
    auth.login("admin")
    exported = client.get("/admin/enrolment/export/xlsx/").data
    page = upload(client, auth, exported).get_data(as_text=True)
    assert "新建：0，更新：0，不变：3" in page and not errors(page)
    assert confirm(client, auth, page).status_code == 302
    with app.app_context():
        assert count() == 3 and place_differences() == []
        actions = set(db.session.scalars(select(AuditLog.action).where(AuditLog.id > before)))
        assert actions <= {"export", "import", "login"}


def test_capacity_holds_across_the_file(app, client, auth):
    """Ten new trainees for three places: the 4th to 10th rows are refused as full."""
    with app.app_context():
        klass = make_class(capacity=3).id
        people = workers(10)
    auth.login("staff")
    page = upload(client, auth, book(app, [
        {"class_name": CLASS, "worker_name": n, "id_number": i} for n, i in people])
    ).get_data(as_text=True)
    full = text(app, "Class %(name)s is full (%(n)d places).", name=CLASS, n=3)
    assert errors(page) == [(row, "班级名称", full) for row in range(5, 12)]
    assert 'name="token"' not in page
    with app.app_context():
        assert count() == 0 and taken(klass) == 0


def test_once_per_class_in_the_file_and_against_the_database(app, client, auth):
    """A worker twice in the file is refused; one already enrolled is updated, not doubled."""
    with app.app_context():
        klass = make_class(state="running")
        on_record = make_enrolment(klass).worker
        (name, number), = workers(1)
        klass_id, known = klass.id, (on_record.name, on_record.id_number)
    auth.login("staff")
    twice = book(app, [
        {"class_name": CLASS, "id_number": number.lower()},
        {"class_name": CLASS, "class_start_date": dt.date(2026, 3, 2), "worker_name": name,
         "id_number": number}])
    page = upload(client, auth, twice).get_data(as_text=True)
    assert errors(page) == [(3, "身份证号", text(app, "Same class and worker as row %(row)d.",
                                                  row=2))]
    again = book(app, [{"class_name": CLASS, "worker_name": known[0], "id_number": known[1],
                        "certificate_no": "HG-9"}])
    page = upload(client, auth, again).get_data(as_text=True)
    assert "新建：0，更新：1" in page
    confirm(client, auth, page)
    with app.app_context():
        assert count() == 1 and taken(klass_id) == 1 and place_differences() == []
        assert db.session.scalar(select(Enrolment.certificate_no)) == "HG-9"


@pytest.mark.parametrize("case", ["unknown", "ambiguous", "no_such_date", "not_on_file",
                                  "bad_number", "pending_file", "name", "finished",
                                  "not_started", "outcome_too_early", "employer_missing",
                                  "date_without_state", "done_before_enrolled"])
def test_refusals_name_row_and_column(app, client, auth, case):
    """Each refusal names the row and the column, and the file writes nothing."""
    with app.app_context():
        make_class(state="running")
        row = {"class_name": CLASS, "worker_name": "学员0", "id_number": workers(1)[0][1]}
        if case == "unknown":
            row["class_name"], expected = "不存在的班", (
                "班级名称", text(app, "No training class is named %(name)s.", name="不存在的班"))
        elif case == "ambiguous":
            make_class(start_date=dt.date(2026, 9, 1), end_date=dt.date(2026, 10, 30))
            expected = ("开班日期", text(
                app, "Several classes are named %(name)s (starting on %(dates)s); give the "
                "class start date to tell which.", name=CLASS, dates="2026-03-02、2026-09-01"))
        elif case == "no_such_date":
            row["class_start_date"] = dt.date(2026, 3, 3)
            expected = ("开班日期", text(app, "No class named %(name)s starts on %(date)s.",
                                        name=CLASS, date="2026-03-03"))
        elif case == "not_on_file":
            row["id_number"] = id_number()
            expected = ("身份证号", text(app, "No worker file has this ID number."))
        elif case == "bad_number":
            row["id_number"] = "370102198005170011"
            expected = ("身份证号", "校验位")
        elif case == "pending_file":
            row["id_number"] = workers(1, status="pending")[0][1]
            expected = ("身份证号", text(app, "Only workers whose file is on record can enrol."))
        elif case == "name":
            row["worker_name"] = "李四"
            expected = ("职工姓名", text(app, "The file with this ID number is in the name of "
                                         "%(name)s; check the ID number.", name="学员0"))
        elif case == "finished":
            row["class_name"] = "结业班"
            make_class(name="结业班", state="finished")
            expected = ("班级名称", text(app, "Enrolment is open only for planned or running "
                                         "classes."))
        elif case == "not_started":
            row["class_name"], row["state"] = "未开班", "已结业"
            make_class(name="未开班")
            expected = ("学员状态", text(app, "The class has not started yet."))
        elif case == "outcome_too_early":
            row["outcome"] = "已再就业"
            expected = (label(app, "outcome"), text(
                app, "Record the outcome once the trainee has completed the class."))
        elif case == "date_without_state":
            row["completed_on"] = dt.date(2026, 4, 30)
            expected = ("结业日期", text(app, "Only a trainee whose state is %(state)s has "
                                         "this date.", state="已结业"))
        elif case == "done_before_enrolled":
            row.update(state="已结业", enrolled_on=dt.date(2026, 3, 10),
                       completed_on=dt.date(2026, 3, 5))
            expected = ("结业日期", "2026-03-10")
        else:
            row.update(state="已结业", outcome="已再就业", outcome_on=dt.date(2026, 5, 1))
            expected = (label(app, "employer"), text(app, "Give the new employer or the business."))
    auth.login("staff")
    page = upload(client, auth, book(app, [row])).get_data(as_text=True)
    [(number, column, message)] = errors(page)
    assert (number, column) == (2, expected[0]) and expected[1] in message
    with app.app_context():
        assert count() == 0 and place_differences() == []


def test_existing_enrolments_move_forward_only(app, client, auth):
    """Completing, dropping out (place freed) and the follow-up apply; going back is refused."""
    with app.app_context():
        klass = make_class(state="running")
        stays = make_enrolment(klass, enrolled_on=dt.date(2026, 2, 20))
        leaves = make_enrolment(klass)
        done = make_enrolment(klass, state="completed", completed_on=dt.date(2026, 4, 30))
        ids = {k: (e.worker.name, e.worker.id_number) for k, e in
               (("stays", stays), ("leaves", leaves), ("done", done))}
        klass_id = klass.id

    def row(who, **values):
        return {"class_name": CLASS, "worker_name": ids[who][0], "id_number": ids[who][1],
                **values}
    auth.login("staff")
    back = upload(client, auth, book(app, [row("done", state="在读")])).get_data(as_text=True)
    assert errors(back) == [(2, "学员状态", text(
        app, "An enrolment moves only from enrolled to completed or dropped out."))]
    redated = upload(client, auth, book(app, [row("done", completed_on=dt.date(2026, 5, 1))]))
    assert errors(redated.get_data(as_text=True)) == [(2, "结业日期", text(
        app, "This date was recorded when the state changed; an import cannot change it."))]
    page = upload(client, auth, book(app, [
        row("stays", state="已结业", completed_on=dt.date(2026, 4, 29), outcome="已再就业",
            employer="济南重工", outcome_on=dt.date(2026, 5, 18), monthly_income=4100),
        row("leaves", state="已退学"),
        row("done", outcome="尚未就业")])).get_data(as_text=True)
    assert "新建：0，更新：3" in page and not errors(page), errors(page)
    confirm(client, auth, page)
    with app.app_context():
        by_number = {e.worker.id_number: e for e in db.session.scalars(select(Enrolment))}
        stayed = by_number[ids["stays"][1]]
        assert (stayed.state, stayed.completed_on, stayed.outcome, stayed.employer) == (
            "completed", dt.date(2026, 4, 29), "reemployed", "济南重工")
        assert by_number[ids["leaves"][1]].state == "dropped"
        assert by_number[ids["done"][1]].outcome == "not_employed"
        assert taken(klass_id) == 2 and place_differences() == []


def test_one_bad_row_among_many_writes_nothing(app, client, auth):
    """Atomicity: one unknown worker among sixty rows, and no place is taken."""
    with app.app_context():
        klass = make_class(capacity=80).id
        rows = [{"class_name": CLASS, "worker_name": n, "id_number": i}
                for n, i in workers(60)]
    rows[41]["id_number"] = id_number()
    auth.login("staff")
    page = upload(client, auth, book(app, rows)).get_data(as_text=True)
    assert [(r, c) for r, c, _m in errors(page)] == [(43, "身份证号")]
    assert 'name="token"' not in page
    with app.app_context():
        assert count() == 0 and taken(klass) == 0 and place_differences() == []


@pytest.mark.parametrize("role", ["clerk", "manager"])
def test_roles_without_create_are_refused(app, client, auth, role):
    """Clerks and managers may not import enrolments: every import URL answers 403."""
    auth.login(role)
    assert client.get("/admin/enrolment/import/").status_code == 403
    assert client.get("/admin/enrolment/import/template/").status_code == 403
    response = client.post("/admin/enrolment/import/", data={
        "csrf_token": auth.token(), "file": (io.BytesIO(b"x"), "a.xlsx")},
        content_type="multipart/form-data")
    assert response.status_code == 403
    response = client.post("/admin/enrolment/import/confirm/",
                           data={"csrf_token": auth.token(), "token": "0" * 32})
    assert response.status_code == 403


def test_template_downloads_and_its_example_row_imports(app, client, auth):
    """The template has the headers (required marked) and an example that imports as is."""
    auth.login("staff")
    response = client.get("/admin/enrolment/import/template/")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["班级名称*", "开班日期", "职工姓名", "身份证号*"]
    example = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    with app.app_context():
        make_class(state="running")
        make_worker(name=example["职工姓名"], id_number=example["身份证号*"])
    page = upload(client, auth, response.data).get_data(as_text=True)
    assert "新建：1" in page and not errors(page)


def test_demo_enrolments_round_trip(app, client, auth, demo):
    """The demo centre's enrolments (every state, follow-ups) export and import unchanged."""
    with app.app_context():
        total = count()
    auth.login("admin")
    page = upload(client, auth, client.get("/admin/enrolment/export/xlsx/").data).get_data(
        as_text=True)
    assert errors(page) == [] and f"新建：0，更新：0，不变：{total}" in page
