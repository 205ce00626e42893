"""Importing a base union's list of assistance applications: the form's rule, all or nothing."""
from __future__ import annotations

import io
import re
from decimal import Decimal

import openpyxl
from sqlalchemy import func, select

from models import Assistance, AuditLog, db
from models.base import today
from portal.excel.assistance_import import spec as assistance_spec
from tests import import_sheets as sheets
from tests.factories import id_number, make_assistance, make_worker

CAMPAIGN = "2026年金秋助学"


def book(app, rows: list[dict]) -> bytes:
    return sheets.book(app, assistance_spec, rows)


def upload(client, auth, data: bytes):
    return sheets.upload(client, auth, "assistance", data)


def confirm(client, auth, page: str):
    return sheets.confirm(client, auth, "assistance", page)


errors = sheets.errors


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Assistance))


def people(n: int, **overrides) -> list[tuple[str, str]]:
    made = [make_worker(name=f"职工{i}", id_number=id_number(), **overrides) for i in range(n)]
    return [(w.name, w.id_number) for w in made]


def test_preview_then_confirm_files_applications(app, client, auth):
    with app.app_context():
        (n1, first), (n2, second), (n3, third) = people(3)
    data = book(app, [
        {"worker.name": n1, "worker.id_number": first, "kind": "education", "year": 2026,
         "campaign": CAMPAIGN, "cash_amount": 2000, "reason": "子女上大学",
         "student_name": "王一诺", "school": "山东大学", "school_level": "university"},
        {"worker.id_number": second.lower(), "kind": "medical", "cash_amount": 3000,
         "reason": "住院", "out_of_pocket": 12000, "student_name": "不该留下"},
        {"worker.id_number": third, "kind": "emergency", "cash_amount": 8000,
         "reason": "火灾"}])
    auth.login("staff")
    page = upload(client, auth, data).get_data(as_text=True)
    assert not errors(page), errors(page)
    assert "新建：3" in page
    with app.app_context():
        assert count() == 0
    assert confirm(client, auth, page).status_code == 302
    with app.app_context():
        rows = {r.worker.id_number: r for r in db.session.scalars(select(Assistance))}
        school = rows[first]
        assert (school.kind, school.state, school.cash_amount, school.school_level) == (
            "education", "applied", Decimal("2000.00"), "university")
        assert school.applied_by.username == "staff" and school.applied_at is not None
        medical = rows[second.upper()]
        assert medical.out_of_pocket == Decimal("12000.00") and medical.student_name == ""
        assert medical.year == today().year  # an empty year: this year
        assert rows[third].cash_amount == Decimal("8000.00")  # above the limit: filed
        logged = db.session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.record_type == "assistance", AuditLog.action == "create"))
        assert logged == 3


def test_one_bad_row_keeps_the_whole_file_out(app, client, auth):
    with app.app_context():
        (n1, first), (n2, second) = people(2)
        exited = make_worker(name="已脱困", id_number=id_number(), status="exited").id_number
    data = book(app, [
        {"worker.id_number": first, "kind": "living", "cash_amount": 800, "reason": "困难"},
        {"worker.id_number": second, "kind": "education", "cash_amount": 800,
         "reason": "上学", "student_name": "王一诺"},
        {"worker.id_number": exited, "kind": "living", "cash_amount": 800},
        {"worker.id_number": id_number(), "kind": "living", "cash_amount": 800},
        {"worker.name": "李四", "worker.id_number": first, "kind": "festival",
         "cash_amount": 500},
        {"worker.id_number": first, "kind": "living", "cash_amount": 0},
        {"worker.id_number": "12345", "kind": "living", "cash_amount": 800}])
    auth.login("staff")
    page = upload(client, auth, data).get_data(as_text=True)
    found = {row: column for row, column, _message in errors(page)}
    with app.test_request_context():
        label = {c.key: c.header for c in assistance_spec().columns}
    assert found[3] == label["school"]
    assert found[4] == label["worker.id_number"]  # exited file: 先建档后帮扶
    assert found[5] == label["worker.id_number"]  # nobody on file
    assert found[6] == label["worker.name"]
    assert found[7] == label["kind"]  # the same kind and campaign as row 2
    assert found[8] == label["worker.id_number"]
    assert 2 not in found
    assert 'name="token"' not in page
    messages = " ".join(message for _r, _c, message in errors(page))
    assert re.search(r"[\u4e00-\u9fff]", messages)
    with app.app_context():
        assert count() == 0


def test_a_cell_that_is_no_choice_is_named(app, client, auth):
    with app.app_context():
        (_name, first), = people(1)
    data = book(app, [{"worker.id_number": first, "kind": "不存在", "cash_amount": 800}])
    auth.login("staff")
    page = upload(client, auth, data).get_data(as_text=True)
    with app.test_request_context():
        label = {c.key: c.header for c in assistance_spec().columns}
    assert [(row, column) for row, column, _m in errors(page)] == [(2, label["kind"])]
    with app.app_context():
        assert count() == 0


def test_a_list_uploaded_twice_files_nobody_twice(app, client, auth):
    """A worker with an open or granted record of the kind in the campaign is refused."""
    with app.app_context():
        (_name, number), = people(1)
        existing = make_assistance(kind="education", campaign=CAMPAIGN, student_name="甲",
                                   school="乙", school_level="primary")
        other = existing.worker.id_number
    data = book(app, [{"worker.id_number": number, "kind": "living", "cash_amount": 500,
                       "campaign": "2026年春节送温暖"},
                      {"worker.id_number": other, "kind": "education", "campaign": CAMPAIGN,
                       "year": 2026, "cash_amount": 500, "student_name": "甲",
                       "school": "乙", "school_level": "primary"}])
    auth.login("staff")
    page = upload(client, auth, data).get_data(as_text=True)
    assert [row for row, _c, _m in errors(page)] == [3]
    assert f"#{existing.id}" in page or str(existing.id) in page


def test_clerk_and_manager_cannot_import(app, client, auth):
    for role in ("clerk", "manager"):
        auth.login(role)
        assert client.get("/admin/assistance/import/").status_code == 403
        auth.logout()


def test_export_still_lists_the_records(app, client, auth):
    with app.app_context():
        record = make_assistance(kind="emergency", cash_amount=Decimal("1200.00"))
        number, name = record.worker.id_number, record.worker.name
    auth.login("manager")
    response = client.get("/admin/assistance/export/xlsx/")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert number in values and name in values


def test_the_template_downloads(app, client, auth):
    auth.login("staff")
    response = client.get("/admin/assistance/import/template/")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    headers = [cell.value for cell in sheet[1]]
    with app.test_request_context():
        expected = [c.header for c in assistance_spec().columns if not c.export_only]
    assert [h.rstrip("*") for h in headers[:len(expected)]] == expected
