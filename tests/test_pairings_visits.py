"""Pairing (结对帮扶) and visits (走访慰问), issue 18: the rules, the database behind them,
the follow-up links, the start page's figures against their lists, roles and the report."""
from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from models import db
from models.base import DomainError, freeze_today, today
from models.pairing import Pairing
from models.pairing_rules import GUARDS, end_pairing, make_pairing
from models.person import Person
from models.report import year_figures
from models.service_case import ServiceCase
from models.visit import Visit
from models.worker import Worker
from models.worker_timeline import entries
from tests.conftest import flashes
from tests.factories import make_worker, user
from tests.factories_visits import make_pair, make_visit
from tests.test_dashboard import figures, list_rows, start_page


@pytest.fixture(autouse=True)
def unfrozen():
    yield
    freeze_today(None)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# --- one live pair per worker ----------------------------------------------------------------
def test_one_live_pair_per_worker_by_rule_and_by_index(app):
    with app.app_context():
        pair = make_pair()
        worker = pair.worker
        with pytest.raises(DomainError, match="结对"):
            make_pairing(Pairing(worker=worker, kind="unit", partner_unit="城投集团工会",
                                 starts_on=today()), user("staff"))
        db.session.rollback()
        # Past the rule (a second writer, a bulk insert): the partial unique index refuses.
        db.session.add(Pairing(worker_id=worker.id, kind="unit", partner_unit="城投集团工会",
                               starts_on=today(), unit_id=worker.unit_id))
        with pytest.raises(IntegrityError, match="pairing"):
            db.session.flush()
        db.session.rollback()
        # An ended pair is history: a new live pair may follow it.
        end_pairing(pair, user("staff"), today(), "干部调离")
        db.session.commit()
        second = make_pair(worker=worker, kind="unit", cadre_name="", partner_unit="城投集团工会")
        assert count(Pairing, Pairing.worker_id == worker.id) == 2
        assert count(Pairing, Pairing.worker_id == worker.id, Pairing.ended_on.is_(None)) == 1
        assert second.ended_on is None


def test_a_pair_is_for_a_file_on_record_and_names_its_partner(app):
    with app.app_context():
        pending = make_worker(status="pending")
        with pytest.raises(DomainError, match="在档|on record|建档|档"):
            make_pair(worker=pending)
        db.session.rollback()
        with pytest.raises(DomainError):
            make_pair(cadre_name="")
        db.session.rollback()
        with pytest.raises(DomainError):
            make_pair(until=today() - dt.timedelta(days=365))
        db.session.rollback()
        assert count(Pairing) == 0


def test_ending_a_pair_needs_a_reason_and_a_sensible_day(app):
    with app.app_context():
        pair = make_pair(starts_on=today() - dt.timedelta(days=10))
        staff = user("staff")
        for day, reason in ((today(), ""), (today() - dt.timedelta(days=11), "调离"),
                            (today() + dt.timedelta(days=1), "调离")):
            with pytest.raises(DomainError):
                end_pairing(pair, staff, day, reason)
        end_pairing(pair, staff, today().isoformat(), "干部调离")
        db.session.commit()
        assert (pair.ended_on, pair.end_reason, pair.ended_by_id) == (today(), "干部调离",
                                                                      staff.id)
        assert GUARDS.edit(pair) is not None  # history is not edited
        with pytest.raises(DomainError):
            end_pairing(pair, staff, today(), "again")


# --- visits: dates, kinds, the pair -----------------------------------------------------------
def test_visit_dates_kinds_and_pairs(app):
    with app.app_context():
        pair = make_pair(starts_on=today() - dt.timedelta(days=30))
        other = make_worker()
        with pytest.raises(DomainError, match="晚于今天"):
            make_visit(visited_on=today() + dt.timedelta(days=1))
        db.session.rollback()
        with pytest.raises(DomainError):
            make_visit(worker=pair.worker, kind="pairing")  # no pair named
        db.session.rollback()
        with pytest.raises(DomainError):
            make_visit(worker=other, kind="pairing", pairing=pair)  # another worker's pair
        db.session.rollback()
        with pytest.raises(DomainError):
            make_visit(pairing=pair, kind="pairing", visited_on=today() - dt.timedelta(days=31))
        db.session.rollback()
        with pytest.raises(DomainError):
            make_visit(follow_up=True, follow_up_note="")
        db.session.rollback()
        with pytest.raises(DomainError):
            make_visit(worker=make_worker(status="removed"))
        db.session.rollback()
        # A visit of another kind keeps no pair; a pending file may be checked at home.
        kept = make_visit(worker=pair.worker, kind="festival", pairing=pair)
        assert kept.pairing_id is None
        assert make_visit(worker=make_worker(status="pending")).id
        done = make_visit(pairing=pair, kind="pairing")
        assert done.pairing_id == pair.id and done.worker_id == pair.worker_id


def test_the_database_holds_the_visit_rules(app):
    with app.app_context():
        worker = make_worker()
        base = dict(worker_id=worker.id, visited_on=today(), visitors="王帮扶",
                    unit_id=worker.unit_id)
        for bad, name in ((dict(kind="pairing"), "pairing_named"),
                          (dict(kind="tea"), "kind"),
                          (dict(kind="festival", follow_up=True), "follow_up_said"),
                          (dict(kind="festival", visitors=""), "visitors_named")):
            db.session.add(Visit(**{**base, **bad}))
            with pytest.raises(IntegrityError, match=name):
                db.session.flush()
            db.session.rollback()


# --- follow-up: one click to a desk case or an aid application --------------------------------
def _post_follow(client, auth, visit_id, what):
    return client.post(f"/admin/visit/follow-up/?id={visit_id}",
                       data={"csrf_token": auth.token(f"/admin/visit/details/?id={visit_id}"),
                             "what": what})


def test_follow_up_opens_a_desk_case_for_the_worker(app, client, auth):
    with app.app_context():
        worker = make_worker(name="李红", phone="13812340001")
        visit_id = make_visit(worker=worker, follow_up=True, follow_up_note="协助申请医疗救助").id
        worker_id = worker.id
    auth.login("staff")
    page = client.get(f"/admin/visit/details/?id={visit_id}").get_data(as_text=True)
    assert 'id="follow-servicecase"' in page and 'id="follow-assistance"' in page
    response = _post_follow(client, auth, visit_id, "servicecase")
    assert response.status_code == 302 and "/admin/servicecase/step/" in response.location
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        case = visit.service_case
        assert case is not None and case.state == "received" and case.channel == "visit"
        assert "协助申请医疗救助" in case.summary
        assert (case.person.name, case.person.phone, case.person.worker_id) == (
            "李红", "13812340001", worker_id)
    # Once is enough: the button is gone and a second post opens nothing.
    page = client.get(f"/admin/visit/details/?id={visit_id}").get_data(as_text=True)
    assert 'id="follow-servicecase"' not in page and 'id="visit-case"' in page
    _post_follow(client, auth, visit_id, "servicecase")
    with app.app_context():
        assert count(ServiceCase) == 1 and count(Person) == 1


def test_follow_up_opens_the_aid_form_prefilled_and_links_the_record(app, client, auth):
    with app.app_context():
        worker = make_worker(name="赵铁柱")
        visit_id = make_visit(worker=worker, follow_up=True, follow_up_note="生活困难").id
        worker_id = worker.id
    auth.login("staff")
    response = _post_follow(client, auth, visit_id, "assistance")
    assert response.status_code == 302
    url = response.location
    assert "/admin/assistance/new/" in url and f"worker_id={worker_id}" in url
    form = client.get(url).get_data(as_text=True)
    assert f'value="{worker_id}"' in re.search(r'<input[^>]*id="worker"[^>]*>', form).group(0)
    response = client.post(url, data={
        "csrf_token": auth.token(url), "worker": worker_id, "kind": "living", "year": "2026",
        "campaign": "", "reason": "走访发现生活困难", "cash_amount": "300.00",
        "goods_value": "0", "out_of_pocket": "0"})
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        assert visit.assistance is not None and visit.assistance.worker_id == worker_id
        assert visit.assistance.reason == "走访发现生活困难"


def test_follow_up_is_refused_to_a_manager(app, client, auth):
    with app.app_context():
        visit_id = make_visit(follow_up=True, follow_up_note="跟进").id
    auth.login("manager")
    page = client.get(f"/admin/visit/details/?id={visit_id}").get_data(as_text=True)
    assert 'id="follow-servicecase"' not in page
    assert _post_follow(client, auth, visit_id, "servicecase").status_code == 403
    with app.app_context():
        assert count(ServiceCase) == 0


# --- the start page ----------------------------------------------------------------------------
def _start_page_records():
    """Files and pairs of every case the figures tell apart; return the expected figures."""
    long_ago, recent = today() - dt.timedelta(days=200), today() - dt.timedelta(days=10)
    never = make_worker(main_cause="laid_off")                      # not visited
    make_visit(worker=make_worker(main_cause="laid_off"))           # visited this year
    make_worker(main_cause="laid_off", status="pending")            # not on record
    ill = make_worker(main_cause="illness")                         # not visited; 三必访 due
    make_visit(worker=make_worker(main_cause="illness"), kind="hospital",
               visited_on=recent)                                   # 三必访 done
    hurt = make_worker(main_cause="accident")
    make_visit(worker=hurt, kind="festival")                        # visited, 三必访 due
    sick = make_worker(main_cause="laid_off", health="serious")     # not visited; due
    overdue = make_pair(worker=never, starts_on=long_ago)           # no visit: overdue
    seen = make_pair(worker=make_worker(main_cause="laid_off"), starts_on=long_ago)
    make_visit(pairing=seen, kind="pairing", visited_on=recent)     # visited in 90 days
    make_pair(worker=make_worker(main_cause="laid_off"), starts_on=recent)  # too new
    old = make_pair(worker=make_worker(main_cause="laid_off"), starts_on=long_ago)
    make_visit(pairing=old, kind="pairing", visited_on=today() - dt.timedelta(days=95))
    ended = make_pair(worker=make_worker(main_cause="laid_off"), starts_on=long_ago)
    end_pairing(ended, user("staff"), today(), "脱困")
    db.session.commit()
    assert ill and sick and overdue
    # Overdue: the pair never visited and the one last visited 95 days ago. Due: the
    # illness file never visited, the accident file visited only at the festival, the
    # seriously ill one. Not visited this year: never, ill, sick, the too-new pair's
    # worker and the ended pair's.
    return {"pairs-overdue": 2, "must-visits-due": 3, "files-not-visited": 5}


@pytest.mark.parametrize("role", ["staff", "manager"])
def test_start_page_figures_equal_their_lists(app, client, auth, role):
    freeze_today(dt.date(2026, 11, 20))
    with app.app_context():
        expected = _start_page_records()
        visited = db.session.scalars(select(Visit.worker_id).where(
            Visit.visited_on >= dt.date(2026, 1, 1))).all()
        assert count(Worker, Worker.status == "active",
                     Worker.id.not_in(visited)) == expected["files-not-visited"]
    auth.login(role)
    found = figures(start_page(client))
    assert 'id="panel-visits"' in start_page(client)
    for key, n in expected.items():
        assert found[key]["count"] == n, key
        assert list_rows(client, found[key]["url"]) == n, key


def test_clerk_sees_no_visit_figures(app, client, auth):
    auth.login("clerk")
    page = start_page(client)
    assert 'id="panel-visits"' not in page and "fig-pairs-overdue" not in page


# --- roles and masking --------------------------------------------------------------------------
@pytest.mark.parametrize("endpoint", ["pairing", "visit"])
def test_roles(app, client, auth, endpoint):
    with app.app_context():
        pk = (make_pair() if endpoint == "pairing" else make_visit()).id
    urls = {"R": [f"/admin/{endpoint}/", f"/admin/{endpoint}/details/?id={pk}"],
            "C": [f"/admin/{endpoint}/new/"], "U": [f"/admin/{endpoint}/edit/?id={pk}"],
            "X": [f"/admin/{endpoint}/export/xlsx/"]}
    expected = {"clerk": "", "manager": "RX", "staff": "RCU", "admin": "RCUX"}
    for role, verbs in expected.items():
        auth.login(role)
        for verb, paths in urls.items():
            for path in paths:
                status = client.get(path).status_code
                assert (status == 200) == (verb in verbs), (role, path, status)
                if verb not in verbs:
                    assert status == 403, (role, path, status)
        auth.logout()


def test_cadre_phone_masked_for_the_manager(app, client, auth):
    with app.app_context():
        pk = make_pair(cadre_phone="13912345678").id
    auth.login("manager")
    for path in ("/admin/pairing/", f"/admin/pairing/details/?id={pk}"):
        page = client.get(path).get_data(as_text=True)
        assert "13912345678" not in page and "139****5678" in page, path
    # A search compares the shown tail only: a wrong guess of the hidden digits finds the
    # pair as the right one does, so searches tell nothing about them.
    for term in ("13912345678", "13900005678"):
        assert "139****5678" in client.get(f"/admin/pairing/?search={term}").get_data(
            as_text=True)
    assert "139****5678" not in client.get("/admin/pairing/?search=13912340000").get_data(
        as_text=True)
    sheet = openpyxl.load_workbook(io.BytesIO(
        client.get("/admin/pairing/export/xlsx/").data)).active
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row]
    assert "13912345678" not in cells and "139****5678" in cells
    auth.logout()
    auth.login("staff")
    assert "13912345678" in client.get(f"/admin/pairing/details/?id={pk}").get_data(
        as_text=True)


# --- timeline and report --------------------------------------------------------------------------
def test_a_visit_is_on_the_workers_timeline(app):
    with app.app_context():
        pair = make_pair()
        visit = make_visit(pairing=pair, kind="pairing", visitors="周志刚")
        found = [e for e in entries(pair.worker, role="staff") if e.endpoint == "visit"]
        assert [(e.record_id, e.on) for e in found] == [(visit.id, visit.visited_on)]
        assert "周志刚" in found[0].title
        assert [e for e in entries(pair.worker, role="clerk") if e.kind == "visit"] == []


def test_report_counts_visits_by_kind_and_live_pairs(app):
    with app.app_context():
        year, day = 2025, dt.date(2025, 6, 1)
        a, b = make_worker(main_cause="laid_off"), make_worker()
        make_visit(worker=a, kind="festival", visited_on=dt.date(2025, 1, 25))
        make_visit(worker=b, kind="festival", visited_on=dt.date(2025, 1, 26))
        make_visit(worker=a, kind="festival", visited_on=dt.date(2025, 9, 15))
        make_visit(worker=b, kind="hospital", visited_on=day)
        make_visit(worker=b, kind="family_change", visited_on=day)
        make_visit(worker=a, kind="home_check", visited_on=dt.date(2024, 12, 31))  # last year
        live = make_pair(worker=a, starts_on=dt.date(2024, 3, 1))
        make_visit(pairing=live, kind="pairing", visited_on=day)
        ended = make_pair(worker=b, kind="unit", cadre_name="", partner_unit="城投集团工会",
                          starts_on=dt.date(2025, 2, 1))
        end_pairing(ended, user("staff"), dt.date(2025, 8, 1), "脱困")
        make_pair(starts_on=dt.date(2026, 1, 5))  # begun after the year
        db.session.commit()
        f = year_figures(year)["visits"]
    assert f["visits"]["by_kind"] == {"festival": (3, 2), "hospital": (1, 1),
                                      "family_change": (1, 1), "pairing": (1, 1)}
    assert (f["visits"]["visits"], f["visits"]["must"], f["visits"]["households"]) == (6, 2, 2)
    assert f["pairs"] == {"live": 1, "cadres": 1, "units": 0, "made": 1, "ended": 1}


def test_report_workbook_has_the_visits_sheet(app, client, auth):
    with app.app_context():
        make_visit(kind="festival", visited_on=today())
    auth.login("manager")
    response = client.get(f"/admin/report/xlsx?year={today().year}", follow_redirects=True)
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert any(re.search("走访", name) for name in book.sheetnames)


def test_visits_export_through_the_column_chooser(app, client, auth):
    with app.app_context():
        make_visit(kind="festival", visitors="王帮扶")
        make_visit(kind="home_check", visitors="孙站长")
    auth.login("manager")
    page = client.get("/admin/visit/export/").get_data(as_text=True)
    assert "visited_on" in page and "visitors" in page
    response = client.get("/admin/visit/export/xlsx/?columns=id,visited_on,kind,visitors")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    rows = list(openpyxl.load_workbook(io.BytesIO(response.data)).active.iter_rows(
        values_only=True))
    assert rows[0] == ("编号", "走访日期", "走访类型", "走访人员")
    assert sorted(r[2] for r in rows[1:]) == ["入户核实", "节日慰问"]
