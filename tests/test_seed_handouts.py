"""The demo seed hands goods out: clothing to workers on file and to desk persons."""
from __future__ import annotations

from sqlalchemy import func, select

from models import Handout, HandoutLine, Item, db
from models.inventory_rules import stock_differences


def test_demo_hand_outs(app, demo):
    with app.app_context():
        handouts = db.session.scalars(select(Handout)).all()
        assert len(handouts) >= 10
        assert any(h.worker_id for h in handouts) and any(h.person_id for h in handouts)
        assert [h.state for h in handouts].count("voided") == 1
        clothing = db.session.scalar(select(func.sum(HandoutLine.quantity))
                                     .join(Item, Item.id == HandoutLine.item_id)
                                     .where(Item.category == "bedding"))
        assert clothing > 0
        assert stock_differences() == []
