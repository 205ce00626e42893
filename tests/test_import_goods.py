"""Importing goods on offer and purchase lines from Excel: preview, rules, round trips."""
from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy import func, select

from models import AuditLog, Item, StockLot, StockMovement, db
from models.base import DomainError
from models.inventory_rules import post_manual, reverse_movement, stock_differences
from models.redemption_rules import void_redemption
from portal.excel import item_import, stock_import
from tests.factories import user
from tests.factories_inventory import make_card, make_donation, make_item, make_redemption

SPECS = {"item": item_import.spec, "stockmovement": stock_import.spec}


def book(app, endpoint: str, rows: list[dict]) -> bytes:
    """Return an .xlsx with the import headers users see (Chinese) and ``rows`` by spec key."""
    with app.test_request_context():
        columns = [c for c in SPECS[endpoint]().columns if not c.export_only]
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append([c.header for c in columns])
        for row in rows:
            sheet.append([row.get(c.key) for c in columns])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def message(app, text: str, **values) -> str:
    """Return a message as the page shows it, in whatever the catalogue holds now."""
    with app.test_request_context():
        return str(escape(_(text, **values)))


def upload(client, auth, endpoint: str, data: bytes) -> str:
    return client.post(f"/admin/{endpoint}/import/", data={
        "csrf_token": auth.token(), "file": (io.BytesIO(data), "goods.xlsx")},
        content_type="multipart/form-data").get_data(as_text=True)


def confirm(client, auth, endpoint: str, page: str):
    token = re.search(r'name="token" value="([0-9a-f]+)"', page).group(1)
    return client.post(f"/admin/{endpoint}/import/confirm/",
                       data={"csrf_token": auth.token(), "token": token})


def summary(created: int, updated: int, unchanged: int) -> str:
    return f"新建：{created}，更新：{updated}，不变：{unchanged}"


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def audit_rows() -> int:
    return count(AuditLog, AuditLog.action.in_(("create", "update", "delete")))


def item_row(name: str, **overrides) -> dict:
    row = {"name": name, "category": "粮油", "unit": "袋", "points_price": "45.00",
           "low_stock": 5, "active": "是"}
    return row | overrides


def line(item: str, quantity: int, document: str = "CG-2026-001", **overrides) -> dict:
    return {"item": item, "reason": "采购入库", "quantity": quantity, "lot_no": "L1",
            "expiry": dt.date(2027, 6, 30), "document": document} | overrides


# --- goods on offer --------------------------------------------------------------------

def test_items_preview_then_confirm_creates_them(app, client, auth):
    """The preview writes nothing; confirming creates the items, audited as the clerk."""
    data = book(app, "item", [item_row("大米 5kg", barcode="6901234567892"),
                              item_row("花生油 5L", unit="桶", active="否", notes="鲁花")])
    auth.login("clerk")
    page = upload(client, auth, "item", data)
    assert summary(2, 0, 0) in page
    with app.app_context():
        assert count(Item) == 0
    assert confirm(client, auth, "item", page).status_code == 302
    with app.app_context():
        rice = db.session.scalar(select(Item).where(Item.name == "大米 5kg"))
        oil = db.session.scalar(select(Item).where(Item.name == "花生油 5L"))
        assert (rice.category, rice.unit, rice.barcode, rice.points_price, rice.low_stock,
                rice.active, rice.on_hand) == ("grain_oil", "袋", "6901234567892",
                                               Decimal("45.00"), 5, True, 0)
        assert oil.active is False and oil.notes == "鲁花" and oil.barcode is None
        created = db.session.scalars(select(AuditLog).where(
            AuditLog.action == "create", AuditLog.record_type == "item")).all()
        assert {a.username for a in created} == {"clerk"} and len(created) == 2


def test_items_upsert_by_name_changes_only_given_fields(app, client, auth):
    """A row naming an existing item updates the fields that differ; empty cells keep."""
    with app.app_context():
        make_item("食用盐 400g", category="food", unit="袋", price="3.00", barcode="690001",
                  notes="常备")
        make_item("肥皂", category="daily", unit="块", price="2.00")
    data = book(app, "item", [
        {"name": "食用盐 400g", "unit": "袋", "points_price": "4.50", "barcode": "690001",
         "notes": "常备"},
        item_row("洗衣粉 1kg", category="日用品")])
    auth.login("clerk")
    page = upload(client, auth, "item", data)
    assert summary(1, 1, 0) in page
    confirm(client, auth, "item", page)
    with app.app_context():
        salt = db.session.scalar(select(Item).where(Item.name == "食用盐 400g"))
        assert (salt.points_price, salt.category, salt.low_stock) == (Decimal("4.50"),
                                                                      "food", 3)
        change = db.session.scalar(select(AuditLog).where(
            AuditLog.action == "update", AuditLog.record_type == "item"))
        assert change.changes == {"points_price": ["3.00", "4.50"]}
        assert count(Item) == 3


def test_barcode_held_by_another_item_is_refused_with_its_name(app, client, auth):
    """A barcode may stand on one item only, in the database or earlier in the file."""
    with app.app_context():
        make_item("大米 10kg", barcode="6900000000011")
    data = book(app, "item", [item_row("大米 5kg", barcode="6900000000011"),
                              item_row("面粉 5kg", barcode="6900000000022"),
                              item_row("挂面", barcode="6900000000022")])
    auth.login("clerk")
    page = upload(client, auth, "item", data)
    assert message(app, "Barcode %(barcode)s is already used by %(name)s.",
                   barcode="6900000000011", name="大米 10kg") in page
    assert message(app, "Barcode %(barcode)s is already used by %(name)s.",
                   barcode="6900000000022", name="面粉 5kg") in page
    assert re.search(r"<td>2</td><td>条码</td>", page) and 'name="token"' not in page
    with app.app_context():
        assert count(Item) == 1


def test_one_bad_item_among_many_writes_nothing(app, client, auth):
    """Every error is listed by row and column, and no item is written."""
    rows = [item_row(f"物品{i}", barcode=f"69{i:011d}") for i in range(60)]
    rows[41]["low_stock"] = -1
    rows[50]["unit"] = "特大号加厚编织袋装"  # nine characters: PostgreSQL would refuse it
    auth.login("clerk")
    page = upload(client, auth, "item", book(app, "item", rows))
    assert re.search(r"<td>43</td><td>低库存预警线</td><td>不能为负数", page)
    assert re.search(r"<td>52</td><td>单位</td><td>" + re.escape(message(
        app, "At most %(n)d characters.", n=8)), page)
    assert 'name="token"' not in page
    rows[17]["points_price"] = "-5"
    rows[30]["name"] = None
    page = upload(client, auth, "item", book(app, "item", rows))
    assert re.search(r"<td>19</td><td>兑换积分</td><td>不能为负数", page)
    assert re.search(r"<td>32</td><td>物品名称</td><td>必填", page)
    assert 'name="token"' not in page
    with app.app_context():
        assert count(Item) == 0


def test_items_round_trip_is_unchanged(app, client, auth):
    """The exported list imports back with nothing created, updated or audited."""
    with app.app_context():
        make_item("大米 5kg", stock=12, notes="东北大米")
        make_item("毛巾", category="daily", unit="条", barcode=None, active=False)
        make_item("书包", category="school", unit="个", price="0.00", low_stock=0)
    auth.login("admin")
    exported = client.get("/admin/item/export/xlsx/").data
    auth.logout()
    auth.login("clerk")
    with app.app_context():
        before = audit_rows()
    page = upload(client, auth, "item", exported)
    assert summary(0, 0, 3) in page
    confirm(client, auth, "item", page)
    with app.app_context():
        assert audit_rows() == before and count(Item) == 3


# --- purchase lines into the stock ledger ---------------------------------------------

def test_purchase_lines_preview_then_confirm_post_stock(app, client, auth):
    """Confirmed lines post purchases into their lots; the caches agree with the ledger."""
    with app.app_context():
        make_item("大米 5kg", stock=5, barcode="6901234567892")
        make_item("花生油 5L", unit="桶")
    data = book(app, "stockmovement", [
        line("大米 5kg", 20), line("6901234567892", 10, lot_no="L2", expiry=None),
        line("花生油 5L", 8, reason=None, note="鲁花直供")])
    auth.login("clerk")
    page = upload(client, auth, "stockmovement", data)
    assert summary(3, 0, 0) in page
    with app.app_context():
        assert count(StockMovement) == 1
    assert confirm(client, auth, "stockmovement", page).status_code == 302
    with app.app_context():
        rice = db.session.scalar(select(Item).where(Item.name == "大米 5kg"))
        oil = db.session.scalar(select(Item).where(Item.name == "花生油 5L"))
        assert rice.on_hand == 35 and oil.on_hand == 8
        lots = {(lot.lot_no, lot.expiry): lot.on_hand for lot in rice.lots}
        assert lots[("L1", dt.date(2027, 6, 30))] == 20 and lots[("L2", None)] == 10
        posted = db.session.scalar(select(StockMovement).where(
            StockMovement.item_id == oil.id))
        assert (posted.reason, posted.quantity, posted.document, posted.note,
                posted.stock_after, posted.user.username) == (
            "purchase_in", 8, "CG-2026-001", "鲁花直供", 8, "clerk")
        assert stock_differences() == []


def test_uploading_the_same_purchase_again_changes_nothing(app, client, auth):
    """Re-uploading a delivery list never doubles the stock."""
    with app.app_context():
        make_item("大米 5kg")
    data = book(app, "stockmovement", [line("大米 5kg", 20), line("大米 5kg", 6, lot_no="L2")])
    auth.login("clerk")
    confirm(client, auth, "stockmovement", upload(client, auth, "stockmovement", data))
    page = upload(client, auth, "stockmovement", data)
    assert summary(0, 0, 2) in page
    confirm(client, auth, "stockmovement", page)
    with app.app_context():
        assert db.session.scalar(select(Item.on_hand)) == 26
        assert count(StockMovement) == 2 and stock_differences() == []


def test_changed_quantity_is_refused_until_the_line_is_reversed(app, client, auth):
    """A posted line is never edited: reverse it first, then the new quantity posts."""
    with app.app_context():
        make_item("大米 5kg")
    auth.login("clerk")
    confirm(client, auth, "stockmovement",
            upload(client, auth, "stockmovement", book(app, "stockmovement",
                                                       [line("大米 5kg", 20)])))
    changed = book(app, "stockmovement", [line("大米 5kg", 25)])
    page = upload(client, auth, "stockmovement", changed)
    assert re.search(r"<td>2</td><td>数量</td>", page) and 'name="token"' not in page
    assert message(app, "Document %(document)s already has %(n)d %(unit)s of %(name)s posted "
                        "in this lot. The stock ledger is never changed: reverse that "
                        "movement in the stock ledger first, then import again.",
                   document="CG-2026-001", n=20, unit="袋", name="大米 5kg") in page
    with app.app_context():
        movement = db.session.scalar(select(StockMovement))
        reverse_movement(movement, user("clerk"), "数量录错")
        db.session.commit()
    page = upload(client, auth, "stockmovement", changed)
    assert summary(1, 0, 0) in page
    confirm(client, auth, "stockmovement", page)
    # The old list again matches the reversed line: it is not posted a second time.
    page = upload(client, auth, "stockmovement", book(app, "stockmovement",
                                                      [line("大米 5kg", 20)]))
    assert summary(0, 0, 1) in page
    with app.app_context():
        assert db.session.scalar(select(Item.on_hand)) == 25 and stock_differences() == []


@pytest.mark.parametrize("case", ["unknown", "no_document", "not_purchase", "twice", "zero",
                                  "long"])
def test_bad_purchase_rows_are_refused_by_row_and_column(app, client, auth, case):
    """Each refusal names its row and column; nothing is posted."""
    with app.app_context():
        make_item("大米 5kg", stock=3)
    rows = [line("大米 5kg", 4, document=f"CG-{i}") for i in range(30)]
    bad, column = {
        "unknown": (line("小米 2kg", 5), "物品"),
        "no_document": (line("大米 5kg", 5, document=None), "凭证号"),
        "not_purchase": (line("大米 5kg", 1, reason="发放出库", note="慰问"), "出入库类型"),
        "twice": (line("大米 5kg", 7, document="CG-3"), "凭证号"),
        "zero": (line("大米 5kg", 0, document="CG-X"), "数量"),
        "long": (line("大米 5kg", 2, document="CG-X", lot_no="L" * 33), "批号"),
    }[case]
    rows.insert(12, bad)
    auth.login("clerk")
    page = upload(client, auth, "stockmovement", book(app, "stockmovement", rows))
    assert re.search(rf"<td>14</td><td>{column}</td>", page), page[-3000:]
    assert 'name="token"' not in page
    if case == "unknown":
        assert message(app, "No item is named %(value)s or has it as barcode; add the item "
                            "under Goods on offer first.", value="小米 2kg") in page
    if case == "not_purchase":
        assert message(app, "No such movement in the stock ledger. Only purchase lines can "
                            "be imported; other movements are entered on their own "
                            "pages.") in page
    if case == "no_document":
        assert message(app, "A purchase needs the supplier's invoice or delivery note "
                            "no.") in page
    if case == "twice":
        assert message(app, "Same purchase line (document no., item and lot) as row "
                            "%(row)d.", row=5) in page
    with app.app_context():
        assert count(StockMovement) == 1 and db.session.scalar(select(Item.on_hand)) == 3


def test_whole_ledger_round_trip_is_unchanged(app, client, auth):
    """Every kind of movement, reversals too, imports back as already in the ledger."""
    with app.app_context():
        rice = make_item("大米 5kg", stock=30, lot_no="L1", expiry=dt.date(2027, 1, 1))
        oil = make_item("花生油 5L", unit="桶", barcode=None)
        make_donation([(oil, 12, "600")])
        card = make_card("500")
        make_redemption(card, rice, 2)
        void_redemption(make_redemption(card, rice, 1), user("clerk"), "顾客退回")
        for _n in range(2):  # two identical hand-outs: both rows are in the ledger
            post_manual(rice, "handout_out", 1, user("clerk"), note="送温暖")
        wrong = post_manual(oil, "purchase_in", 5, user("clerk"), "B7", None, "CG-9")[0]
        db.session.flush()
        reverse_movement(wrong, user("clerk"), "录错")
        post_manual(oil, "loss_out", 1, user("clerk"), note="破损")
        db.session.commit()
        movements, stock = count(StockMovement), {i.name: i.on_hand for i in
                                                  db.session.scalars(select(Item))}
    auth.login("admin")
    exported = client.get("/admin/stockmovement/export/xlsx/").data
    sheet = openpyxl.load_workbook(io.BytesIO(exported)).worksheets[0]
    assert sheet.max_row - 1 == movements
    auth.logout()
    auth.login("clerk")
    page = upload(client, auth, "stockmovement", exported)
    assert summary(0, 0, movements) in page, page[-3000:]
    confirm(client, auth, "stockmovement", page)
    with app.app_context():
        assert count(StockMovement) == movements and stock_differences() == []
        assert {i.name: i.on_hand for i in db.session.scalars(select(Item))} == stock
        assert db.session.scalar(select(func.sum(StockLot.on_hand))) == sum(stock.values())


def test_a_line_posted_meanwhile_by_another_import_is_refused(ctx):
    """Posting takes the item's row lock, then looks again: a line posted meanwhile wins."""
    item = make_item("大米 5kg")
    importer = stock_import.StockInImporter()
    row = {"_row": 2, **line("大米 5kg", 20), "reason": "purchase_in"}
    importer.prepare([row], None)
    post_manual(item, "purchase_in", 20, user("clerk"), "L1", dt.date(2027, 6, 30),
                "CG-2026-001")  # as a concurrent import would have, after our look-up
    db.session.commit()
    with pytest.raises(DomainError):
        importer.apply(row, user("clerk"))
    db.session.rollback()
    assert count(StockMovement) == 1


# --- access and templates -------------------------------------------------------------

@pytest.mark.parametrize("endpoint", ["item", "stockmovement"])
@pytest.mark.parametrize("role", ["staff", "manager"])
def test_roles_without_create_cannot_import(client, auth, endpoint, role):
    """Import needs C: staff and managers get 403 on every import page."""
    auth.login(role)
    token = auth.token()
    assert client.get(f"/admin/{endpoint}/import/").status_code == 403
    assert client.get(f"/admin/{endpoint}/import/template/").status_code == 403
    assert client.post(f"/admin/{endpoint}/import/confirm/",
                       data={"csrf_token": token, "token": "x"}).status_code == 403


@pytest.mark.parametrize("endpoint,headers", [
    ("item", ["物品名称*", "品类", "单位*", "条码", "兑换积分", "低库存预警线", "在售", "说明"]),
    ("stockmovement", ["物品*", "出入库类型", "数量*", "批号", "有效期至", "凭证号", "事由"]),
])
def test_template_downloads_with_headers(app, client, auth, endpoint, headers):
    """The clerk's template has the import headers (required ones starred) and an example."""
    auth.login("clerk")
    assert client.get(f"/admin/{endpoint}/import/").status_code == 200
    response = client.get(f"/admin/{endpoint}/import/template/")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
    with app.test_request_context():
        expected = [c.header + ("*" if c.required else "")
                    for c in SPECS[endpoint]().columns if not c.export_only]
    assert [c.value for c in sheet[1]] == expected
    assert expected == headers
    assert sheet.cell(row=2, column=1).value
