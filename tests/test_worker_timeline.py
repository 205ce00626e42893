"""The household's file (一户一档): its timeline by year, who sees what, the 档案卡."""
from __future__ import annotations

import contextlib
import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from models import Worker, db
from models import worker_timeline as timeline
from models.base import freeze_now, freeze_today
from models.idnumber import mask_id_number
from models.loan_rules import record_repayment
from models.lovecard_rules import top_up
from models.permissions import PERMISSIONS
from models.worker_episode import WorkerEpisode
from models.worker_rules import activate
from models.worker_timeline import READERS, household_file
from tests.conftest import Auth
from tests.factories import id_number, make_assistance, make_worker, user
from tests.factories_inventory import card_fund, make_card, make_item, make_redemption
from tests.factories_loans import disbursed_loan
from tests.factories_notices import make_objection, make_published
from tests.factories_reviews import filed_worker, make_review
from tests.factories_training import make_class, make_enrolment
from tests.units import make_tree

NOW = dt.datetime(2026, 6, 15, 2, 0)  # UTC: 10:00 on 2026-06-15 at the centre
MEMBER = "李秀英"


@pytest.fixture
def frozen():
    """Hold the clock at NOW (records made now are dated 2026-06-15)."""
    freeze_now(NOW)
    freeze_today(NOW.date())
    yield
    freeze_now(None)
    freeze_today(None)


def household(copies: int = 1, **overrides):
    """Build a household with every kind of record; aid, repayments and top-ups ``copies``
    times each. Return the worker and the records by name."""
    values = dict(name="周户主", filed_on=dt.date(2024, 3, 1))
    worker = filed_worker(members=[{"name": MEMBER, "id_number": id_number()}],
                          **{**values, **overrides})
    activate(worker, user("admin"))  # on record: its episode, dated as the file below
    db.session.flush()
    db.session.scalar(select(WorkerEpisode).where(
        WorkerEpisode.worker_id == worker.id)).opened_on = dt.date(2024, 3, 1)
    review = make_review("approved", worker=worker)
    review.approved_at = dt.datetime(2025, 12, 20, 2, 0)
    made = {"worker": worker, "aid": [], "repayments": [], "review": review}
    for n in range(copies):
        made["aid"].append(make_assistance(
            worker=worker, state="paid", cash_amount=Decimal("800.00"),
            goods_value=Decimal("200.00"), campaign=f"2025年第{n + 1}批", year=2025,
            applied_at=dt.datetime(2025, 1, 20), paid_at=dt.datetime(2025, 2, 1, 3, 0)))
    made["rejected"] = make_assistance(
        worker=worker, state="rejected", cash_amount=Decimal("300.00"), kind="medical",
        applied_at=dt.datetime(2025, 5, 1), rejected_at=dt.datetime(2025, 5, 3, 1, 0))
    loan = made["loan"] = disbursed_loan(amount="7000.00", worker=worker,
                                         issued_on=dt.date(2026, 1, 15))
    for n in range(copies):
        made["repayments"].append(record_repayment(
            loan, user("staff"), Decimal("50.00"), paid_on=dt.date(2026, 2, 1 + n % 28)))
    made["enrolment"] = make_enrolment(make_class(state="running"), worker=worker,
                                       enrolled_on=dt.date(2025, 9, 1))
    card = made["card"] = make_card("300", worker=worker)
    for _n in range(copies - 1):
        top_up(card, Decimal("10"), user("clerk"), "爱心积分发放", card_fund())
    made["redemption"] = make_redemption(card, make_item(stock=5, price="25.00"), 2)
    listed = made["listed"] = make_assistance(
        worker=worker, kind="education", campaign="2026年金秋助学", state="approved",
        cash_amount=Decimal("2000.00"), student_name="周小雨", school="济南第一中学",
        school_level="senior", approved_by_id=user("manager").id)
    made["notice"] = make_published(records=[listed])
    made["objection"] = make_objection(made["notice"])
    db.session.commit()
    return made


def _by_kind(file, year):
    found = next(y for y in file.years if y.year == year)
    return {t.kind: (t.count, t.amount) for t in found.totals}, found.entries


def test_timeline_holds_every_kind_by_year_with_totals(ctx, frozen):
    made = household()
    file = household_file(made["worker"], "staff")
    assert [y.year for y in file.years] == [2026, 2025, 2024]
    totals, rows = _by_kind(file, 2026)
    assert totals == {"aid": (1, Decimal("0.00")), "loan": (1, Decimal("7000.00")),
                      "repayment": (1, Decimal("50.00")), "card": (1, None),
                      "points": (1, Decimal("300.00")), "redemption": (1, Decimal("50.00")),
                      "notice": (1, None), "objection": (1, None)}
    assert [r.on for r in rows] == sorted((r.on for r in rows), reverse=True)
    found = {(r.kind, r.endpoint, r.record_id): r for r in rows}
    loan = found["loan", "loan", made["loan"].id]
    assert (loan.on, loan.amount) == (dt.date(2026, 1, 15), Decimal("7000.00"))
    repayment = found["repayment", "repayment", made["repayments"][0].id]
    assert (repayment.on, repayment.amount) == (dt.date(2026, 2, 1), Decimal("50.00"))
    redemption = found["redemption", "redemption", made["redemption"].id]
    assert (redemption.on, redemption.amount, redemption.state) == (
        NOW.date(), Decimal("50.00"), "已兑换")
    notice = found["notice", "notice", made["notice"].id]
    assert notice.title == made["notice"].title and notice.on == NOW.date()
    assert ("objection", "objection", made["objection"].id) in found
    assert ("card", "lovecard", made["card"].id) in found
    assert found["aid", "assistance", made["listed"].id].state == "已审批"

    totals, rows = _by_kind(file, 2025)
    assert totals == {"file": (1, None), "aid": (2, Decimal("1000.00")), "training": (1, None)}
    aid = {r.record_id: r for r in rows if r.kind == "aid"}
    paid = aid[made["aid"][0].id]
    assert (paid.on, paid.amount, paid.counted) == (dt.date(2025, 2, 1), Decimal("1000.00"),
                                                    True)
    rejected = aid[made["rejected"].id]
    assert (rejected.on, rejected.amount, rejected.counted) == (
        dt.date(2025, 5, 3), Decimal("300.00"), False)
    assert any(r.kind == "training" and r.endpoint == "enrolment"
               and r.record_id == made["enrolment"].id for r in rows)
    totals, rows = _by_kind(file, 2024)
    assert [(r.on, r.title, r.endpoint) for r in rows] == [
        (dt.date(2024, 3, 1), "建档在档", "workerepisode")]


def test_the_page_links_what_the_role_may_open(app, client, auth, frozen, monkeypatch):
    with app.app_context():
        made = household()
        pk, aid, objection = made["worker"].id, made["aid"][0].id, made["objection"].id
        records = {"assistance": aid, "objection": objection, "loan": made["loan"].id,
                   "repayment": made["repayments"][0].id, "enrolment": made["enrolment"].id,
                   "lovecard": made["card"].id, "cardentry": made["card"].entries[0].id,
                   "redemption": made["redemption"].id, "notice": made["notice"].id}
    auth.login("staff")
    page = client.get(f"/admin/worker/details/?id={pk}").get_data(as_text=True)
    for endpoint, record in records.items():  # each kind links to a page that opens
        link = f"/admin/{endpoint}/details/?id={record}"
        assert f'href="{link}"' in page, endpoint
        assert client.get(link).status_code == 200, link
    assert "2025年" in page and "1,000.00" in page and "2025-02-01" in page
    assert 'href="/admin/worker/card/?id=' in page and "打印档案卡" in page
    # Without R on objections the row stays, its link goes.
    monkeypatch.setitem(PERMISSIONS["objection"], "staff", "")
    page = client.get(f"/admin/worker/details/?id={pk}").get_data(as_text=True)
    assert "/admin/objection/details/" not in page and "的异议" in page
    assert client.get(f"/admin/objection/details/?id={objection}").status_code == 403


@contextlib.contextmanager
def counted_statements():
    """Count the SQL statements run inside the block (``counter[0]``)."""
    counter = [0]

    def count(*_args):
        counter[0] += 1
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield counter
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_statements_do_not_grow_with_the_records(app, client, auth, frozen):
    """3 and 60 varying records (aid, repayments, top-ups): the same statements."""
    with app.app_context():
        small, big = household(1)["worker"].id, household(20, name="吴大户")["worker"].id
    auth.login("staff")
    counts = {}
    with app.app_context():
        for pk in (small, big):
            client.get(f"/admin/worker/details/?id={pk}")  # anything cached per process
            with counted_statements() as counter:
                page = client.get(f"/admin/worker/details/?id={pk}")
            assert page.status_code == 200
            counts[pk] = counter[0]
    assert counts[small] == counts[big]
    page = client.get(f"/admin/worker/details/?id={big}").get_data(as_text=True)
    assert page.count('class="timeline-entry"') > 60
    with app.test_request_context():
        worker = db.session.get(Worker, big)
        with counted_statements() as counter:
            household_file(worker, "staff")
    # Episodes, reviews, one statement asking which kinds have rows, then one per kind
    # found: fewer than one per record type.
    assert counter[0] < len(READERS) + 2


def test_only_the_kinds_a_household_has_are_read(app, monkeypatch, frozen):
    """The kinds without rows are skipped, and what is read is what reading every kind
    gives: a household of every kind and one with nothing but its file."""
    with app.app_context():
        full = household(2, name="吴大户")["worker"].id
        bare = make_worker(name="郑单一").id
        db.session.commit()
    for pk in (full, bare):
        with app.test_request_context():
            worker = db.session.get(Worker, pk)
            household_file(worker, "staff")  # what a request looks up once (the units)
            with counted_statements() as probed_count:
                probed = household_file(worker, "staff")
            with monkeypatch.context() as patch, counted_statements() as all_count:
                patch.setattr(timeline, "_readers_with_rows", lambda readers, *_a: readers)
                everything = household_file(worker, "staff")
        assert probed == everything
        if pk == bare:  # one statement asks every kind, none is read
            assert [e.kind for y in probed.years for e in y.entries] == ["file"]
            assert probed_count[0] == all_count[0] - len(READERS) + 1
        else:
            assert probed_count[0] <= all_count[0] + 1
            assert len({e.kind for y in probed.years for e in y.entries}) >= 8


def test_clerk_sees_the_yearly_figures_only(app, client, auth, frozen):
    with app.app_context():
        made = household()
        pk, number, member = made["worker"].id, made["worker"].id_number, \
            made["worker"].members[0].id_number
    auth.login("clerk")
    page = client.get(f"/admin/worker/details/?id={pk}").get_data(as_text=True)
    timeline = page[page.index('id="household-timeline"'):]
    assert "2026年" in timeline and "7,000.00" in timeline and "timeline-totals" in timeline
    assert 'class="timeline-entry"' not in timeline and "<a " not in timeline
    for secret in (MEMBER, number, member, mask_id_number(member), "/admin/assistance/",
                   "/admin/loan/", "/admin/objection/", "/admin/worker/card/", "打印档案卡",
                   "金秋助学"):
        assert secret not in page, secret
    assert mask_id_number(number) in page  # the lookup's masked number, as before
    assert client.get(f"/admin/worker/card/?id={pk}").status_code == 403
    with app.test_request_context():
        file = household_file(db.session.get(Worker, pk), "clerk")
    assert file.summary_only and all(not y.entries for y in file.years)


@pytest.mark.parametrize("role,status", [("staff", 200), ("admin", 200), ("manager", 200),
                                         ("clerk", 403)])
def test_the_card_prints_for_roles_that_read_the_file_whole(app, client, auth, frozen, role,
                                                            status):
    with app.app_context():
        made = household(2)
        pk, number = made["worker"].id, made["worker"].id_number
    auth.login(role)
    response = client.get(f"/admin/worker/card/?id={pk}")
    assert response.status_code == status
    if status != 200:
        return
    page = response.get_data(as_text=True)
    assert "困难职工档案卡" in page and number in page and MEMBER in page
    aid = page[page.index('id="file-card-aid"'):]
    assert aid.count("2025-02-01") == 2 and "2025-05-03" in aid and "已驳回" in aid
    assert re.search(r'id="file-card-total">2,000.00<', aid)
    card = page[page.index('id="file-card"'):]  # styled by the static sheet, no inline style
    assert "worker_file.css" in page and "<style" not in card and " style=" not in card


def test_a_station_sees_only_its_own_records(app, client, auth, frozen):
    """A station user's page of its own household leaves out another unit's records."""
    with app.app_context():
        tree = make_tree()
        worker = make_worker(name="站内户", unit_id=tree.a)
        mine = make_assistance(worker=worker, campaign="本站救助")
        theirs = make_assistance(worker=worker, campaign="西乡代办")
        theirs.unit_id = tree.b
        county_class = make_class(name="县中心电焊班", state="running", unit_id=tree.county)
        make_enrolment(county_class, worker=worker)
        db.session.commit()
        pk, mine_id, theirs_id = worker.id, mine.id, theirs.id
    auth.login("staff", username="a_staff")
    page = client.get(f"/admin/worker/details/?id={pk}").get_data(as_text=True)
    assert f"/admin/assistance/details/?id={mine_id}" in page and "本站救助" in page
    assert f"/admin/assistance/details/?id={theirs_id}" not in page
    assert "西乡代办" not in page and "县中心电焊班" not in page
    county = app.test_client()  # the county sees both
    Auth(county).login("staff", username="c_staff")
    page = county.get(f"/admin/worker/details/?id={pk}").get_data(as_text=True)
    assert "西乡代办" in page and "县中心电焊班" in page


def test_desk_and_legal_cases_of_linked_people(app, client, auth, frozen):
    """Cases of the people linked to the file are in its timeline; the clerk gets none."""
    from tests.factories_desk import make_case, make_legal_case, make_person
    with app.app_context():
        worker = make_worker(name="钱户主")
        person = make_person(worker_id=worker.id)
        desk = make_case(person=person, summary="工地欠薪求助")
        legal = make_legal_case("closed", person=person, service_case=desk)
        make_case(summary="别人的求助")  # a person without this file
        db.session.commit()
        pk, desk_id, legal_id = worker.id, desk.id, legal.id
        file = household_file(db.session.get(Worker, pk), "staff")
        rows = [e for y in file.years for e in y.entries]
        assert {(e.kind, e.record_id) for e in rows if e.kind != "file"} == {
            ("desk", desk_id), ("legal", legal_id)}
        clerk = household_file(db.session.get(Worker, pk), "clerk")
        assert not {t.kind for y in clerk.years for t in y.totals} & {"desk", "legal"}
    auth.login("staff")
    page = client.get(f"/admin/worker/details/?id={pk}").get_data(as_text=True)
    assert f"/admin/servicecase/details/?id={desk_id}" in page and "工地欠薪求助" in page
    assert f"/admin/legalcase/details/?id={legal_id}" in page and "别人的求助" not in page
