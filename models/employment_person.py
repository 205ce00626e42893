"""One person across the centre's services: what a job seeker's hardship file shows of
training and loans (the seeker's page), and a file's referrals and placements (its
timeline, ``models.worker_timeline``).

A seeker is a person once: a seeker registered from the desk whose person is linked to a
hardship file (``Person.worker_id``) is that file, like a seeker registered from the file
itself (``models.employment_checks.file_of``). Rows are read in one statement per kind,
kept to the user's units.
"""
from __future__ import annotations

from sqlalchemy import func, or_, select

from models.base import db
from models.employment import JobSeeker, Referral, Vacancy
from models.employment_checks import file_of
from models.loans import Loan
from models.person import Person
from models.training import Enrolment, TrainingClass
from models.unit_scope import ACTING, scope


def training_of(seeker: JobSeeker, units=ACTING) -> list:
    """Return the enrolments of the seeker's hardship file with their follow-up outcome,
    newest first (none without a file)."""
    worker = file_of(seeker)
    if worker is None:
        return []
    e = Enrolment
    return db.session.execute(scope(
        select(e.id, e.state, e.enrolled_on, e.completed_on, e.outcome, e.outcome_on,
               e.employer, e.monthly_income, e.followed_up_on, TrainingClass.name,
               TrainingClass.category)
        .join(TrainingClass, TrainingClass.id == e.class_id).where(e.worker_id == worker.id)
        .order_by(e.enrolled_on.desc(), e.id.desc()), e, units)).all()


def loans_of(seeker: JobSeeker, units=ACTING) -> list:
    """Return the loans of the seeker's hardship file with the jobs they created, newest
    first (none without a file)."""
    worker = file_of(seeker)
    if worker is None:
        return []
    return db.session.execute(scope(
        select(Loan.id, Loan.amount, Loan.purpose, Loan.state, Loan.issued_on,
               Loan.jobs_created, Loan.followed_up_on, Loan.jobs_followed_up)
        .where(Loan.worker_id == worker.id).order_by(Loan.id.desc()), Loan, units)).all()


def referrals_of_file(worker_id: int, units=ACTING) -> list:
    """Return the referrals of everyone registered as a seeker under the file ``worker_id``
    (from the file itself, or a desk person linked to it), with the vacancy's title."""
    return db.session.execute(scope(referrals_statement(worker_id), Referral, units)).all()


def referrals_statement(worker_id: int):
    """Return ``referrals_of_file``'s statement, before it is kept to the user's units."""
    r = Referral
    holder = func.coalesce(JobSeeker.worker_id, Person.worker_id)
    return (select(r.id, r.state, r.referred_on, r.start_date, r.wage, r.times_undone,
                   Vacancy.title)
            .join(JobSeeker, JobSeeker.id == r.seeker_id)
            .outerjoin(Person, Person.id == JobSeeker.person_id)
            .join(Vacancy, Vacancy.id == r.vacancy_id)
            .where(or_(JobSeeker.worker_id == worker_id, holder == worker_id)))
