"""Desk cases in Excel: the export (masked for who reads masked, audited) and the hotline log
import (preview, row errors in Chinese, all or nothing, returning callers found again)."""
from __future__ import annotations

import datetime as dt
import html
import io
import re

import openpyxl
import pytest
from sqlalchemy import func, select

from models import AuditLog, db
from models.base import CHINA, freeze_today
from models.permissions import sees_masked_identity
from models.person import Person
from models.service_case import ServiceCase
from models.service_case_rules import deadline_days
from portal.excel.desk_import import spec as desk_spec
from portal.registry import ROLES, record_types
from tests.factories import id_number
from tests.factories_desk import make_case, make_person

ERROR_ROW = re.compile(r"<tr><td>([^<]*)</td><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>")
PHONE, RETURNING = "13705319876", "13705310001"
TODAY = dt.date(2026, 3, 10)


@pytest.fixture(autouse=True)
def frozen():
    freeze_today(TODAY)
    yield
    freeze_today(None)


# --- export ----------------------------------------------------------------------------------
@pytest.fixture
def cases(app):
    with app.app_context():
        number = id_number()
        person = make_person(name="赵大勇", phone=PHONE, id_number=number)
        make_case(person=person, summary="欠薪三个月")
        make_case("in_progress", summary="工伤认定咨询")
    return number


def _sheet(response) -> list[list]:
    assert response.status_code == 200 and response.data[:2] == b"PK"
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _column(rows, header: str) -> list:
    index = rows[0].index(header)
    return [row[index] for row in rows[1:]]


@pytest.mark.parametrize("endpoint,phone,idno", [("servicecase", "联系电话", "身份证号"),
                                                 ("person", "联系电话", "身份证号")])
def test_export_masks_numbers_for_the_manager_only(app, client, auth, cases, endpoint, phone,
                                                   idno):
    auth.login("admin")
    whole = _sheet(client.get(f"/admin/{endpoint}/export/xlsx/"))
    assert PHONE in _column(whole, phone) and cases in _column(whole, idno)
    auth.logout()
    auth.login("manager")
    rows = _sheet(client.get(f"/admin/{endpoint}/export/xlsx/"))
    assert len(rows) == len(whole)
    shown = " ".join(str(v) for row in rows for v in row if v is not None)
    assert PHONE not in shown and cases not in shown and cases[7:14] not in shown
    assert "137****9876" in _column(rows, phone)
    assert f"{cases[:3]}{'*' * 11}{cases[-4:]}" in _column(rows, idno)
    # A search compares the visible tail only: a wrong guess of the hidden digits exports
    # the same rows as the right number, so the export is no oracle for them.
    guess = cases[:6] + ("1" if cases[6] != "1" else "2") + cases[7:]
    assert _sheet(client.get(f"/admin/{endpoint}/export/xlsx/?search={guess}")) == \
        _sheet(client.get(f"/admin/{endpoint}/export/xlsx/?search={cases}"))
    with app.app_context():
        entries = db.session.scalars(select(AuditLog).where(
            AuditLog.action == "export", AuditLog.record_type == endpoint)).all()
    assert {e.username for e in entries} == {"admin", "manager"}


def test_column_chooser_exports_the_chosen_columns(app, client, auth, cases):
    auth.login("manager")
    page = client.get("/admin/servicecase/export/").get_data(as_text=True)
    assert "person.phone" in page and "case_type" in page
    rows = _sheet(client.get("/admin/servicecase/export/xlsx/?columns=id,person.phone,"
                             "case_type,state"))
    assert rows[0] == ["编号", "联系电话", "事项类别", "办理状态"]
    assert sorted(r[2] for r in rows[1:]) == ["农民工维权/讨薪"] * 2
    with app.app_context():
        entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "export")).one()
    assert entry.changes["columns"][1] == ["id", "person.phone", "case_type", "state"]
    assert entry.changes["rows"][1] == 2


def test_x_for_a_masked_role_only_where_the_export_masks():
    """The matrix's X and the views agree: a role that reads a view's numbers masked has X
    there only if that view's export masks them (else the export would be refused)."""
    for rt in record_types():
        endpoints = {**rt.view.identity_columns, **rt.view.identity_derived}.values()
        for role in ROLES:
            if rt.allows(role, "X") and any(sees_masked_identity(role, e) for e in endpoints):
                assert rt.view.export_masks_identity, (rt.endpoint, role)


# --- import -----------------------------------------------------------------------------------
def book(app, rows: list[list]) -> bytes:
    """Return a hotline log .xlsx: the template's headers, then ``rows`` as typed."""
    with app.test_request_context():
        headers = [c.header for c in desk_spec().columns if not c.export_only]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(client, auth, data: bytes):
    return client.post("/admin/servicecase/import/", data={
        "csrf_token": auth.token(), "file": (io.BytesIO(data), "12351来电登记.xlsx")},
        content_type="multipart/form-data")


def confirm(client, auth, page: str):
    token = re.search(r'name="token" value="([0-9a-f]+)"', page).group(1)
    return client.post("/admin/servicecase/import/confirm/",
                       data={"csrf_token": auth.token(), "token": token})


def errors(page: str) -> list[tuple[int, str, str]]:
    return [(int(row), html.unescape(column), html.unescape(message))
            for _sheet, row, column, message in ERROR_ROW.findall(page)]


def counts():
    return (db.session.scalar(select(func.count()).select_from(ServiceCase)),
            db.session.scalar(select(func.count()).select_from(Person)))


def test_template_has_the_log_headers(client, auth):
    auth.login("staff")
    response = client.get("/admin/servicecase/import/template/")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert [c.value for c in sheet[1]] == ["登记时间*", "联系电话", "姓名", "事项类别*",
                                           "诉求摘要"]


def test_hotline_log_is_previewed_then_written_returning_callers_linked(app, client, auth):
    with app.app_context():
        returning = make_person(name="刘春生", phone=RETURNING)
        make_case(person=returning)
        returning_id = returning.id
        before = counts()
    data = book(app, [
        [dt.date(2026, 3, 2), RETURNING, "刘春生", "农民工维权/讨薪", "工资仍未到位"],
        [dt.datetime(2026, 3, 3, 14, 20), "137 0531 5555", "钱小兵", "政策咨询", "社保断缴"],
        [dt.date(2026, 3, 4), "13705315555", "", "法律援助", "再次来电"],   # the same caller
        [dt.date(2026, 3, 5), "", "匿名来电者", "其他", ""],
    ])
    auth.login("staff")
    preview = upload(client, auth, data).get_data(as_text=True)
    assert errors(preview) == []
    with app.app_context():
        assert counts() == before   # a preview writes nothing
    assert confirm(client, auth, preview).status_code == 302
    with app.app_context():
        assert counts() == (before[0] + 4, before[1] + 2)
        new = db.session.scalars(select(ServiceCase).where(ServiceCase.id > 1)
                                 .order_by(ServiceCase.id)).all()[-4:]
        assert {(c.channel, c.hotline, c.state) for c in new} == {("call", True, "received")}
        assert new[0].person_id == returning_id
        assert new[1].person_id == new[2].person_id and new[1].person.name == "钱小兵"
        assert new[1].person.phone == "13705315555"
        assert [c.case_type for c in new] == ["wages", "policy", "legal_aid", "other"]
        # The day of the call in China: 2026-03-03 14:20 local is 06:20 UTC.
        assert new[1].received_at == dt.datetime(2026, 3, 3, 14, 20) - CHINA
        assert new[0].received_at == dt.datetime(2026, 3, 2) - CHINA
        assert new[0].deadline == dt.date(2026, 3, 2) + dt.timedelta(days=deadline_days("wages"))
        assert all(c.received_by.username == "staff" for c in new)
        entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "import")).one()
        assert entry.record_type == "servicecase"


def test_bad_rows_are_named_in_chinese_and_nothing_is_written(app, client, auth):
    with app.app_context():
        before = counts()
    data = book(app, [
        [dt.date(2026, 3, 2), "13705316666", "孙立", "法律援助", "好的一行"],
        ["2026-02-30", "13705317777", "李强", "法律援助", "日期不对"],
        [dt.date(2026, 3, 2), "13705318888", "王芳", "买房咨询", "类别不对"],
        [dt.date(2026, 3, 2), "", "", "其他", "没有电话也没有姓名"],
        [dt.date(2026, 3, 11), "13705319999", "周敏", "其他", "明天的电话"],
        [dt.date(2026, 3, 2), "打过来的", "郑义", "其他", "电话不是号码"],
    ])
    auth.login("staff")
    page = upload(client, auth, data).get_data(as_text=True)
    found = errors(page)
    assert sorted((row, column) for row, column, _m in found) == [
        (3, "登记时间"), (4, "事项类别"), (5, "联系电话"), (6, "登记时间"), (7, "联系电话")]
    messages = dict(((row, message) for row, _c, message in found))
    assert "日期" in messages[3] and "须为以下之一" in messages[4]
    assert messages[5] == "请填写来电人的电话或姓名。"
    assert messages[6] == "来电日期不能晚于今天。"
    assert "电话" in messages[7]
    assert 'name="token"' not in page   # nothing to confirm
    with app.app_context():
        assert counts() == before
