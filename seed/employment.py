"""Demo employment services: a year of employers, vacancies, seekers and placements.

The year has a spring job fair (春风行动) where most seekers sign up, public-welfare posts
for laid-off workers, a labour-export group to Kunshan, four new re-employment bases, and
referrals in every state — each through the rules (``models.employment_rules``) on the
day it happened, with the clock frozen there.
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sqlalchemy import select
from stdnum.cn import uscc

from models import base, db
from models.base import DomainError, freeze_now, freeze_today
from models.employment import Employer, JobSeeker, Referral, Vacancy
from models.employment_checks import register
from models.employment_rules import hire, interview, no_show, not_hired, refer
from models.person import Person
from models.worker import Worker

# (name, nature, base since: month of the year or None)
EMPLOYERS = (
    ("济南鲁信物业服务有限公司", "private", 3), ("山东华联超市有限公司", "private", 5),
    ("济南市历下区环卫服务中心", "public", None), ("济南安泰保安服务有限公司", "private", 6),
    ("山东巧媳妇家政服务有限公司", "private", 9), ("济南第一机床厂", "state", None),
    ("济南佳味餐饮管理有限公司", "private", None), ("济南顺达物流有限公司", "private", None),
    ("昆山立讯电子科技有限公司", "foreign", None), ("宁波舜宇光电有限公司", "private", None),
    ("济南康乐养老服务中心", "collective", None), ("济南金针服装有限公司", "collective", None),
)
# (employer no., title, job type, kind, places, wage from, wage to, month, destination)
VACANCIES = (
    (0, "小区保洁员", "cleaning", "ordinary", 8, 2200, 2600, 2, ""),
    (0, "物业维修工", "welding", "ordinary", 3, 3200, 4000, 3, ""),
    (1, "超市理货员", "sales", "ordinary", 10, 2400, 2900, 3, ""),
    (1, "收银员", "computer", "ordinary", 6, 2500, 3000, 3, ""),
    (2, "社区公益性保洁岗", "cleaning", "public_welfare", 12, 2000, 2000, 3, ""),
    (2, "公益性巡查协管员", "security", "public_welfare", 6, 2000, 2000, 7, ""),
    (3, "小区保安", "security", "ordinary", 10, 2600, 3200, 4, ""),
    (4, "育婴员", "housekeeping", "ordinary", 6, 4000, 6000, 4, ""),
    (4, "家政服务员", "housekeeping", "ordinary", 8, 3500, 5000, 9, ""),
    (5, "电焊工", "welding", "ordinary", 4, 4200, 5500, 5, ""),
    (6, "配餐员", "catering", "ordinary", 6, 2800, 3400, 5, ""),
    (7, "快递分拣员", "driver", "ordinary", 10, 3000, 4200, 6, ""),
    (8, "电子厂普工", "factory", "labour_export", 20, 4500, 5800, 3, "江苏昆山"),
    (9, "光学组装工", "factory", "labour_export", 12, 4300, 5500, 8, "浙江宁波"),
    (10, "养老护理员", "care", "ordinary", 5, 3200, 4000, 6, ""),
    (11, "缝纫工", "sewing", "ordinary", 8, 3000, 4000, 4, ""),
)
FAIR = (3, 15)  # the spring job fair: 15 March
OUTCOMES = (("hired", 0.45), ("not_hired", 0.2), ("no_show", 0.1), ("interviewed", 0.1),
            ("referred", 0.15))


def _credit_code(n: int) -> str:
    body = f"913701{n:011d}"
    return body + uscc.calc_check_digit(body + "0")


def _on(day: dt.date) -> None:
    freeze_today(day)
    freeze_now(dt.datetime.combine(day, dt.time(2, 0)))


def _employers(year: int) -> list[Employer]:
    made = []
    for n, (name, nature, month) in enumerate(EMPLOYERS):
        made.append(Employer(name=name, credit_code=_credit_code(90000 + n), nature=nature,
                             contact="人事部", phone=f"0531-8{n:03d}6688", address="济南市",
                             is_base=month is not None,
                             base_since=dt.date(year, month, 10) if month else None))
    db.session.add_all(made)
    return made


def _vacancies(employers, year: int, as_of: dt.date) -> list[Vacancy]:
    made = []
    for n, title, job, kind, places, low, high, month, where in VACANCIES:
        opened = dt.date(year, month, 1)
        if opened > as_of:
            continue
        made.append(Vacancy(employer=employers[n], title=title, job_type=job, kind=kind,
                            places=places, wage_min=Decimal(low), wage_max=Decimal(high),
                            location=where or "济南市", destination=where, open_from=opened,
                            open_to=opened + dt.timedelta(days=120),
                            requirements="身体健康，吃苦耐劳"))
    db.session.add_all(made)
    return made


def _seekers(rnd, staff, year: int, as_of: dt.date) -> list[JobSeeker]:
    workers = db.session.scalars(select(Worker).where(Worker.status == "active")
                                 .order_by(Worker.id).limit(400)).all()
    people = db.session.scalars(select(Person).where(Person.worker_id.is_(None))
                                .order_by(Person.id).limit(40)).all()
    holders = [("worker", w) for w in rnd.sample(workers, min(len(workers), 90))] + \
        [("person", p) for p in rnd.sample(people, min(len(people), 20))]
    fair = dt.date(year, *FAIR)
    made = []
    for n, (kind, holder) in enumerate(holders):
        day = fair if n % 3 else min(as_of, dt.date(year, 1, 5) + dt.timedelta(days=3 * n))
        _on(day)
        wanted = rnd.sample(("cleaning", "security", "sales", "housekeeping", "factory",
                             "catering", "welding", "care", "sewing", "driver"), 2)
        seeker = JobSeeker(registered_on=day, desired_job_types=wanted,
                           desired_wage=Decimal(rnd.choice((2200, 2500, 3000, 3500, 4000))),
                           willing_to_travel=rnd.random() < 0.3,
                           education=rnd.choice(("junior", "senior", "junior", "primary")),
                           availability="now", skills="")
        setattr(seeker, kind, holder)
        try:
            with db.session.begin_nested():
                register(seeker, staff)
        except DomainError:
            continue
        made.append(seeker)
    db.session.flush()
    return made


def _refer(rnd, staff, seekers, vacancies, as_of: dt.date) -> int:
    made = 0
    for seeker in seekers:
        fits = [v for v in vacancies if v.job_type in (seeker.desired_job_types or [])
                and (v.kind != "labour_export" or seeker.willing_to_travel)]
        for vacancy in rnd.sample(fits, min(len(fits), 2)):
            day = max(seeker.registered_on, vacancy.open_from) + dt.timedelta(
                days=rnd.randint(1, 20))
            if day > as_of or seeker.state != "seeking":
                continue
            _on(day)
            try:
                with db.session.begin_nested():
                    referral = Referral(referred_on=day)
                    db.session.add(referral)
                    referral.seeker, referral.vacancy = seeker, vacancy
                    refer(referral, staff)
            except DomainError:
                continue
            made += 1
            outcome = rnd.choices([o for o, _w in OUTCOMES], [w for _o, w in OUTCOMES])[0]
            _on(min(as_of, day + dt.timedelta(days=5)))
            _settle(referral, outcome, staff, rnd)
    return made


def _settle(referral: Referral, outcome: str, staff, rnd) -> None:
    """Take the referral to ``outcome`` (a vacancy already full leaves it not hired)."""
    if outcome == "referred":
        return
    if outcome == "no_show":
        no_show(referral, staff)
        return
    interview(referral, staff, "")
    try:
        with db.session.begin_nested():
            if outcome == "hired":
                start = referral.interviewed_on + dt.timedelta(days=rnd.randint(3, 10))
                hire(referral, staff, start.isoformat(),
                     str(referral.vacancy.wage_min or Decimal(2500)))
            elif outcome == "not_hired":
                not_hired(referral, staff)
    except DomainError:
        not_hired(referral, staff)


def load(rnd: random.Random, users: dict, as_of: dt.date) -> int:
    """Add the year's employment desk; return how many seekers registered."""
    frozen, frozen_now = base._frozen_today, base._frozen_now
    staff, year = users["staff"], as_of.year
    try:
        employers = _employers(year)
        vacancies = _vacancies(employers, year, as_of)
        db.session.flush()
        seekers = _seekers(rnd, staff, year, as_of)
        _refer(rnd, staff, seekers, vacancies, as_of)
        db.session.flush()
    finally:
        freeze_today(frozen)
        freeze_now(frozen_now)
    return len(seekers)
