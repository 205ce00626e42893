"""The counter screen over HTTP: finding people and goods, redeeming, refusing, voiding."""
from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from models import LoveCard, Redemption, db
from models.lovecard_rules import replace_lost_card
from tests.conftest import flashes
from tests.factories import user
from tests.factories_inventory import make_card, make_holder, make_item


@pytest.fixture
def shop(app):
    """Two card holders and two items; return their ids and numbers."""
    with app.app_context():
        ouyang = make_card("200.00", name="欧阳秀英")
        make_card("50.00", name="张建国")
        make_holder(name="欧阳无卡")  # on file, but no card: not found at the counter
        rice = make_item("大米 5kg", stock=10, price="25.00", barcode="6901234000011")
        oil = make_item("花生油 5L", stock=3, price="80.00", barcode="6901234000028")
        return {"card": ouyang.id, "card_no": ouyang.card_no,
                "id_tail": ouyang.worker.id_number[-6:], "rice": rice.id, "oil": oil.id}


def find(client, q):
    return client.get(f"/admin/counter/find/?q={q}").get_json()


@pytest.mark.parametrize("query", ["card_no", "digits", "oyx", "OYXY", "欧阳", "id_tail"])
def test_find_the_holder_every_way(client, auth, shop, query):
    auth.login("clerk")
    q = {"card_no": shop["card_no"], "digits": shop["card_no"][2:],
         "id_tail": shop["id_tail"]}.get(query, query)
    found = find(client, q)
    assert [h["name"] for h in found] == ["欧阳秀英"]
    holder = found[0]
    assert holder["balance"] == "200.00" and holder["problem"] == ""
    assert re.fullmatch(r"\d{3}\*{11}[\dX]{4}", holder["id_number"])  # masked, no photo


def test_a_lost_card_is_found_by_its_number_with_the_reason_it_cannot_be_used(app, client,
                                                                              auth, shop):
    with app.app_context():
        new = replace_lost_card(db.session.get(LoveCard, shop["card"]), user("clerk"), "丢失")
        db.session.commit()
        new_no = new.card_no
    auth.login("clerk")
    [old] = find(client, shop["card_no"])
    assert "已挂失" in old["problem"]
    assert [h["card_no"] for h in find(client, "oyxy")] == [new_no]


def test_find_goods_by_barcode_initials_or_name(client, auth, shop):
    auth.login("clerk")
    assert [i["name"] for i in client.get("/admin/counter/items/?q=6901234000028").get_json()] \
        == ["花生油 5L"]
    assert [i["name"] for i in client.get("/admin/counter/items/?q=dm").get_json()] == [
        "大米 5kg"]
    [oil] = client.get("/admin/counter/items/?q=花生").get_json()
    assert (oil["price"], oil["usable"], oil["unit"]) == ("80.00", 3, "袋")


def test_redeem_shows_the_new_balance(client, auth, shop):
    auth.login("clerk")
    page = client.get("/admin/counter/").get_data(as_text=True)
    token = re.search(r'name="token" value="([0-9a-f]+)"', page).group(1)
    response = client.post("/admin/counter/redeem/", data={
        "csrf_token": auth.token(), "token": token, "card_id": shop["card"],
        "item_id": [shop["rice"], shop["oil"]], "quantity": [2, 1], "expected_total": "130.00"})
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "兑换成功" in flashes(page) and "余额 70.00 积分" in flashes(page)
    assert re.search(r'id="done-balance">70.00<', page)
    again = client.post("/admin/counter/redeem/", data={
        "csrf_token": auth.token(), "token": token, "card_id": shop["card"],
        "item_id": [shop["rice"]], "quantity": [2]})
    assert "已经记录" in flashes(again.get_data(as_text=True))  # a double submit redeems once


def test_a_refusal_keeps_the_holder_and_the_goods_on_screen(app, client, auth, shop):
    auth.login("clerk")
    response = client.post("/admin/counter/redeem/", data={
        "csrf_token": auth.token(), "card_id": shop["card"], "item_id": [shop["oil"]],
        "quantity": [4]})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "余额 200.00 积分，不足 320.00 积分" in flashes(page)
    state = json.loads(re.search(r'id="counter-state" type="application/json">(.*?)</script>',
                                 page, re.S).group(1))
    assert state["holder"]["name"] == "欧阳秀英"
    assert [(line["name"], line["qty"]) for line in state["cart"]] == [("花生油 5L", 4)]
    bad = client.post("/admin/counter/redeem/", data={
        "csrf_token": auth.token(), "card_id": shop["card"], "item_id": [shop["oil"]],
        "quantity": ["两"]})
    assert "数量必须是大于零的整数" in flashes(bad.get_data(as_text=True))
    with app.app_context():
        assert db.session.query(Redemption).count() == 0
        assert db.session.get(LoveCard, shop["card"]).balance == Decimal("200.00")


@pytest.mark.parametrize("role,url,method,status", [
    ("staff", "/admin/counter/", "get", 403),
    ("manager", "/admin/counter/", "get", 403),
    ("staff", "/admin/counter/find/?q=oyx", "get", 403),
    ("manager", "/admin/redemption/redeem/", "post", 403),
    ("manager", "/admin/redemption/", "get", 200),
    ("clerk", "/admin/redemption/new/", "get", 200),
])
def test_the_counter_checks_the_role(client, auth, shop, role, url, method, status):
    auth.login(role)
    if method == "get":
        assert client.get(url).status_code == status
    else:
        assert client.post(url, data={"csrf_token": auth.token(), "card_id": shop["card"],
                                      "item_id": shop["rice"], "quantity": 1}).status_code \
            == status


def test_clerk_voids_on_the_redemption_page(app, client, auth, shop):
    auth.login("clerk")
    client.post("/admin/counter/redeem/", data={
        "csrf_token": auth.token(), "card_id": shop["card"], "item_id": shop["rice"],
        "quantity": 3})
    with app.app_context():
        pk = db.session.query(Redemption.id).scalar()
    assert 'id="void-form"' in client.get(f"/admin/redemption/void/?id={pk}").get_data(
        as_text=True)
    page = client.post(f"/admin/redemption/void/?id={pk}", data={
        "csrf_token": auth.token(), "reason": "职工当场退回"}, follow_redirects=True)
    assert "已作废" in flashes(page.get_data(as_text=True))
    with app.app_context():
        assert db.session.get(Redemption, pk).state == "voided"
        assert db.session.get(LoveCard, shop["card"]).balance == Decimal("200.00")
    auth.logout()
    auth.login("staff")
    assert client.get(f"/admin/redemption/void/?id={pk}").status_code == 403


def test_pinyin_initials_match_inside_a_name(app, client, auth, shop):
    """纯牛奶 is found by "nn" (牛奶), not only by its first letters; those come first."""
    with app.app_context():
        make_item("纯牛奶 250ml", stock=5)
        make_item("牛奶饼干", stock=5)
    auth.login("clerk")
    names = [i["name"] for i in client.get("/admin/counter/items/?q=nn").get_json()]
    assert names == ["牛奶饼干", "纯牛奶 250ml"]


def test_the_counter_page_works_out_its_list_links_once_per_role(client, auth, shop,
                                                                 monkeypatch):
    """The clerk's list links (low stock, expired, ...) shown after every redemption are
    worked out once per role, not on every counter page; the page still shows them."""
    import views.stock_lists as stock_lists
    made, real = [], stock_lists.filtered_url
    monkeypatch.setattr(stock_lists, "filtered_url",
                        lambda *args: made.append(args[1]) or real(*args))
    auth.login("clerk")
    pages = [client.get("/admin/counter/").get_data(as_text=True) for _ in range(3)]
    assert len(made) <= 4
    assert all(page.count('btn btn-sm btn-outline-secondary mr-1" href="/admin/') == 4
               for page in pages), pages[0]


def test_a_goods_search_that_finds_nothing_asks_for_no_stock(app, client, auth, shop):
    """No goods found, no stock to sum: the answer is an empty list without that query."""
    from sqlalchemy import event
    auth.login("clerk")
    with app.app_context():
        engine = db.engine
    said = []

    def sent(conn, cursor, statement, *args):
        said.append(statement)

    event.listen(engine, "before_cursor_execute", sent)
    try:
        assert client.get("/admin/counter/items/?q=没有这种货").get_json() == []
    finally:
        event.remove(engine, "before_cursor_execute", sent)
    assert said and not [s for s in said if "stock_lot" in s]
