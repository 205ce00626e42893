"""The worker picker names the right person and finds every file (issue 13.1).

Namesakes differ by ID number (as the role sees it), employer and file status; a file
under review is found and refused on save with the reason beside the picker; a record
made from a worker's page starts with that worker.
"""
from __future__ import annotations

import html
import json
import re

import pytest
from sqlalchemy import func, select

from models import Assistance, Enrolment, Loan, LoveCard, db
from models.idnumber import mask_id_number
from tests.conftest import flashes
from tests.factories import make_fund, make_worker
from tests.factories_training import make_class

PICKERS = ("assistance", "loan", "enrolment", "lovecard", "familymember")


@pytest.fixture
def namesakes(app):
    """Two files of 王建华: one on record at the steel works, one just filed at the mill."""
    with app.app_context():
        old = make_worker(name="王建华", employer="济南钢厂", status="active")
        new = make_worker(name="王建华", employer="第二纺织厂", status="pending")
        make_worker(name="李四", employer="济南钢厂")
        return {"active": (old.id, old.id_number), "pending": (new.id, new.id_number)}


def lookup(client, endpoint: str, term: str) -> list:
    response = client.get(f"/admin/{endpoint}/ajax/lookup/",
                          query_string={"name": "worker", "query": term})
    assert response.status_code == 200
    return response.get_json()


@pytest.mark.parametrize("endpoint", ["assistance", "loan", "enrolment", "familymember"])
def test_picker_finds_pending_files_and_tells_namesakes_apart(client, auth, namesakes,
                                                              endpoint):
    auth.login("admin")
    found = lookup(client, endpoint, "王建华")
    active, pending = namesakes["active"], namesakes["pending"]
    assert [pk for pk, _label in found] == [active[0], pending[0]]  # on record first
    assert found[0][1] == f"王建华 · {mask_id_number(active[1])} · 济南钢厂 · 在档"
    assert found[1][1] == f"王建华 · {mask_id_number(pending[1])} · 第二纺织厂 · 待审核"


def test_picker_matches_each_word_and_the_employer(client, auth, namesakes):
    auth.login("staff")
    assert [pk for pk, _ in lookup(client, "assistance", "王建华 纺织")] == [
        namesakes["pending"][0]]
    # A part of the employer alone needs 3 characters (the trigram index; issue 14).
    on_record = {pk for pk, _ in lookup(client, "assistance", "南钢厂")}
    assert namesakes["active"][0] in on_record and len(on_record) == 2


def test_clerk_sees_the_id_number_masked_in_the_picker(client, auth, namesakes):
    number = namesakes["active"][1]
    auth.login("clerk")
    found = lookup(client, "lovecard", number[-4:])
    label = f"王建华 · {mask_id_number(number)} · 济南钢厂 · 在档"
    assert found == [[namesakes["active"][0], label]]
    assert lookup(client, "lovecard", number[:10]) == []  # no search by hidden digits
    auth.logout()
    auth.login("staff")
    assert [label for _pk, label in lookup(client, "familymember", number)] == [
        label]  # staff find the whole number, and see it masked in a picker too


def _post_aid(client, auth, worker_id, fund_id):
    return client.post("/admin/assistance/new/", data={
        "csrf_token": auth.token(), "worker": worker_id, "kind": "living", "year": "2026",
        "campaign": "2026年春节送温暖", "reason": "重病", "cash_amount": "500",
        "goods_value": "0", "out_of_pocket": "0", "fund": fund_id})


def test_aid_for_a_pending_file_is_refused_beside_the_picker(app, client, auth, namesakes):
    with app.app_context():
        fund_id = make_fund().id
    auth.login("staff")
    response = _post_aid(client, auth, namesakes["pending"][0], fund_id)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "王建华 的档案状态为“待审核”" in page and "请先审核通过该档案" in page
    # the reason stands beside the picker, and the picked worker stays picked
    assert re.search(rf'id="worker"[^>]*value="{namesakes["pending"][0]}"', page)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Assistance)) == 0
    response = _post_aid(client, auth, namesakes["active"][0], fund_id)
    assert response.status_code == 302, flashes(response.get_data(as_text=True))


def test_every_kind_of_record_explains_the_rule(app, client, auth, namesakes):
    with app.app_context():
        class_id = make_class(state="running").id
    pending = namesakes["pending"][0]
    auth.login("admin")
    token = auth.token()
    posts = {
        "loan": {"worker": pending, "amount": "5000", "purpose": "开小店",
                 "guarantor_name": "第二纺织厂", "term_months": "12", "interest_rate": "0"},
        "enrolment": {"worker": pending, "training_class": class_id},
        "lovecard": {"worker": pending},
    }
    for endpoint, data in posts.items():
        response = client.post(f"/admin/{endpoint}/new/", data={"csrf_token": token, **data})
        page = html.unescape(response.get_data(as_text=True))
        assert response.status_code == 422 and "档案须审核在档后" in page, endpoint
    with app.app_context():
        for model in (Loan, Enrolment, LoveCard):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0


@pytest.mark.parametrize("endpoint", ["assistance", "loan", "enrolment", "lovecard"])
def test_record_made_from_a_workers_page_starts_with_that_worker(client, auth, namesakes,
                                                                 endpoint):
    worker_id, number = namesakes["active"]
    auth.login("admin")
    page = client.get(f"/admin/{endpoint}/new/?worker_id={worker_id}").get_data(as_text=True)
    field = re.search(r'<input[^>]*id="worker"[^>]*>', page).group(0)
    assert f'value="{worker_id}"' in field
    shown = json.loads(html.unescape(re.search(r'data-json="([^"]*)"', field).group(1)))
    assert shown == [worker_id, f"王建华 · {mask_id_number(number)} · 济南钢厂 · 在档"]
    for bad in ("abc", "-1", "99999999999999999999999", "424242"):
        response = client.get(f"/admin/{endpoint}/new/?worker_id={bad}")
        assert response.status_code == 200
        assert 'value="' not in re.search(r'<input[^>]*id="worker"[^>]*>',
                                          response.get_data(as_text=True)).group(0)


@pytest.mark.parametrize("role,links", [
    # Visits and pairs (issue 18) are made from the worker's page too.
    ("staff", ["新增救助", "新增借款", "报名培训", "登记走访", "结对帮扶"]),
    ("admin", ["新增救助", "新增借款", "报名培训", "办理爱心卡", "登记走访", "结对帮扶"]),
    ("clerk", ["办理爱心卡"]),
    ("manager", []),
])
def test_workers_page_links_the_records_the_role_may_make(client, auth, namesakes, role,
                                                          links):
    worker_id = namesakes["active"][0]
    auth.login(role)
    page = client.get(f"/admin/worker/details/?id={worker_id}").get_data(as_text=True)
    found = re.findall(rf'href="/admin/(\w+)/new/\?worker_id={worker_id}[^"]*"[^>]*>([^<]+)</a>',
                       page)
    assert [text for _endpoint, text in found] == links
    if links:
        assert "档案须审核在档后" not in page
        pending = client.get(f"/admin/worker/details/?id={namesakes['pending'][0]}")
        assert "请先审核通过该档案" in pending.get_data(as_text=True)
