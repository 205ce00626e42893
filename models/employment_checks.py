"""Registering job seekers (the 4050, hardship-file and migrant marks), and checking
employers and vacancies as they are typed.

The marks are stored when a seeker is registered or edited, so lists filter on them and
the figures count them in SQL: 4050 is a woman of 40 or over, a man of 50 or over, on the
registration day, from the birth date and sex in the ID number (DESIGN.md).
"""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select

from models.base import DomainError, db, today
from models.employment import JobSeeker, Vacancy
from models.idnumber import birth_date_of, gender_of
from models.legal_case_rules import clean_credit_code

AGE_4050 = {"F": 40, "M": 50}


def age_on(born: dt.date, day: dt.date) -> int:
    """Return the age in whole years on ``day`` of someone born on ``born``."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def is_4050(id_number: str | None, on: dt.date) -> bool:
    """Tell whether the holder of ``id_number`` is a 4050 person on ``on``: a woman of 40
    or over, a man of 50 or over (from the birth date and sex in the number)."""
    if not id_number or len(id_number) != 18:
        return False
    born = birth_date_of(id_number)
    return born is not None and age_on(born, on) >= AGE_4050[gender_of(id_number)]


def file_of(seeker: JobSeeker):
    """Return the hardship file the seeker holds (their own, or their desk person's)."""
    if seeker.worker is not None:
        return seeker.worker
    return seeker.person.worker if seeker.person is not None else None


def derive_marks(seeker: JobSeeker) -> None:
    """Set the seeker's name and the 4050, hardship-file and migrant marks."""
    holder = seeker.worker or seeker.person
    seeker.name = (holder.name or getattr(holder, "phone", "") or "")[:32]
    seeker.is_4050 = is_4050(holder.id_number, seeker.registered_on or today())
    worker = file_of(seeker)
    seeker.has_file = worker is not None
    seeker.is_migrant = bool((worker is not None and worker.category == "migrant")
                             or (seeker.person is not None and seeker.person.is_migrant))


def register(seeker: JobSeeker, user) -> JobSeeker:
    """Register (or re-check) a job seeker: one holder, a date not in the future, marks."""
    with db.session.no_autoflush:
        if (seeker.worker is None) == (seeker.person is None):
            raise DomainError(_("Choose either a worker on file or a person served."),
                              field="worker")
        seeker.registered_on = seeker.registered_on or today()
        seeker.state = seeker.state or "seeking"
        if seeker.registered_on > today():
            raise DomainError(_("The date cannot be in the future."), field="registered_on")
        if seeker.desired_wage is not None and seeker.desired_wage < 0:
            raise DomainError(_("The wage wanted cannot be negative."), field="desired_wage")
        twice = db.session.scalar(select(JobSeeker.id).where(
            JobSeeker.state == "seeking", JobSeeker.id != (seeker.id or 0),
            (JobSeeker.worker_id == seeker.worker.id) if seeker.worker is not None
            else (JobSeeker.person_id == seeker.person.id)))
        if twice and seeker.state == "seeking":
            raise DomainError(_("This person is already registered as seeking work."),
                              field="worker")
        derive_marks(seeker)
        if seeker.id is None:
            seeker.registered_by_id = user.id if user is not None else None
            db.session.add(seeker)
    return seeker


def check_employer(employer) -> None:
    """Refuse an employer without a valid credit code, or a base without its date."""
    code = clean_credit_code(employer.credit_code)
    if code is None:
        raise DomainError(_("Give the unified social credit code."), field="credit_code")
    employer.credit_code = code
    if not employer.is_base:
        employer.base_since = None
    elif employer.base_since is None:
        raise DomainError(_("Give the date the employer became a re-employment base."),
                          field="base_since")


def check_vacancy(vacancy: Vacancy) -> None:
    """Refuse a vacancy whose places, wages, dates or destination are wrong."""
    if vacancy.places is None or vacancy.places < 1:
        raise DomainError(_("A vacancy needs at least one place."), field="places")
    if vacancy.places < (vacancy.places_taken or 0):
        raise DomainError(_("The places cannot be cut below the %(n)d already taken.",
                            n=vacancy.places_taken), field="places")
    if vacancy.wage_min is not None and vacancy.wage_max is not None \
            and vacancy.wage_max < vacancy.wage_min:
        raise DomainError(_("The wage range is reversed."), field="wage_max")
    if vacancy.open_to and vacancy.open_from and vacancy.open_to < vacancy.open_from:
        raise DomainError(_("The vacancy cannot close before it opens."), field="open_to")
    vacancy.destination = (vacancy.destination or "").strip()
    if vacancy.kind == "labour_export" and not vacancy.destination:
        raise DomainError(_("Give the destination of a labour-export post."),
                          field="destination")
    if vacancy.state == "open" and vacancy.places_taken and \
            vacancy.places_taken >= vacancy.places:
        vacancy.state = "filled"
    elif vacancy.state == "filled" and (vacancy.places_taken or 0) < vacancy.places:
        vacancy.state = "open"
