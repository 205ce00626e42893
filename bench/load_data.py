"""The data bench/load.py drives: its users, the files staff look up, the counter's cards
and goods (made once, topped up each run), and the check of the counter afterwards."""
from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

PASSWORD = "bench-load-pass-1"
STAFF, CLERK = "load-staff", "load-clerk"
GOODS, SCARCE = 30, 4            # goods with deep stock; goods clerks race for
SCARCE_STOCK, POOR_POINTS = 30, Decimal("30")
STOCK, POINTS = 100_000, Decimal("10000")


def server_url(url: str, schema: str) -> str:
    """Return ``url`` with the schema as the connections' search path (for the server)."""
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


def make_app(url: str, schema: str, seed: int | None):
    """Return the portal app on ``schema``; fill it first with ``portal seed`` if asked."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        conn.execute(text(f'SET search_path TO "{schema}"'))
        has = conn.scalar(text("SELECT to_regclass('worker') IS NOT NULL"))
        migrated = conn.scalar(text("SELECT to_regclass('alembic_version') IS NOT NULL"))
        files = conn.scalar(text("SELECT count(*) FROM (SELECT 1 FROM worker LIMIT 1) x")
                            ) if has else 0
    engine.dispose()
    env = {**os.environ, "DATABASE_URL": server_url(url, schema)}
    portal = str(Path(sys.executable).with_name("portal"))
    if migrated:  # bench/lists.py's schema is made by create_all: nothing to upgrade
        upgraded = subprocess.run([portal, "init-db"], env=env, stdout=subprocess.DEVNULL)
        if upgraded.returncode:
            print(f"warning: `portal init-db` failed on schema {schema}; measuring it as it is")
    if not files and not seed:
        sys.exit(f"schema {schema} holds no workers: run bench/lists.py, or pass --seed N")
    from portal import create_app
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "SQLALCHEMY_ENGINE_OPTIONS": {
                          "connect_args": {"options": f"-csearch_path={schema}"}}})
    if not files and seed:
        from models import db
        from portal.database import ensure_settings
        with app.app_context():  # the tables as the tests make them, then the demo data
            db.create_all()
            ensure_settings()
            db.session.commit()
        subprocess.run([portal, "seed", "--workers", str(seed)], env=env, check=True)
    return app


def _user(username: str, role: str):
    from models import User, db
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username, full_name=username, role=role)
        user.set_password(PASSWORD)
        db.session.add(user)
    return user


def _points_fund(clerk):
    """Return the fund the bench cards' points are paid from, holding plenty (issue 18)."""
    from models import Fund, db
    from models.ledger import post_entry
    fund = db.session.scalar(select(Fund).where(Fund.name == "压测积分资金"))
    if fund is None:
        fund = Fund(name="压测积分资金", source="donation")
        db.session.add(fund)
        db.session.flush()
    if fund.balance < Decimal("100000000"):
        post_entry(fund.id, "allocation_in", Decimal("100000000"), clerk, reason="压测")
    return fund


def _last_top_up():
    from models import CardTopUp, db
    return db.session.scalar(select(CardTopUp).order_by(CardTopUp.id.desc()).limit(1))


def prepare(app, mode: str, clients: int) -> dict:
    """Make the bench users (and the counter's goods and cards); return what clients use."""
    from models import Worker, db
    with app.app_context():
        db.session.info["audit"] = False  # bench data is not anybody's work
        _user(STAFF, "staff")
        clerk = _user(CLERK, "clerk")
        db.session.flush()
        low, high = db.session.execute(select(func.min(Worker.id), func.max(Worker.id))).one()
        plan = {"workers": db.session.scalar(select(func.count()).select_from(Worker))}
        if mode == "browse":
            plan.update(_browse_plan(app, low, high))
        else:
            plan.update(_counter_plan(clerk, max(200, 20 * clients)))
        db.session.commit()
        return plan


def _browse_plan(app, low: int, high: int) -> dict:
    """Return 500 files to look up and the worker list's filters with values to try."""
    import random

    from flask_admin.contrib.sqla.filters import FilterEqual

    from models import Worker, db
    from views.workers import ReviewOverdueFilter
    ids = random.Random(14).sample(range(low, high + 1), min(2000, high - low + 1))
    files = [{"id": w.id, "id_number": w.id_number, "name": w.name, "phone": w.phone or "",
              "initials": w.initials or "", "employer": w.employer or ""}
             for w in db.session.scalars(select(Worker).where(Worker.id.in_(ids)).limit(500))]
    unions = sorted({w.base_union for w in db.session.scalars(
        select(Worker).where(Worker.id.in_(ids[:200])))} - {None, ""})
    view = next(v for v in app.extensions["admin"][0]._views if v.endpoint == "worker")
    wanted = {"category": ["deep", "relative"], "status": ["active"], "base_union": unions}
    filters = []
    for index, flt in enumerate(view._filters):
        key = getattr(getattr(flt, "column", None), "key", None)
        if type(flt) is FilterEqual and key in wanted and wanted[key]:
            filters.append((key, view.get_filter_arg(index, flt), wanted.pop(key)))
        elif isinstance(flt, ReviewOverdueFilter):
            filters.append(("review overdue", view.get_filter_arg(index, flt), ["1"]))
    return {"files": files, "filters": filters}


def _counter_plan(clerk, count: int) -> dict:
    """Stock the bench goods and load the bench cards with points; return both."""
    from models import Item, LoveCard, Worker, db
    from models.card_topup_rules import approve_top_up
    from models.inventory_rules import stock_in
    from models.lovecard_rules import issue_card, top_up
    items = []
    for n in range(GOODS + SCARCE):
        name = f"压测商品{n + 1:02d}" if n < GOODS else f"压测紧俏{n - GOODS + 1:02d}"
        item = db.session.scalar(select(Item).where(Item.name == name))
        if item is None:
            item = Item(name=name, unit="个", points_price=Decimal(1 + n % 20), low_stock=0)
            db.session.add(item)
            db.session.flush()
        want = STOCK if n < GOODS else SCARCE_STOCK
        if item.on_hand < want:
            stock_in(item, want - item.on_hand, "purchase_in", clerk, document="压测补货")
        items.append({"id": item.id, "price": item.points_price, "scarce": n >= GOODS})
    cards = list(db.session.scalars(select(LoveCard).where(
        LoveCard.status == "active", LoveCard.notes == "压测").order_by(LoveCard.id)))
    if len(cards) < count:
        holders = db.session.scalars(select(Worker).where(
            Worker.status == "active", ~Worker.id.in_(
                select(LoveCard.worker_id).where(LoveCard.status == "active")))
            .order_by(Worker.id).limit(count - len(cards)))
        cards += [issue_card(worker, clerk, notes="压测") for worker in holders]
    fund, manager = _points_fund(clerk), _user("load-manager", "manager")
    db.session.flush()  # the users' ids: the approver is compared with the requester
    for n, card in enumerate(cards):
        want = POOR_POINTS if n % 20 == 0 else POINTS  # every 20th card runs out of points
        if card.balance < want and top_up(card, want - card.balance, clerk, "压测积分",
                                          fund) is None:
            approve_top_up(_last_top_up(), manager)  # above the approval setting
    return {"items": [i for i in items if not i["scarce"]],
            "scarce": [i for i in items if i["scarce"]],
            "cards": [{"id": c.id, "card_no": c.card_no, "poor": n % 20 == 0}
                      for n, c in enumerate(cards)]}


def snapshot(app) -> dict:
    """Return the newest ids and the bench goods' stock before a counter run."""
    from models import AuditLog, Item, Redemption, db
    with app.app_context():
        return {"redemption": db.session.scalar(select(func.max(Redemption.id))) or 0,
                "audit": db.session.scalar(select(func.max(AuditLog.id))) or 0,
                "stock": dict(db.session.execute(select(Item.id, Item.on_hand).where(
                    Item.name.like("压测%"))).all())}


def check_counter(app, before: dict, made: list) -> bool:
    """Print and return whether the run left every ledger and cache in agreement."""
    from models import AuditLog, Item, LoveCard, Redemption, RedemptionLine, StockLot, db
    from models.inventory import StockMovement
    from models.inventory_rules import stock_differences
    from models.lovecard import CardEntry
    from models.lovecard_rules import card_differences
    tokens = {t for t in made if t}
    with app.app_context():
        new = db.session.scalars(select(Redemption).where(
            Redemption.id > before["redemption"]).order_by(Redemption.id)).all()
        ids = [r.id for r in new]
        numbers = sorted(int(r.number.rsplit("-", 1)[1]) for r in new)
        entries = dict(db.session.execute(select(CardEntry.redemption_id, func.sum(
            CardEntry.points)).where(CardEntry.redemption_id.in_(ids), CardEntry.kind ==
                                     "redemption").group_by(CardEntry.redemption_id)).all())
        moved = dict(db.session.execute(select(StockMovement.item_id, func.sum(
            StockMovement.quantity)).where(StockMovement.redemption_id.in_(ids),
                                           StockMovement.reason == "redemption_out")
            .group_by(StockMovement.item_id)).all())
        lined = dict(db.session.execute(select(RedemptionLine.item_id, func.sum(
            RedemptionLine.quantity)).where(RedemptionLine.redemption_id.in_(ids))
            .group_by(RedemptionLine.item_id)).all())
        audited = db.session.scalar(select(func.count()).where(
            AuditLog.id > before["audit"], AuditLog.record_type == "redemption",
            AuditLog.action == "create"))
        after = dict(db.session.execute(select(Item.id, Item.on_hand).where(
            Item.id.in_(before["stock"]))).all())
        lows = [db.session.scalar(select(func.min(column))) for column in (
            Item.on_hand, StockLot.on_hand, LoveCard.balance)]
        checks = {
            f"{len(tokens)} redemptions answered = {len(new)} recorded, same tokens":
                len(new) == len(tokens) and {r.token for r in new} == tokens,
            "their numbers run without gaps or repeats":
                numbers == list(range(numbers[0], numbers[0] + len(numbers))) if numbers
                else True,
            "each took its points in one card entry":
                all(entries.get(r.id) == -r.points for r in new),
            "stock movements = redemption lines, per item":
                {i: -q for i, q in moved.items()} == lined,
            "bench goods' stock fell by exactly the units redeemed":
                all(before["stock"][i] - after[i] == lined.get(i, 0) for i in after),
            f"an audit row for each redemption ({audited})": audited == len(new),
            "no stock, lot or card below zero": all(v is None or v >= 0 for v in lows),
            "every stock and lot = its ledger": not stock_differences(),
            "every card balance = its ledger": not card_differences(),
        }
    refused = sum(1 for t in made if t is None)
    print(f"counter check ({refused} redemptions refused for want of points or stock):")
    for label, ok in checks.items():
        print(f"  {label:56} {'ok' if ok else 'FAILED'}")
    return all(checks.values())
