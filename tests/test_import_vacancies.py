"""Importing an employer's vacancy list: the form's checks, new employers, all or nothing."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from sqlalchemy import func, select

from models import AuditLog, db
from models.base import today
from models.employment import Employer, Vacancy
from portal.excel.vacancy_import import spec as vacancy_spec
from tests.factories_employment import credit_code, make_employer, make_vacancy
from tests.import_sheets import book, confirm, errors, labels, upload


def count(model=Vacancy) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_preview_then_confirm_files_the_vacancies(app, client, auth):
    with app.app_context():
        known = make_employer(name="济南鲁信物业服务有限公司").credit_code
    new_code = credit_code()
    data = book(app, vacancy_spec, [
        {"employer.credit_code": known, "title": "保洁员", "job_type": "保洁物业",
         "places": 3, "wage_min": 2200, "wage_max": 2800, "requirements": "身体健康",
         "location": "历下区", "kind": "普通岗位", "open_from": dt.date(2026, 3, 1),
         "open_to": dt.date(2026, 4, 30)},
        {"employer.name": "泉城家政服务中心", "employer.credit_code": new_code.lower(),
         "employer.contact": "李主任", "employer.phone": "0531-66778899",
         "title": "社区保洁公益岗", "job_type": "cleaning", "places": 5,
         "kind": "公益性岗位", "open_from": "2026-03-02"},
        {"employer.name": "泉城家政服务中心", "employer.credit_code": new_code,
         "title": "外派家政员", "job_type": "家政服务", "places": 10, "wage_min": 4000,
         "kind": "外出务工", "destination": "北京市朝阳区"}])
    auth.login("staff")
    page = upload(client, auth, "vacancy", data).get_data(as_text=True)
    assert not errors(page), errors(page)
    assert "新建：3" in page
    with app.app_context():
        assert count() == 0 and count(Employer) == 1  # the preview keeps nothing
    assert confirm(client, auth, "vacancy", page).status_code == 302
    with app.app_context():
        rows = {v.title: v for v in db.session.scalars(select(Vacancy))}
        assert set(rows) == {"保洁员", "社区保洁公益岗", "外派家政员"}
        first = rows["保洁员"]
        assert (first.employer.credit_code, first.job_type, first.kind, first.places,
                first.wage_min, first.wage_max, first.open_to, first.state) == (
            known, "cleaning", "ordinary", 3, Decimal("2200.00"), Decimal("2800.00"),
            dt.date(2026, 4, 30), "open")
        assert rows["社区保洁公益岗"].kind == "public_welfare"
        export = rows["外派家政员"]
        assert (export.kind, export.destination, export.job_type) == (
            "labour_export", "北京市朝阳区", "housekeeping")
        assert export.open_from == today() or export.open_from is not None
        made = db.session.scalars(select(Employer).where(Employer.credit_code == new_code)).one()
        assert (made.name, made.contact, made.phone, made.is_base) == (
            "泉城家政服务中心", "李主任", "0531-66778899", False)
        assert rows["社区保洁公益岗"].employer_id == export.employer_id == made.id
        logged = dict(db.session.execute(
            select(AuditLog.record_type, func.count()).where(AuditLog.action == "create")
            .group_by(AuditLog.record_type)).all())
        # The employer made above by the factory, and the one the list registered.
        assert logged.get("vacancy") == 3 and logged.get("employer") == 2, logged
        assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "import", AuditLog.record_type == "vacancy")) == 1


def test_bad_rows_are_named_and_keep_the_whole_list_out(app, client, auth):
    with app.app_context():
        employer = make_employer(name="济南鲁信物业服务有限公司")
        code = employer.credit_code
        earlier = make_vacancy(employer=employer, title="门卫", job_type="security",
                               open_from=dt.date(2026, 2, 1)).id
    good = {"employer.credit_code": code, "title": "保洁员", "job_type": "cleaning",
            "places": 2, "open_from": dt.date(2026, 3, 1)}
    data = book(app, vacancy_spec, [
        good,                                                               # 2
        {**good, "employer.credit_code": credit_code(), "title": "甲"},    # 3 unknown, no name
        {**good, "employer.credit_code": "91370102ABC", "title": "乙"},    # 4 not a code
        {**good, "employer.name": "另一家公司", "title": "丙"},             # 5 another name
        {**good, "title": "丁", "wage_min": 3000, "wage_max": 2000},        # 6 reversed
        {**good, "title": "戊", "kind": "外出务工"},                        # 7 no destination
        {**good, "title": "门卫", "job_type": "security",
         "open_from": dt.date(2026, 2, 1)},                                 # 8 on record
        {**good, "title": "庚", "places": 0},                               # 9 no places
        {**good, "title": "辛", "open_to": dt.date(2026, 2, 1)},            # 10 closes first
    ])
    auth.login("staff")
    page = upload(client, auth, "vacancy", data).get_data(as_text=True)
    found = {row: column for row, column, _message in errors(page)}
    label = labels(app, vacancy_spec)
    assert found == {3: label["employer.credit_code"], 4: label["employer.credit_code"],
                     5: label["employer.name"], 6: label["wage_max"],
                     7: label["destination"], 8: label["title"], 9: label["places"],
                     10: label["open_to"]}, found
    messages = " ".join(message for _r, _c, message in errors(page))
    assert re.search(r"[\u4e00-\u9fff]", messages)
    assert "请填写单位名称以便登记" in messages and "请核对代码" in messages
    assert f"#{earlier}" in page
    assert 'name="token"' not in page
    with app.app_context():
        assert count() == 1 and count(Employer) == 1


def test_cells_that_cannot_be_read_are_named_first(app, client, auth):
    """A cell that is no choice, no number or no date, and a row twice in the list, are
    named before any row is tried."""
    with app.app_context():
        code = make_employer().credit_code
    good = {"employer.credit_code": code, "title": "保洁员", "job_type": "cleaning",
            "places": 2, "open_from": dt.date(2026, 3, 1)}
    data = book(app, vacancy_spec, [good, {**good, "title": "甲", "kind": "临时工"},
                                    {**good, "title": "乙", "places": "两个"},
                                    {**good, "title": "丙", "open_to": "下个月"}, good])
    auth.login("staff")
    page = upload(client, auth, "vacancy", data).get_data(as_text=True)
    label = labels(app, vacancy_spec)
    assert [(row, column) for row, column, _m in errors(page)] == [
        (3, label["kind"]), (4, label["places"]), (5, label["open_to"]),
        (6, label["open_from"])]
    with app.app_context():
        assert count() == 0


def test_a_list_uploaded_twice_files_nothing_twice(app, client, auth):
    with app.app_context():
        code = make_employer().credit_code
    data = book(app, vacancy_spec, [{"employer.credit_code": code, "title": "保洁员",
                                     "job_type": "cleaning", "places": 2,
                                     "open_from": dt.date(2026, 3, 1)}])
    auth.login("staff")
    page = upload(client, auth, "vacancy", data).get_data(as_text=True)
    assert confirm(client, auth, "vacancy", page).status_code == 302
    again = upload(client, auth, "vacancy", data).get_data(as_text=True)
    assert [row for row, _c, _m in errors(again)] == [2]
    with app.app_context():
        assert count() == 1


def test_who_may_import_vacancies(app, client, auth):
    for role, status in (("clerk", 403), ("manager", 403), ("staff", 200), ("admin", 200)):
        auth.login(role)
        assert client.get("/admin/vacancy/import/").status_code == status, role
        assert client.get("/admin/vacancy/import/template/").status_code == status, role
        if role != "clerk":  # the list offers the import to those who may
            listing = client.get("/admin/vacancy/").get_data(as_text=True)
            assert ("/admin/vacancy/import/" in listing) == (status == 200), role
        auth.logout()


def test_the_template_example_imports_as_it_stands(app, client, auth):
    """The template's headers are the import's, and its example row is a valid vacancy."""
    auth.login("staff")
    template = client.get("/admin/vacancy/import/template/")
    assert template.status_code == 200
    page = upload(client, auth, "vacancy", template.data).get_data(as_text=True)
    assert not errors(page), errors(page)
    assert "新建：1" in page
