"""Matching seekers and vacancies: plain SQL scores, each point with its reason shown.

A seeker fits a vacancy when seeking work and either wanting its job type or having
completed a training class of that trade; a labour-export post also needs someone
willing to work away from home. Points: job type wanted 3, completed class 2, willing
to travel (labour export) 2, 4050 1, hardship file 1, wage wanted within the offer 1.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import String, and_, case, cast, exists, false, func, literal, or_, select, text

from models.base import db
from models.employment import JobSeeker, Referral, Vacancy
from models.person import Person
from models.training import Enrolment, TrainingClass
from models.unit_scope import ALL, unit_clause

POINTS = {"wants_type": 3, "trained": 2, "travels": 2, "is_4050": 1, "has_file": 1,
          "wage_fits": 1}
LIMIT = 50


@dataclass(frozen=True)
class Match:
    record: object       # the seeker (on a vacancy) or the vacancy (on a seeker)
    score: int
    reasons: tuple[str, ...]   # keys of POINTS


def _wants(job_type):
    """Return the clause: the seeker's wanted job types include ``job_type`` (JSON list)."""
    return cast(JobSeeker.desired_job_types, String).like(
        literal('%"') + job_type + literal('"%'))


def _file_id():
    """Return the seeker's hardship file: their own, or their desk person's."""
    return func.coalesce(JobSeeker.worker_id, Person.worker_id)


def _trained(job_type, file_id):
    return exists().where(Enrolment.worker_id == file_id, Enrolment.state == "completed",
                          Enrolment.class_id == TrainingClass.id,
                          TrainingClass.category == job_type)


def _score(flags: dict):
    return sum(case((clause, POINTS[key]), else_=0) for key, clause in flags.items())


def _reasons(row, keys) -> tuple[str, ...]:
    return tuple(key for key in keys if getattr(row, key))


def _without_jit() -> None:
    """Keep PostgreSQL from JIT-compiling the seekers query (for this transaction).

    The per-row EXISTS of the score lift the planner's estimate far past
    ``jit_above_cost``, and compiling took a third of the ~110 ms the query ran at 100,000
    seekers (bench/employment.py); without it the query runs in ~80 ms.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))


def seekers_for(vacancy: Vacancy, units=ALL, limit: int = LIMIT) -> list[Match]:
    """Return the seekers who fit ``vacancy``, best first, with why."""
    file_id = _file_id()
    flags = {
        "wants_type": _wants(vacancy.job_type),
        "trained": _trained(vacancy.job_type, file_id),
        "travels": JobSeeker.willing_to_travel if vacancy.kind == "labour_export" else false(),
        "is_4050": JobSeeker.is_4050,
        "has_file": JobSeeker.has_file,
        "wage_fits": JobSeeker.desired_wage <= vacancy.wage_max
        if vacancy.wage_max is not None else false(),
    }
    score = _score(flags).label("score")
    where = [JobSeeker.state == "seeking", or_(flags["wants_type"], flags["trained"]),
             unit_clause(JobSeeker, units),
             ~exists().where(Referral.seeker_id == JobSeeker.id,
                             Referral.vacancy_id == vacancy.id)]
    if vacancy.kind == "labour_export":
        where.append(JobSeeker.willing_to_travel)
    _without_jit()
    rows = db.session.execute(
        select(JobSeeker, score, *(case((c, 1), else_=0).label(k) for k, c in flags.items()))
        .outerjoin(Person, Person.id == JobSeeker.person_id).where(*where)
        .order_by(score.desc(), JobSeeker.registered_on, JobSeeker.id).limit(limit)).all()
    return [Match(row[0], int(row.score), _reasons(row, flags)) for row in rows]


def vacancies_for(seeker: JobSeeker, units=ALL, limit: int = LIMIT) -> list[Match]:
    """Return the open vacancies that fit ``seeker``, best first, with why."""
    wanted = [code for code in (seeker.desired_job_types or []) if isinstance(code, str)]
    file_id = seeker.worker_id or (seeker.person.worker_id if seeker.person else None)
    trades = set()
    if file_id is not None:
        trades = set(db.session.scalars(
            select(TrainingClass.category).join(Enrolment, Enrolment.class_id == TrainingClass.id)
            .where(Enrolment.worker_id == file_id, Enrolment.state == "completed")))
    wage = seeker.desired_wage
    flags = {
        "wants_type": Vacancy.job_type.in_(wanted) if wanted else false(),
        "trained": Vacancy.job_type.in_(sorted(trades)) if trades else false(),
        "travels": and_(Vacancy.kind == "labour_export", literal(bool(seeker.willing_to_travel))),
        "is_4050": literal(bool(seeker.is_4050)),
        "has_file": literal(bool(seeker.has_file)),
        "wage_fits": Vacancy.wage_max >= wage if wage is not None else false(),
    }
    score = _score(flags).label("score")
    where = [Vacancy.state == "open", or_(flags["wants_type"], flags["trained"]),
             unit_clause(Vacancy, units),
             ~exists().where(Referral.vacancy_id == Vacancy.id,
                             Referral.seeker_id == seeker.id)]
    if not seeker.willing_to_travel:
        where.append(Vacancy.kind != "labour_export")
    rows = db.session.execute(
        select(Vacancy, score, *(case((c, 1), else_=0).label(k) for k, c in flags.items()))
        .where(*where).order_by(score.desc(), Vacancy.open_from.desc(), Vacancy.id)
        .limit(limit)).all()
    return [Match(row[0], int(row.score), _reasons(row, flags)) for row in rows]
