"""Exporting seekers and vacancies: the column chooser, formula-safe cells, masked numbers."""
from __future__ import annotations

import io

import openpyxl
from sqlalchemy import select

from models import AuditLog, db
from models.idnumber import mask_id_number
from tests.factories import id_number, make_worker
from tests.factories_desk import make_person
from tests.factories_employment import make_employer, make_seeker, make_vacancy
from tests.import_sheets import sheet_rows


def test_vacancy_export_writes_the_chosen_columns(app, client, auth):
    with app.app_context():
        employer = make_employer(name="=HYPERLINK(\"http://x\")公司")
        make_vacancy(employer=employer, title="@SUM(A1)保洁", kind="labour_export",
                     destination="北京")
        code = employer.credit_code
    auth.login("manager")
    page = client.get("/admin/vacancy/export/").get_data(as_text=True)
    assert "employer.credit_code" in page and "places_taken" in page
    response = client.get("/admin/vacancy/export/xlsx/?columns=employer.name,"
                          "employer.credit_code,title,kind,places,wage_min,state")
    rows = sheet_rows(response)
    # In the spec's order, whatever order they were asked in.
    assert rows[0][:6] == ["单位名称", "统一社会信用代码", "岗位名称", "名额", "月薪下限（元）",
                           "岗位类别"], rows[0]
    assert len(rows[0]) == 7
    assert rows[1][:6] == ["=HYPERLINK(\"http://x\")公司", code, "@SUM(A1)保洁", 3, 2200,
                           "外出务工"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert sheet["A2"].data_type != "f" and sheet["C2"].data_type != "f"  # text, not formulas
    csv = client.get("/admin/vacancy/export/csv/?columns=employer.name,title")
    assert "'=HYPERLINK" in csv.get_data(as_text=True)
    with app.app_context():
        logged = db.session.scalars(select(AuditLog).where(
            AuditLog.action == "export", AuditLog.record_type == "vacancy")
            .order_by(AuditLog.id)).all()
        assert len(logged) == 2 and logged[0].changes["columns"][1] == [
            "employer.name", "employer.credit_code", "title", "places", "wage_min", "kind",
            "state"]


def test_seeker_export_masks_people_for_managers(app, client, auth):
    with app.app_context():
        worker = make_worker(name="刘秀英")
        person = make_person(name="赵大勇", id_number=id_number(), phone="13905310001")
        make_seeker(worker=worker, desired_job_types=["cleaning", "housekeeping"])
        make_seeker(person=person)
        numbers = {worker.id_number, person.id_number}
        phones = {worker.phone, person.phone}
    wanted = "?columns=name,person.id_number,person.phone,desired_job_types,is_4050,state"
    auth.login("admin")
    rows = sheet_rows(client.get("/admin/jobseeker/export/xlsx/" + wanted))
    assert rows[0] == ["姓名", "身份证号", "联系电话", "求职工种", "4050人员", "求职状态"], rows[0]
    assert {r[1] for r in rows[1:]} == numbers and {r[2] for r in rows[1:]} == phones
    assert "保洁物业、家政服务" in {r[3] for r in rows[1:]}
    auth.logout()
    auth.login("manager")
    rows = sheet_rows(client.get("/admin/jobseeker/export/xlsx/" + wanted))
    assert {r[1] for r in rows[1:]} == {mask_id_number(n) for n in numbers}
    assert not numbers & {r[1] for r in rows[1:]} and not phones & {r[2] for r in rows[1:]}
    everything = sheet_rows(client.get("/admin/jobseeker/export/xlsx/"))
    cells = {str(c) for row in everything for c in row}
    assert not (numbers | phones) & cells


def test_who_may_export(app, client, auth):
    for role, status in (("clerk", 403), ("staff", 403), ("manager", 200)):
        auth.login(role)
        for endpoint in ("jobseeker", "vacancy"):
            assert client.get(f"/admin/{endpoint}/export/xlsx/").status_code == status, (
                role, endpoint)
        auth.logout()
