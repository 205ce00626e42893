"""The year-end figures of goods handed out, against a count made apart, and on the page."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import select

from models import Handout, db
from models.base import today
from models.handout_rules import hand_out, void_handout
from models.report_handouts import handout_figures
from tests.factories import make_worker, user
from tests.factories_desk import make_person
from tests.factories_inventory import make_item


def independent_count(year: int) -> dict:
    """Count in Python, record by record, what the SQL aggregates should give."""
    pieces, people, everyone, total, standing = defaultdict(int), defaultdict(set), set(), 0, 0
    for handout in db.session.scalars(select(Handout)):
        local = handout.handed_out_at + dt.timedelta(hours=8)
        if handout.state != "done" or local.year != year:
            continue
        standing += 1
        who = ("w", handout.worker_id) if handout.worker_id else ("p", handout.person_id)
        everyone.add(who)
        for line in handout.lines:
            pieces[line.item.category] += line.quantity
            people[line.item.category].add(who)
            total += line.quantity
    return {"handouts": standing, "pieces": total, "people": len(everyone),
            "by_category": {c: (pieces[c], len(people[c])) for c in pieces}}


def test_figures_match_an_independent_count(ctx):
    coat = make_item("棉衣", stock=50, category="bedding", unit="件")
    shoes = make_item("棉鞋", stock=50, category="bedding", unit="双")
    rice = make_item("大米", stock=50, category="grain_oil")
    a, b = make_worker(name="甲"), make_worker(name="乙")
    c = make_person(name="丙")
    clerk = user("clerk")
    hand_out([(coat, 2), (shoes, 1)], clerk, worker=a)
    hand_out([(coat, 1)], clerk, worker=a)                    # same person again
    hand_out([(coat, 3), (rice, 2)], clerk, worker=b)
    hand_out([(rice, 1)], clerk, person=c)
    voided = hand_out([(coat, 7)], clerk, person=c)
    void_handout(voided, clerk, "登记错误")                   # not counted
    last_year = hand_out([(shoes, 4)], clerk, worker=b)
    # A hand-out at 23:30 on 31 Dec (China) last year: UTC still that year, counted there.
    year = today().year
    last_year.handed_out_at = dt.datetime(year - 1, 12, 31, 15, 30)
    # 00:30 on 1 Jan this year China time is 16:30 UTC the day before: counted this year.
    early = hand_out([(shoes, 5)], clerk, person=c)
    early.handed_out_at = dt.datetime(year - 1, 12, 31, 16, 30)
    db.session.commit()

    figures = handout_figures(year)
    expected = independent_count(year)
    assert {k: figures[k] for k in expected} == expected
    assert figures["by_category"]["bedding"] == (2 + 1 + 1 + 3 + 5, 3)  # 发放衣物 12 件, 3 people
    assert (figures["workers"], figures["persons"], figures["packages"]) == (2, 1, 0)
    assert handout_figures(year - 1)["pieces"] == 4


def test_the_report_page_shows_the_section(app, client, auth):
    with app.app_context():
        coat = make_item("棉衣", stock=50, category="bedding", unit="件")
        hand_out([(coat, 14)], user("clerk"), worker=make_worker())
        db.session.commit()
    auth.login("manager")
    page = client.get(f"/admin/report/?year={today().year}").get_data(as_text=True)
    assert "物资发放" in page and "发放件数" in page and "14" in page
