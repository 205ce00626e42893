"""Year-end figures of employment services (职业介绍) and 再就业人数.

- seekers: registered in the year (``registered_on``), of them 4050 (on the registration
  day), holding a hardship file, migrant workers.
- vacancies: collected in the year (``open_from``): count and places; public-welfare posts
  and labour export apart. Referrals made in the year; hires = referrals ``hired`` whose
  placement starts in the year (an undone placement is no hire). New re-employment bases:
  employers that became one in the year (``base_since``).
- jobs created by micro-loans (带动就业人数): loans disbursed in the year, the jobs said at
  disbursement, and of those followed up since, the jobs said and the jobs found.
- 再就业人数: distinct people who found work in the year by any route — a placement (start
  date in the year), a training follow-up "re-employed" or "started a business" (the day
  recorded in the year), or a micro-loan disbursed in the year (self-employment). A person
  is their hardship file when they hold one (a desk person linked to a file is that file),
  else their desk person; each is counted once, under the first of their routes in that
  order, so the routes add up to the total. 4050: as registered for a placement, else on
  the day they found work, from the file's birth date and sex; a person counts as 4050
  when any of their routes says so.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, extract, func, literal, or_, select, union_all

from models.base import db
from models.employment import Employer, JobSeeker, Referral, Vacancy
from models.loans import Loan
from models.person import Person
from models.report_tables import Table, _facts
from models.report_time import in_year
from models.training import Enrolment, TrainingClass
from models.unit_scope import ALL, unit_clause
from models.worker import Worker

ROUTES = {1: _l("Placement by referral"), 2: _l("After training"),
          3: _l("Self-employed with a micro-loan")}
LOAN_STATES = ("disbursed", "repaid", "written_off")


def _ymd(column):
    """Return ``column`` (a date) as the number YYYYMMDD, to compare ages in whole years."""
    return (extract("year", column) * 10000 + extract("month", column) * 100
            + extract("day", column))


def aged_4050(birth, gender, on):
    """Return the clause: born on ``birth`` with ``gender``, 4050 on the day ``on``."""
    age = _ymd(on) - _ymd(birth)
    return or_(and_(gender == "F", age >= 400000), and_(gender == "M", age >= 500000))


def _key(worker_id, person_id):
    """One number per person: a file's id doubled, a desk person's doubled plus one."""
    return case((worker_id.is_not(None), worker_id * 2), else_=person_id * 2 + 1)


def _routes(year: int, units):
    """Return the rows (key, route, is_4050) of everyone who found work in ``year``."""
    file_id = func.coalesce(JobSeeker.worker_id, Person.worker_id)
    placed = (select(_key(file_id, JobSeeker.person_id).label("key"), literal(1).label("route"),
                     case((JobSeeker.is_4050, 1), else_=0).label("is_4050"))
              .select_from(Referral).join(JobSeeker, JobSeeker.id == Referral.seeker_id)
              .outerjoin(Person, Person.id == JobSeeker.person_id)
              .where(Referral.state == "hired", in_year(Referral.start_date, year),
                     unit_clause(Referral, units)))
    trained = (select((Enrolment.worker_id * 2).label("key"), literal(2).label("route"),
                      case((aged_4050(Worker.birth_date, Worker.gender, Enrolment.outcome_on),
                            1), else_=0).label("is_4050"))
               .select_from(Enrolment).join(Worker, Worker.id == Enrolment.worker_id)
               .join(TrainingClass, TrainingClass.id == Enrolment.class_id)
               .where(Enrolment.outcome.in_(("reemployed", "business")),
                      in_year(Enrolment.outcome_on, year), unit_clause(TrainingClass, units)))
    loaned = (select((Loan.worker_id * 2).label("key"), literal(3).label("route"),
                     case((aged_4050(Worker.birth_date, Worker.gender, Loan.issued_on), 1),
                          else_=0).label("is_4050"))
              .select_from(Loan).join(Worker, Worker.id == Loan.worker_id)
              .where(Loan.state.in_(LOAN_STATES), in_year(Loan.issued_on, year),
                     unit_clause(Loan, units)))
    return union_all(placed, trained, loaned).subquery("found")


def reemployment(year: int, units=ALL) -> dict:
    """Return 再就业人数 for ``year``: total, 4050, and both by first route."""
    found = _routes(year, units)
    people = (select(found.c.key, func.min(found.c.route).label("route"),
                     func.max(found.c.is_4050).label("is_4050"))
              .group_by(found.c.key).subquery("people"))
    rows = db.session.execute(select(people.c.route, func.count(),
                                     func.coalesce(func.sum(people.c.is_4050), 0))
                              .group_by(people.c.route)).all()
    by_route = {route: {"people": 0, "is_4050": 0} for route in ROUTES}
    for route, count, of_4050 in rows:
        by_route[int(route)] = {"people": int(count), "is_4050": int(of_4050)}
    return {"people": sum(r["people"] for r in by_route.values()),
            "is_4050": sum(r["is_4050"] for r in by_route.values()), "by_route": by_route}


def loan_jobs(year: int, units=ALL) -> dict:
    """Return the jobs created by the micro-loans disbursed in ``year`` (带动就业人数): as
    said at disbursement, and of the loans followed up since, the jobs found there."""
    followed = Loan.followed_up_on.is_not(None)
    row = db.session.execute(
        select(func.count(), func.coalesce(func.sum(Loan.jobs_created), 0),
               func.coalesce(func.sum(case((followed, 1), else_=0)), 0),
               func.coalesce(func.sum(case((followed, Loan.jobs_created), else_=0)), 0),
               func.coalesce(func.sum(Loan.jobs_followed_up), 0))
        .where(Loan.state.in_(LOAN_STATES), in_year(Loan.issued_on, year),
               unit_clause(Loan, units))).one()
    return {"loans": int(row[0]), "jobs": int(row[1]), "followed_up": int(row[2]),
            "jobs_said_followed_up": int(row[3]), "jobs_found": int(row[4])}


def _count(*columns, model, where, units):
    return db.session.execute(select(*columns).where(where, unit_clause(model, units))).one()


def employment_figures(year: int, units=ALL) -> dict:
    """Return the year's seekers, vacancies, referrals, hires, new bases and 再就业人数."""
    s, v, r = JobSeeker, Vacancy, Referral

    def flag(clause):
        return func.coalesce(func.sum(case((clause, 1), else_=0)), 0)

    seekers = _count(func.count(), flag(s.is_4050), flag(s.has_file), flag(s.is_migrant),
                     model=s, where=in_year(s.registered_on, year), units=units)
    places = func.coalesce(func.sum(v.places), 0)
    vacancies = _count(func.count(), places,
                       flag(v.kind == "public_welfare"),
                       func.coalesce(func.sum(case((v.kind == "public_welfare", v.places),
                                                   else_=0)), 0),
                       flag(v.kind == "labour_export"),
                       func.coalesce(func.sum(case((v.kind == "labour_export", v.places),
                                                   else_=0)), 0),
                       model=v, where=in_year(v.open_from, year), units=units)
    referrals = _count(func.count(), model=r, where=in_year(r.referred_on, year), units=units)
    hires = _count(func.count(), model=r, where=and_(r.state == "hired",
                                                      in_year(r.start_date, year)), units=units)
    bases = _count(func.count(), model=Employer,
                   where=and_(Employer.is_base, in_year(Employer.base_since, year)), units=units)
    return {"seekers": int(seekers[0]), "seekers_4050": int(seekers[1]),
            "seekers_with_file": int(seekers[2]), "seekers_migrant": int(seekers[3]),
            "vacancies": int(vacancies[0]), "places": int(vacancies[1]),
            "public_welfare": int(vacancies[2]), "public_welfare_places": int(vacancies[3]),
            "labour_export": int(vacancies[4]), "labour_export_places": int(vacancies[5]),
            "referrals": int(referrals[0]), "hires": int(hires[0]), "new_bases": int(bases[0]),
            "reemployment": reemployment(year, units), "loan_jobs": loan_jobs(year, units)}


def employment_tables(f: dict) -> list[Table]:
    """Return the section's tables: the desk's figures and 再就业人数 by route."""
    again, jobs = f["reemployment"], f["loan_jobs"]
    rows = [[ROUTES[route], figures["people"], figures["is_4050"]]
            for route, figures in again["by_route"].items()]
    return [
        _facts(_l("Employment services"), [
            (_l("Job seekers registered"), f["seekers"]),
            (_l("of whom 4050 people"), f["seekers_4050"]),
            (_l("of whom holding a hardship file"), f["seekers_with_file"]),
            (_l("of whom migrant workers"), f["seekers_migrant"]),
            (_l("Vacancies collected"), f["vacancies"]), (_l("Places offered"), f["places"]),
            (_l("Public-welfare posts (places)"), f["public_welfare_places"]),
            (_l("Labour export (places)"), f["labour_export_places"]),
            (_l("Referrals made"), f["referrals"]), (_l("Hires"), f["hires"]),
            (_l("New re-employment bases"), f["new_bases"])]),
        _facts(_l("Jobs created by micro-loans"), [
            (_l("Micro-loans disbursed"), jobs["loans"]),
            (_l("Jobs created (at disbursement)"), jobs["jobs"]),
            (_l("Loans followed up"), jobs["followed_up"]),
            (_l("Jobs they said at disbursement"), jobs["jobs_said_followed_up"]),
            (_l("Jobs found at follow-up"), jobs["jobs_found"])]),
        Table(_l("People re-employed, each counted once"),
              [_l("Route"), _l("People"), _l("of whom 4050 people")],
              [*rows, [_l("Total"), again["people"], again["is_4050"]]], total=True),
    ]


def employment_sentences(f: dict) -> list[str]:
    """Return the work summary's sentence on jobs (``summary_paragraph``), if any."""
    jobs = f.get("employment")
    if not jobs:
        return []
    again, found = jobs["reemployment"], []
    if jobs["seekers"] or again["people"]:
        found.append(_("%(seekers)d job seekers were registered and %(places)d places "
                       "collected; %(people)d people found work again, %(of_4050)d of them "
                       "4050 people.", seekers=jobs["seekers"], places=jobs["places"],
                       people=again["people"], of_4050=again["is_4050"]))
    loans = jobs.get("loan_jobs")
    if loans and loans["jobs"]:
        found.append(_("The micro-loans paid out in the year created %(jobs)d jobs.",
                       jobs=loans["jobs"]))
    return found
