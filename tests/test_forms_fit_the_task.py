"""Forms that fit the task (issue 13.5 and 13.7, server side; the browser side is in
tests/test_browser_forms.py): household size left blank, the suggested category, selects
that start blank, the worker form's sections and the aid form's fields by kind.
"""
from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from models import Assistance, Donation, Worker, db
from tests.conftest import flashes
from tests.factories import make_fund, make_worker
from tests.factories_inventory import make_item
from tests.test_workers import form


def test_blank_household_size_counts_the_household(app, client, auth):
    auth.login("staff")
    response = client.post("/admin/worker/new/", data=form(
        auth.token(), household_size="", **{
            "members-0-name": "刘小红", "members-0-relation": "child"}))
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    with app.app_context():
        worker = db.session.scalar(select(Worker))
        assert worker.household_size == 2  # the worker and the one member
        assert worker.per_capita_income == Decimal("750.00")  # (24000 − 6000) / 12 / 2


@pytest.mark.parametrize("size", ["0", "-2", "abc"])
def test_household_size_typed_must_be_a_whole_number_from_one(app, client, auth, size):
    auth.login("staff")
    response = client.post("/admin/worker/new/", data=form(auth.token(), household_size=size))
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(Worker)) is None


@pytest.mark.parametrize("args,category,hint", [
    ({"household_income": "24000", "essential_spending": "6000", "household_size": "3"},
     "deep", "建议：深度困难（家庭人均月收入 500.00 元）"),
    ({"household_income": "36000", "household_size": "", "members": "2"},   # 3 people
     "relative", "建议：相对困难（家庭人均月收入 1,000.00 元）"),
    ({"household_income": "120000", "household_size": "1"}, None,
     "建议：不属困难类别（家庭人均月收入 10,000.00 元）"),
    ({"household_income": "abc"}, None, ""),
    ({"household_income": "1e999999", "household_size": "2"}, None, ""),
    ({"household_income": "100", "household_size": "0"}, None, ""),
    ({"household_income": "100", "household_size": "1.5"}, None, ""),
    ({"members": "x"}, "deep", "建议：深度困难（家庭人均月收入 0.00 元）"),
])
def test_suggested_category_follows_the_figures_typed(client, auth, args, category, hint):
    auth.login("staff")
    response = client.get("/admin/worker/suggest/", query_string=args)
    assert response.status_code == 200
    assert response.get_json() == {"category": category, "hint": hint}


def test_form_asks_for_the_suggestion_and_edit_prefills_a_missing_category(app, client, auth):
    with app.app_context():
        low = make_worker(category=None, household_income=Decimal("12000"),
                          essential_spending=Decimal("0"), household_size=2)  # 500 a month
        pk = low.id
    auth.login("staff")
    page = client.get("/admin/worker/new/").get_data(as_text=True)
    assert 'data-suggest-url="/admin/worker/suggest/"' in page
    page = client.get(f"/admin/worker/edit/?id={pk}").get_data(as_text=True)
    assert re.search(r'<option selected value="deep">', page)


def test_main_cause_starts_blank_and_must_be_chosen(app, client, auth):
    auth.login("staff")
    page = client.get("/admin/worker/new/").get_data(as_text=True)
    select_ = re.search(r'<select[^>]*id="main_cause".*?</select>', page, re.S).group(0)
    assert re.search(r'<option selected value="__None">', select_)
    response = client.post("/admin/worker/new/", data=form(auth.token(), main_cause="__None"))
    assert "请选择一项。" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Worker)) is None


def test_worker_form_is_in_sections(client, auth):
    auth.login("staff")
    for url, extra in (("/admin/worker/new/", []), (None, ["档案状态"])):
        if url is None:
            with client.application.app_context():
                url = f"/admin/worker/edit/?id={make_worker().id}"
        page = client.get(url).get_data(as_text=True)
        headers = re.findall(r"<h3>(.*?)</h3>", page)
        assert headers == ["身份信息", "困难情况", "家庭收支", "住房与保障", "银行账户",
                           "家庭成员", *extra]
        # each field once, in its section
        order = [page.index(f'id="{name}"') for name in
                 ("id_number", "main_cause", "household_size", "housing_type", "bank_card_no")]
        assert order == sorted(order)
        assert page.count('id="status"') == (1 if extra else 0)


def test_donation_line_item_starts_blank_and_a_line_is_one_row(app, client, auth):
    with app.app_context():
        rice = make_item("大米 5kg").id
    auth.login("clerk")
    page = client.get("/admin/donation/new/").get_data(as_text=True)
    template = html.unescape(re.search(r'inline-field-template d-none">(.*?)</div>\s*<a id',
                                       page, re.S).group(1))
    assert re.search(r'<option selected value="__None">', template)
    row = re.search(r'<div class="form-row">(.*?)</div>\s*</div>\s*</div>', template, re.S)
    assert row and all(f'name="{name}"' in row.group(0)
                       for name in ("item", "quantity", "value", "lot_no", "expiry"))
    data = {"csrf_token": auth.token(), "donor_kind": "person", "donor_name": "张三",
            "received_on": "2026-11-20", "money_amount": "0",
            "lines-0-item": "__None", "lines-0-quantity": "3", "lines-0-value": "30"}
    response = client.post("/admin/donation/new/", data=data)
    assert response.status_code == 422 and "请选择一项。" in response.get_data(as_text=True)
    response = client.post("/admin/donation/new/", data={**data, "lines-0-item": rice})
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    with app.app_context():
        assert [line.item_id for line in db.session.scalar(select(Donation)).lines] == [rice]


def test_aid_form_marks_the_fields_of_each_kind_and_keeps_only_the_chosen_kinds(
        app, client, auth):
    with app.app_context():
        worker_id, fund_id = make_worker().id, make_fund().id
    auth.login("staff")
    page = client.get("/admin/assistance/new/").get_data(as_text=True)
    for name, kind in (("student_name", "education"), ("school", "education"),
                       ("school_level", "education"), ("out_of_pocket", "medical")):
        field = re.search(rf'<(input|select)[^>]*id="{name}"[^>]*>', page).group(0)
        assert f'data-show-when="kind={kind}"' in field
    assert "/static/forms.js" in page
    response = client.post("/admin/assistance/new/", data={
        "csrf_token": auth.token(), "worker": worker_id, "kind": "living", "year": "2026",
        "campaign": "春节", "reason": "困难", "cash_amount": "500", "goods_value": "0",
        "fund": fund_id, "student_name": "刘小红", "school": "实验中学",
        "school_level": "senior", "out_of_pocket": "3000"})
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    with app.app_context():
        record = db.session.scalar(select(Assistance))
        assert (record.student_name, record.school, record.school_level,
                record.out_of_pocket) == ("", "", None, Decimal("0"))
