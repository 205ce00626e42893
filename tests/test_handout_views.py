"""The clothing corner's screen and the hand-out list: find, scan, confirm, refuse, void."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import Handout, Item, db
from tests.conftest import flashes
from tests.factories import make_worker
from tests.factories_desk import make_person
from tests.factories_inventory import make_item


@pytest.fixture
def corner(app):
    with app.app_context():
        coat = make_item("棉衣 XL", stock=3, category="bedding", unit="件",
                         barcode="6901234567890")
        worker = make_worker(name="王秀兰")
        person = make_person(name="刘春生", phone="13700001111")
        return {"coat": coat.id, "worker": worker.id, "person": person.id}


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Handout))


def test_find_scan_and_confirm(app, client, auth, corner):
    auth.login("clerk")
    page = client.get("/admin/handout/new/?q=王秀").get_data(as_text=True)
    assert f"worker={corner['worker']}" in page and "*" in page  # ID masked
    page = client.get("/admin/handout/new/?q=1111").get_data(as_text=True)
    assert f"person={corner['person']}" in page
    # A scanned barcode goes straight into the cart.
    page = client.get(f"/admin/handout/new/?worker={corner['worker']}&iq=6901234567890"
                      ).get_data(as_text=True)
    assert "棉衣 XL" in page and 'name="item_id"' in page
    response = client.post("/admin/handout/give/", data={
        "csrf_token": auth.token(), "worker": corner["worker"], "item_id": [corner["coat"]],
        "quantity": ["2"], "note": "冬衣"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        handout = db.session.scalar(select(Handout))
        assert (handout.worker_id, handout.note) == (corner["worker"], "冬衣")
        assert db.session.get(Item, corner["coat"]).on_hand == 1
        assert handout.number in page


def test_a_shortage_is_refused_in_chinese_and_the_cart_kept(app, client, auth, corner):
    auth.login("clerk")
    response = client.post("/admin/handout/give/", data={
        "csrf_token": auth.token(), "person": corner["person"], "item_id": [corner["coat"]],
        "quantity": ["4"]})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "棉衣 XL" in flashes(page) and "库存" in flashes(page)
    assert 'value="4"' in page
    with app.app_context():
        assert count() == 0 and db.session.get(Item, corner["coat"]).on_hand == 3


@pytest.mark.parametrize("data", [{"quantity": ["x"]}, {"quantity": ["0"]}, {"worker": ""}])
def test_bad_input_answers_422(app, client, auth, corner, data):
    auth.login("clerk")
    form = {"csrf_token": auth.token(), "worker": corner["worker"],
            "item_id": [corner["coat"]], "quantity": ["1"], **data}
    response = client.post("/admin/handout/give/", data=form)
    assert response.status_code == 422
    with app.app_context():
        assert count() == 0


def test_staff_read_but_do_not_hand_out(client, auth, corner):
    auth.login("staff")
    assert client.get("/admin/handout/").status_code == 200
    assert client.get("/admin/handout/new/").status_code == 403
    response = client.post("/admin/handout/give/", data={
        "csrf_token": auth.token(), "worker": corner["worker"], "item_id": [corner["coat"]],
        "quantity": ["1"]})
    assert response.status_code == 403


def test_void_needs_a_reason_and_puts_goods_back(app, client, auth, corner):
    auth.login("clerk")
    client.post("/admin/handout/give/", data={
        "csrf_token": auth.token(), "worker": corner["worker"], "item_id": [corner["coat"]],
        "quantity": ["3"]})
    with app.app_context():
        handout_id = db.session.scalar(select(Handout.id))
    url = f"/admin/handout/void/?id={handout_id}"
    assert client.get(url).status_code == 200
    refused = client.post(url, data={"csrf_token": auth.token(), "reason": " "})
    assert refused.status_code == 422 and "原因" in flashes(refused.get_data(as_text=True))
    assert client.post(url, data={"csrf_token": auth.token(), "reason": "发错尺码"}
                       ).status_code == 302
    with app.app_context():
        assert db.session.get(Handout, handout_id).state == "voided"
        assert db.session.get(Item, corner["coat"]).on_hand == 3
    # The list and the details page show it.
    assert "作废" in client.get(f"/admin/handout/details/?id={handout_id}").get_data(
        as_text=True)
