"""Demo hand-outs (物资发放): winter clothing and bedding, and some food, handed out free at
the clothing corner to workers on file and to people the service desk served, over the
past two months; one voided as a wrong size. Made through ``models.handout_rules``."""
from __future__ import annotations

import random

from sqlalchemy import select

from models import Item, Person, Worker, db
from models.base import DomainError
from models.handout_rules import hand_out, void_handout
from seed.inventory import days_ago

NOTES = ("冬衣发放", "送温暖入户发放", "换季衣物", "")


def load(rnd: random.Random, users, workers: int = 30, people: int = 8) -> int:
    """Hand goods out to ``workers`` files and ``people`` desk persons; return how many."""
    clerk = users["clerk"]
    goods = list(db.session.scalars(select(Item).where(Item.on_hand > 0, Item.category.in_(
        ("bedding", "daily", "food"))).order_by(Item.id)))
    clothing = [i for i in goods if i.category == "bedding"] or goods
    if not goods:
        return 0
    files = list(db.session.scalars(select(Worker).where(Worker.status == "active")
                                    .order_by(Worker.id).limit(workers * 3)))
    desk = list(db.session.scalars(select(Person).order_by(Person.id).limit(people)))
    recipients = ([{"worker": w} for w in rnd.sample(files, min(workers, len(files)))]
                  + [{"person": p} for p in desk])
    made = []
    for n, recipient in enumerate(recipients):
        lines = {rnd.choice(clothing): rnd.randint(1, 2)}
        if rnd.random() < 0.4:
            lines[rnd.choice(goods)] = 1
        try:
            with days_ago(rnd.randint(0, 60), minutes=n % 400), db.session.begin_nested():
                made.append(hand_out(list(lines.items()), clerk, note=rnd.choice(NOTES),
                                     **recipient))
        except DomainError:  # that item ran out in the demo: nobody gets it
            continue
    if made:
        with days_ago(0):
            void_handout(made[0], clerk, "尺码不合适，退回重发")
    db.session.flush()
    return len(made)
