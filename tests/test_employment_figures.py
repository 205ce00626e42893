"""再就业人数 and the employment figures against independent counts, over a built world
that includes every case that must not count twice (issue 19)."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
from sqlalchemy import select

from models import db
from models.employment import JobSeeker, Referral, Vacancy
from models.employment_rules import hire, undo_hire
from models.loans import Loan
from models.report_employment import employment_figures, employment_tables
from models.training import Enrolment
from models.worker import Worker
from tests.factories import id_number, make_worker, user
from tests.factories_desk import make_person
from tests.factories_employment import (
    make_employer,
    make_referral,
    make_seeker,
    make_vacancy,
)
from tests.factories_loans import disbursed_loan, make_loan
from tests.factories_training import make_class, make_enrolment

YEAR = 2026


def _worker(born, male=True, **kw):
    return make_worker(id_number=id_number(born, male), **kw)


def _placed(seeker, start="2026-03-10", referred_on=dt.date(2026, 3, 2)):
    referral = make_referral(seeker=seeker, vacancy=make_vacancy(places=5),
                             referred_on=referred_on)
    hire(referral, user("staff"), start, "2500")
    db.session.commit()
    return referral


def _trained(worker, outcome="reemployed", on=dt.date(2026, 5, 6)):
    klass = make_class(state="finished", start_date=dt.date(2026, 3, 2),
                       end_date=dt.date(2026, 4, 30))
    return make_enrolment(klass=klass, worker=worker, state="completed", outcome=outcome,
                          employer="某家政公司", outcome_on=on)


def build_world():
    """Return the expected figures of the world it builds."""
    w1 = _worker(dt.date(1980, 2, 1), male=False)      # 4050 woman: placed and trained
    _placed(make_seeker(worker=w1))
    _trained(w1)
    w2 = _worker(dt.date(1990, 2, 1))                  # trained, then a loan: once, training
    _trained(w2, outcome="business")
    disbursed_loan(worker=w2, issued_on=dt.date(2026, 6, 1))
    w3 = _worker(dt.date(1970, 2, 1))                  # 4050 man: a loan only
    disbursed_loan(worker=w3, issued_on=dt.date(2026, 7, 1))
    w4 = _worker(dt.date(1985, 1, 1))                  # a desk person on file: placed, loan
    person4 = make_person(worker_id=w4.id, id_number=w4.id_number)
    _placed(make_seeker(person=person4))
    disbursed_loan(worker=w4, issued_on=dt.date(2026, 8, 1))
    walk_in = make_person(id_number=id_number(dt.date(1975, 1, 1), True), is_migrant=True)
    _placed(make_seeker(person=walk_in))               # a walk-in without a file, 4050
    undone = _placed(make_seeker())                    # placed, then undone: not counted
    undo_hire(undone, user("staff"), "未到岗")
    db.session.commit()
    _placed(make_seeker(registered_on=dt.date(2025, 11, 1)), start="2025-12-01",
            referred_on=dt.date(2025, 11, 5))                                 # last year
    _trained(make_worker(), outcome="not_employed")    # not employed: not counted
    make_loan()                                        # applied only: not counted
    disbursed_loan(issued_on=dt.date(2025, 12, 1))     # last year's loan
    make_employer(is_base=True, base_since=dt.date(2026, 4, 1))
    make_employer(is_base=True, base_since=dt.date(2025, 4, 1))
    make_vacancy(kind="public_welfare", places=4, open_from=dt.date(2026, 2, 1))
    make_vacancy(kind="labour_export", destination="江苏昆山", places=6,
                 open_from=dt.date(2026, 2, 1))
    db.session.commit()


def independent():
    """Count with plain Python over the records: who found work in the year, once each."""
    found = {}  # person key -> (first route, 4050)

    def add(key, route, is_4050):
        first, was = found.get(key, (route, False))
        found[key] = (min(first, route), was or is_4050)

    def aged(worker, on):
        born = worker.birth_date
        age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
        return age >= (40 if worker.gender == "F" else 50)
    for r in db.session.scalars(select(Referral).where(Referral.state == "hired")):
        if r.start_date.year == YEAR:
            s = r.seeker
            file_id = s.worker_id or (s.person.worker_id if s.person else None)
            add(("w", file_id) if file_id else ("p", s.person_id), 1, s.is_4050)
    for e in db.session.scalars(select(Enrolment)):
        if e.outcome in ("reemployed", "business") and e.outcome_on.year == YEAR:
            add(("w", e.worker_id), 2, aged(e.worker, e.outcome_on))
    for loan in db.session.scalars(select(Loan)):
        if loan.state in ("disbursed", "repaid", "written_off") and loan.issued_on.year == YEAR:
            add(("w", loan.worker_id), 3, aged(db.session.get(Worker, loan.worker_id),
                                              loan.issued_on))
    by_route = {route: [sum(1 for r, _ in found.values() if r == route),
                        sum(1 for r, f in found.values() if r == route and f)]
                for route in (1, 2, 3)}
    return len(found), sum(1 for _, f in found.values() if f), by_route


def test_reemployment_counts_each_person_once(app):
    with app.app_context():
        build_world()
        figures = employment_figures(YEAR)
        again = figures["reemployment"]
        people, of_4050, by_route = independent()
        assert (again["people"], again["is_4050"]) == (people, of_4050)
        assert {k: [v["people"], v["is_4050"]] for k, v in again["by_route"].items()} == by_route
        # And by hand: w1 (placement), w4 and the walk-in (placement); w2 (training);
        # w3 (loan). 4050: w1, the walk-in, w3.
        assert (people, of_4050) == (5, 3)
        assert by_route == {1: [3, 2], 2: [1, 0], 3: [1, 1]}


def test_desk_figures(app):
    with app.app_context():
        build_world()
        f = employment_figures(YEAR)
        seekers = db.session.scalars(select(JobSeeker)).all()
        this_year = [s for s in seekers if s.registered_on.year == YEAR]
        assert f["seekers"] == len(this_year) == 4
        assert f["seekers_4050"] == sum(s.is_4050 for s in this_year)
        assert f["seekers_with_file"] == sum(s.has_file for s in this_year) == 3
        assert f["seekers_migrant"] == sum(s.is_migrant for s in this_year) == 2
        assert f["hires"] == 3  # w1, w4, the walk-in; the undone one and 2025's not
        assert f["new_bases"] == 1
        assert f["public_welfare_places"] == 4 and f["labour_export_places"] == 6
        assert f["referrals"] == 4
        tables = employment_tables(f)
        assert tables[-1].rows[-1][1:] == [5, 3]
        vacancies = [v for v in db.session.scalars(select(Vacancy)) if v.open_from.year == YEAR]
        assert (f["vacancies"], f["places"]) == (len(vacancies), sum(v.places for v in vacancies))
        assert f["labour_export"] == 1 and f["public_welfare"] == 1


def test_report_page_and_workbook_carry_the_section(app, client, auth):
    with app.app_context():
        build_world()
    auth.login("manager")
    page = client.get(f"/admin/report/?year={YEAR}").get_data(as_text=True)
    assert "再就业人数（每人只计一次）" in page and "小额借款自主创业" in page
    book = openpyxl.load_workbook(io.BytesIO(client.get(
        f"/admin/report/xlsx/?year={YEAR}").data))
    assert "就业服务" in book.sheetnames


def test_work_summary_quotes_reemployment(app):
    from models.report import year_figures
    from models.report_summary import summary_paragraph
    with app.app_context(), app.test_request_context():
        build_world()
        text = summary_paragraph(year_figures(YEAR))
        assert "全年再就业5人，其中“4050”人员3人" in text
