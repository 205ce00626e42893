"""Employers, vacancies, job seekers and referrals for the employment tests."""
from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from stdnum.cn import uscc

from models import db
from models.employment import Employer, JobSeeker, Referral, Vacancy
from models.employment_checks import register
from tests.factories import make_worker, user

_codes = itertools.count(1)


def credit_code() -> str:
    """Return a fresh valid unified social credit code."""
    body = f"913701{next(_codes):011d}"
    return body + uscc.calc_check_digit(body + "0")


def make_employer(commit: bool = True, **overrides) -> Employer:
    values = dict(name="济南鲁信物业服务有限公司", credit_code=credit_code(), contact="王经理",
                  phone="0531-88990011", nature="private")
    values.update(overrides)
    employer = Employer(**values)
    db.session.add(employer)
    if commit:
        db.session.commit()
    return employer


def make_vacancy(commit: bool = True, employer: Employer | None = None, **overrides) -> Vacancy:
    values = dict(title="保洁员", job_type="cleaning", kind="ordinary", places=3,
                  wage_min=Decimal("2200.00"), wage_max=Decimal("2800.00"),
                  location="历下区", open_from=dt.date(2026, 1, 5))
    values.update(overrides)
    vacancy = Vacancy(employer=employer or make_employer(commit=commit), **values)
    db.session.add(vacancy)
    if commit:
        db.session.commit()
    return vacancy


def make_seeker(commit: bool = True, worker=None, person=None, **overrides) -> JobSeeker:
    """Register a seeker through the rules (a new worker on file unless told otherwise)."""
    if worker is None and person is None:
        worker = make_worker()
    values = dict(registered_on=dt.date(2026, 3, 1), desired_job_types=["cleaning"],
                  desired_wage=Decimal("2500.00"))
    values.update(overrides)
    seeker = JobSeeker(worker=worker, person=person, **values)
    register(seeker, user("staff"))
    if commit:
        db.session.commit()
    return seeker


def make_referral(state: str = "referred", seeker=None, vacancy=None, **overrides) -> Referral:
    """Refer a seeker to a vacancy through the rules, then take the steps to ``state``."""
    from models.employment_rules import hire, interview, no_show, not_hired, refer
    staff = user("staff")
    referral = Referral(seeker=seeker or make_seeker(), vacancy=vacancy or make_vacancy(),
                        referred_on=overrides.pop("referred_on", dt.date(2026, 3, 2)),
                        **overrides)
    refer(referral, staff)
    if state in ("interviewed",):
        interview(referral, staff, "")
    elif state == "hired":
        hire(referral, staff, "2026-03-10", "2500")
    elif state == "not_hired":
        not_hired(referral, staff)
    elif state == "no_show":
        no_show(referral, staff)
    db.session.commit()
    return referral
