"""A redemption's number comes last: one statement takes it and writes what carries it
(PostgreSQL), the rows and audit trail are those the ORM would write, races stay sound."""
from __future__ import annotations

import json
import threading
from decimal import Decimal

from sqlalchemy import event, func, select

from models import AuditLog, CardEntry, LoveCard, Redemption, StockMovement, db
from models.base import today
from models.inventory_rules import stock_differences
from models.lovecard_rules import card_differences
from models.redemption_rules import redeem, void_redemption
from portal import audit
from tests.conftest import Auth, postgres_only
from tests.factories import user
from tests.factories_inventory import make_card, make_item


def redeem_listened(card, item, engine, **listeners) -> None:
    """Redeem 2 of ``item`` with ``card`` and commit, with ``listeners`` (engine event name:
    function) listening meanwhile."""
    for name, listener in listeners.items():
        event.listen(engine, name, listener)
    try:
        redeem(card, [(item.id, 2)], user("clerk"), audit=audit)
        db.session.commit()
    finally:
        for name, listener in listeners.items():
            event.remove(engine, name, listener)


def test_rows_and_audit_trail_carry_the_number(ctx):
    """The redemption, its card entry and movements carry the number; each new row has
    its audit row, worded as the audit hook words them, the number in it."""
    rice, oil = make_item(stock=5, price="25.00"), make_item(stock=3, price="80.00")
    card = make_card("200.00")
    before = db.session.scalar(select(func.max(AuditLog.id)))
    done = redeem(card, [(oil.id, 1), (rice.id, 2)], user("clerk"), token="a" * 32,
                  audit=audit)
    db.session.commit()
    number = f"DH-{today().year}-000001"
    assert (done.number, done.token, done.state, done.version) == (number, "a" * 32, "done", 1)
    assert done.unit_id == card.unit_id and done.worker_id == card.worker_id
    entry = db.session.scalar(select(CardEntry).where(CardEntry.redemption_id == done.id))
    moves = db.session.scalars(select(StockMovement).where(
        StockMovement.redemption_id == done.id).order_by(StockMovement.item_id)).all()
    assert [entry.document] + [m.document for m in moves] == [number] * 3
    assert [(m.item_id, m.quantity) for m in moves] == sorted([(rice.id, -2), (oil.id, -1)])
    rows = {(a.record_type, a.record_id): json.loads(a.changes) if isinstance(a.changes, str)
            else a.changes for a in db.session.scalars(select(AuditLog).where(
                AuditLog.id > (before or 0), AuditLog.action == "create"))}
    lines = done.lines
    assert set(rows) == {("redemption", str(done.id)), ("cardentry", str(entry.id)),
                         *[("redemptionline", str(line.id)) for line in lines],
                         *[("stockmovement", str(m.id)) for m in moves]}
    made = rows[("redemption", str(done.id))]
    assert made["number"] == [None, number] and made["points"] == [None, "130.00"]
    assert made["state"] == [None, "done"] and "token" not in made
    assert rows[("cardentry", str(entry.id))]["document"] == [None, number]
    assert rows[("redemptionline", str(lines[0].id))]["redemption_id"] == [None, done.id]
    assert all(rows[("stockmovement", str(m.id))]["document"] == [None, number] for m in moves)
    # The records read back as the ORM wrote them, and void as any other.
    void_redemption(done, user("clerk"), "顾客退货")
    db.session.commit()
    assert (rice.on_hand, oil.on_hand, card.balance) == (5, 3, Decimal("200.00"))
    assert stock_differences() == [] and card_differences() == []


def test_a_refused_redemption_takes_no_number(ctx):
    """The second item is short: nothing is written and the next one gets 000001."""
    rice, oil = make_item(stock=5), make_item(stock=1)
    card = make_card("200.00")
    try:
        redeem(card, [(rice.id, 1), (oil.id, 2)], user("clerk"), audit=audit)
    except Exception:  # noqa: BLE001 — the refusal itself is test_redemption's
        db.session.rollback()
    done = redeem(card, [(rice.id, 1)], user("clerk"), audit=audit)
    db.session.commit()
    assert done.number == f"DH-{today().year}-000001"


@postgres_only
def test_the_number_is_the_last_statement_before_commit(ctx):
    """Between taking the number and COMMIT nothing else reaches the database."""
    item = make_item(stock=5)
    card = make_card("100.00")
    said = []
    engine = db.session.get_bind()

    def sent(conn, cursor, statement, *args):
        said.append(statement)

    def committed(conn):
        said.append("COMMIT")

    redeem_listened(card, item, engine, before_cursor_execute=sent, commit=committed)
    numbered = [n for n, s in enumerate(said) if "doc_counter" in s]
    assert len(numbered) == 1 and said[numbered[0] + 1:] == ["COMMIT"], said
    assert "INSERT INTO redemption " in said[numbered[0]]


def _race(app, posts):
    """Post each ``(card id, [(item id, quantity)])`` to the counter at the same moment."""
    clients = []
    for card_id, goods in posts:
        client = app.test_client()
        auth = Auth(client)
        auth.login("clerk")
        clients.append((client, auth.token("/admin/counter/"), card_id, goods))
    barrier, codes = threading.Barrier(len(clients)), []

    def post(client, token, card_id, goods):
        barrier.wait()
        response = client.post("/admin/counter/redeem/", data={
            "csrf_token": token, "card_id": card_id, "item_id": [i for i, _q in goods],
            "quantity": [q for _i, q in goods]})
        codes.append(response.status_code)

    threads = [threading.Thread(target=post, args=c) for c in clients]
    [t.start() for t in threads]
    [t.join(60) for t in threads]
    return codes


@postgres_only
def test_clerks_racing_for_two_items_get_consecutive_numbers(app):
    """12 clerks take the same two scarce items, named in either order, at once: no
    deadlock, exactly the stock there is goes out, and the numbers run without a gap."""
    with app.app_context():
        kettle, fan = make_item("电水壶", stock=7).id, make_item("电风扇", stock=9).id
        cards = [make_card("100.00").id for _ in range(12)]
    posts = [(c, [(kettle, 1), (fan, 1)] if n % 2 else [(fan, 1), (kettle, 1)])
             for n, c in enumerate(cards)]
    codes = _race(app, posts)
    assert sorted(codes) == [200] * 5 + [302] * 7, codes
    with app.app_context():
        numbers = sorted(int(n.rsplit("-", 1)[1]) for n in db.session.scalars(
            select(Redemption.number)))
        assert numbers == list(range(1, 8))
        on_hand = dict(db.session.execute(select(StockMovement.item_id, func.sum(
            StockMovement.quantity)).group_by(StockMovement.item_id)).all())
        assert (on_hand[kettle], on_hand[fan]) == (0, 2)
        assert stock_differences() == [] and card_differences() == []
        spent = db.session.scalar(select(func.count()).where(LoveCard.balance < 100))
        assert spent == 7


def test_goods_taken_from_two_lots_are_written_with_the_number(ctx):
    """One line takes the rest of one lot and part of the next: two movements (more than
    the ids drawn beforehand), both carrying the number, stock and ledger agree."""
    from models.inventory_rules import stock_in

    soap = make_item("肥皂", stock=2, lot_no="A1")
    stock_in(soap, 5, "purchase_in", user("clerk"), lot_no="B2", document="CG-B2")
    db.session.commit()
    done = redeem(make_card("100.00"), [(soap.id, 4)], user("clerk"), audit=audit)
    db.session.commit()
    moves = db.session.scalars(select(StockMovement).where(
        StockMovement.redemption_id == done.id).order_by(StockMovement.id)).all()
    assert sorted(m.quantity for m in moves) == [-2, -2]
    assert {m.document for m in moves} == {done.number} and len({m.lot_id for m in moves}) == 2
    assert soap.on_hand == 3 and stock_differences() == [] and card_differences() == []
    audited = db.session.scalars(select(AuditLog.record_id).where(
        AuditLog.record_type == "stockmovement", AuditLog.action == "create",
        AuditLog.record_id.in_([str(m.id) for m in moves]))).all()
    assert len(audited) == 2


def _counter_post(client, csrf, card_id, goods):
    return client.post("/admin/counter/redeem/", data={
        "csrf_token": csrf, "card_id": card_id, "item_id": [i for i, _q in goods],
        "quantity": [q for _i, q in goods]})


@postgres_only
def test_the_counter_post_sends_few_statements_and_one_numbered_text(app, client, auth):
    """A redemption's POST sends at most 9 statements and 1 a line: the signed-in user,
    the card with its holder, the goods, the ids with the token's check, the savepoint,
    the card's points, each item with its first lot (one statement), the savepoint's
    release, the numbered write (and the user again, for the request log). The numbered
    write's text is the same for one line as for three, with a few parameters: the driver
    keeps it parsed and the server prepared."""
    with app.app_context():
        items = [make_item(stock=20).id for _ in range(3)]
        card = make_card("500.00").id
        engine = db.engine
    auth.login("clerk")
    csrf, said = auth.token("/admin/counter/"), []

    def sent(conn, cursor, statement, parameters, context, executemany):
        said.append((statement, parameters))

    numbered = []
    event.listen(engine, "before_cursor_execute", sent)
    try:
        for lines in ([(items[0], 1)], [(i, 2) for i in items]):
            said.clear()
            assert _counter_post(client, csrf, card, lines).status_code == 302
            assert len(said) <= 9 + len(lines), [s for s, _p in said]
            numbered += [(s, p) for s, p in said if "doc_counter" in s]
    finally:
        event.remove(engine, "before_cursor_execute", sent)
    (one, one_params), (three, three_params) = numbered
    assert one == three and len(three_params) <= 12


@postgres_only
def test_the_redemption_and_its_lines_are_worded_before_the_first_row_lock(ctx, monkeypatch):
    """Inside the row locks (the card's, then the items') only what needs them is worked
    out: the redemption's and its lines' rows and audit wording come before."""
    item = make_item(stock=5)
    card = make_card("100.00")
    events, engine, wording = [], db.session.get_bind(), audit.diff

    def sent(conn, cursor, statement, *args):
        events.append(statement.split(" ", 2)[:2])

    def worded(obj, kind):
        events.append(["diff", type(obj).__name__])
        return wording(obj, kind)

    monkeypatch.setattr(audit, "diff", worded)
    redeem_listened(card, item, engine, before_cursor_execute=sent)
    first_lock = events.index(["UPDATE", "love_card"])
    assert ["diff", "Redemption"] in events[:first_lock]
    assert ["diff", "RedemptionLine"] in events[:first_lock]
    assert ["diff", "CardEntry"] in events[first_lock:]
