"""Referral rules: vacancy places, and the workflow referred → interviewed → hired |
not_hired | no_show (seekers, employers and vacancies are checked in
``models.employment_checks``).

``hire`` is the one function that records a placement: it takes a place by a guarded
UPDATE (as class places are taken), marks the seeker placed, stamps the start date and
wage and, when the seeker holds a hardship file, writes the new employer into it. A
placement made by mistake or that did not hold is undone by ``undo_hire``, the reversing
step: the place is given back, the seeker seeks again, the file's employer is put back.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select, update

from models.base import DomainError, db, today
from models.employment import REFERRAL_STATES, JobSeeker, Referral, Vacancy
from models.employment_checks import file_of
from models.guards import Guards, ids_used_by, unless
from models.legal_case_rules import yuan
from models.loan_rules import parse_day
from models.workflow import Field, Step, Workflow

CONSTRAINT_MESSAGES = {
    "uq_referral_once_per_vacancy": lambda: _(
        "This seeker has already been referred to this vacancy."),
    "referral.seeker_id, referral.vacancy_id": lambda: _(
        "This seeker has already been referred to this vacancy."),
    "within_places": lambda: _("A vacancy cannot place more people than its places; the "
                               "places cannot be cut below the places already taken."),
    "uq_employer_credit_code": lambda: _(
        "An employer with this unified social credit code is already registered."),
    "employer.credit_code": lambda: _(
        "An employer with this unified social credit code is already registered."),
    "ck_job_seeker_one_holder": lambda: _(
        "A job seeker is either a worker on file or a person served, not both."),
    "ck_vacancy_wage_range": lambda: _("The wage range is reversed."),
    "ck_vacancy_dates_in_order": lambda: _("The vacancy cannot close before it opens."),
    "ck_vacancy_destination": lambda: _("Give the destination of a labour-export post."),
}
# --- places --------------------------------------------------------------------------------
def _take_place(vacancy_id: int) -> None:
    """Take one place by a guarded UPDATE; the last one fills the vacancy. Racing hires wait
    for each other and the one that finds no place left is refused (the CHECK backs it)."""
    taken = db.session.execute(
        update(Vacancy).where(Vacancy.id == vacancy_id, Vacancy.state == "open",
                              Vacancy.places_taken < Vacancy.places)
        .values(places_taken=Vacancy.places_taken + 1,
                state=case((Vacancy.places_taken + 1 >= Vacancy.places, "filled"),
                           else_="open"))
        .returning(Vacancy.places_taken)
        .execution_options(synchronize_session=False)).scalar_one_or_none()
    vacancy = db.session.get(Vacancy, vacancy_id)
    if vacancy is not None:
        db.session.refresh(vacancy, ["places_taken", "state", "places"])
    if taken is not None:
        return
    if vacancy is None or vacancy.state == "closed":
        raise DomainError(_("This vacancy is closed."))
    raise DomainError(_("Vacancy %(title)s has no place left (%(n)d places).",
                        title=vacancy.title, n=vacancy.places))


def _place_seeker(seeker: JobSeeker) -> None:
    """Mark the seeker placed by a guarded UPDATE: only one hire of a seeker gets through."""
    placed = db.session.execute(
        update(JobSeeker).where(JobSeeker.id == seeker.id, JobSeeker.state == "seeking")
        .values(state="placed").returning(JobSeeker.id)
        .execution_options(synchronize_session=False)).scalar_one_or_none()
    db.session.refresh(seeker, ["state"])
    if placed is None:
        raise DomainError(_("%(name)s is not seeking work now.", name=seeker.name))


def _give_back_place(vacancy_id: int) -> None:
    db.session.execute(
        update(Vacancy).where(Vacancy.id == vacancy_id, Vacancy.places_taken > 0)
        .values(places_taken=Vacancy.places_taken - 1,
                state=case((Vacancy.state == "filled", "open"), else_=Vacancy.state))
        .execution_options(synchronize_session=False))
    vacancy = db.session.get(Vacancy, vacancy_id)
    if vacancy is not None:
        db.session.refresh(vacancy, ["places_taken", "state"])


# --- referrals -----------------------------------------------------------------------------
def refer(referral: Referral, user) -> Referral:
    """Refer a seeker who is seeking work to an open vacancy, once per vacancy."""
    with db.session.no_autoflush:
        seeker, vacancy = referral.seeker, referral.vacancy
        if seeker is None or vacancy is None:
            raise DomainError(_("Choose the job seeker and the vacancy."))
        if seeker.state != "seeking":
            raise DomainError(_("%(name)s is not seeking work now.", name=seeker.name),
                              field="seeker")
        if vacancy.state != "open":
            raise DomainError(_("Only open vacancies take referrals."), field="vacancy")
        twice = db.session.scalar(select(Referral.id).where(
            Referral.seeker_id == seeker.id, Referral.vacancy_id == vacancy.id,
            Referral.id != (referral.id or 0)))
        if twice:
            raise DomainError(_("This seeker has already been referred to this vacancy."))
        referral.referred_on = referral.referred_on or today()
        if referral.referred_on > today():
            raise DomainError(_("The date cannot be in the future."), field="referred_on")
        referral.state = "referred"
        referral.referred_by_id = referral.referred_by_id or user.id
        db.session.add(referral)
    return referral


def _interview(referral: Referral, user, held_on="") -> None:
    """Record that the seeker was interviewed."""
    referral.interviewed_on = parse_day(held_on)
    referral.state = "interviewed"


def _hire(referral: Referral, user, start_date="", wage="") -> None:
    """Record the placement: a place, the seeker placed, start and wage, the file's employer."""
    seeker, vacancy = referral.seeker, referral.vacancy
    if not str(wage or "").strip():
        raise DomainError(_("Give the monthly wage."))
    amount = yuan(wage, _("The wage cannot be negative."))
    start = parse_day(start_date, future=True)
    if start < referral.referred_on:
        raise DomainError(_("The job cannot start before the referral."))
    # Lock order: the seeker, then the vacancy. Two hires of one seeker wait on the first
    # row, two hires into one vacancy on the second; neither can pass the other's guard.
    _place_seeker(seeker)
    _take_place(vacancy.id)
    referral.state, referral.decided_on = "hired", today()
    referral.start_date, referral.wage = start, amount
    worker = file_of(seeker)
    if worker is not None:
        employer = vacancy.employer
        referral.file_employer_before = worker.employer or ""
        referral.file_nature_before = worker.employer_nature
        worker.employer = employer.name
        if employer.nature:
            worker.employer_nature = employer.nature


def _not_hired(referral: Referral, user) -> None:
    """Record that the employer did not take the seeker."""
    referral.state, referral.decided_on = "not_hired", today()


def _no_show(referral: Referral, user) -> None:
    """Record that the seeker did not go to the interview."""
    referral.state, referral.decided_on = "no_show", today()


def _undo_hire(referral: Referral, user, reason="") -> None:
    """Undo a placement: the place back, the seeker seeking again, the file as it was."""
    reason = (reason or "").strip()[:200]
    if not reason:
        raise DomainError(_("Say why the placement is undone."))
    seeker, vacancy = referral.seeker, referral.vacancy
    _give_back_place(vacancy.id)
    seeker.state = "seeking"
    worker = file_of(seeker)
    if worker is not None and referral.file_employer_before is not None \
            and worker.employer == vacancy.employer.name:
        worker.employer = referral.file_employer_before
        worker.employer_nature = referral.file_nature_before
    referral.state, referral.decided_on = "interviewed", None
    referral.start_date = referral.wage = None
    referral.file_employer_before = referral.file_nature_before = None
    referral.times_undone = (referral.times_undone or 0) + 1
    referral.undo_reason = reason


WORKFLOW = Workflow("referral", (
    Step("interview", _l("Record the interview"), ("referred",), "U", _interview,
         _l("Interview recorded."), _l("Only an assistance officer can record referrals."),
         (Field("interviewed_on", _l("Interviewed on"), kind="date", required=True),)),
    Step("hire", _l("Hired"), ("referred", "interviewed"), "U", _hire, _l("Placement recorded."),
         _l("Only an assistance officer can record referrals."),
         (Field("start_date", _l("Starts work on"), kind="day", required=True),
          Field("wage", _l("Monthly wage (yuan)"), kind="amount", required=True)),
         style="success"),
    Step("not_hired", _l("Not hired"), ("referred", "interviewed"), "U", _not_hired,
         _l("Referral closed: not hired."), _l("Only an assistance officer can record referrals."),
         style="secondary"),
    Step("no_show", _l("Did not show up"), ("referred",), "U", _no_show,
         _l("Referral closed: did not show up."),
         _l("Only an assistance officer can record referrals."), style="secondary"),
    Step("undo_hire", _l("Undo the placement"), ("hired",), "U", _undo_hire,
         _l("Placement undone; the place is free again."),
         _l("Only an assistance officer can record referrals."),
         (Field("reason", _l("Why the placement is undone"), required=True),), style="warning"),
), wrong_state=lambda referral: _("Referral %(what)s is %(state)s; this step is not possible now.",
                                  what=str(referral),
                                  state=REFERRAL_STATES.get(referral.state, referral.state)))

interview, hire, not_hired, no_show, undo_hire = (
    WORKFLOW.runner(n) for n in ("interview", "hire", "not_hired", "no_show", "undo_hire"))

REFERRAL_GUARDS = Guards(
    edit=unless(lambda r: r.state == "referred", _l("Only a new referral can be edited.")),
    delete=unless(lambda r: r.state == "referred",
                  _l("Only a referral with no outcome yet can be deleted.")))
SEEKER_GUARDS = Guards(
    delete=unless(lambda s: not s.referrals, _l("A job seeker with referrals cannot be deleted.")),
    deletes_refused=lambda seekers: ids_used_by(Referral.seeker_id, seekers))
VACANCY_GUARDS = Guards(
    delete=unless(lambda v: not v.referrals, _l("A vacancy with referrals cannot be deleted.")),
    deletes_refused=lambda vacancies: ids_used_by(Referral.vacancy_id, vacancies))


def vacancy_differences() -> list[tuple[str, int, int]]:
    """Return ``(what, shown, counted)`` for vacancies whose places taken are not their hires,
    and the count of seekers placed against the hires that placed them."""
    hires = dict(db.session.execute(
        select(Referral.vacancy_id, func.count()).where(Referral.state == "hired")
        .group_by(Referral.vacancy_id)).all())
    wrong = [(_("Places taken in vacancy %(title)s", title=vacancy.title),
              vacancy.places_taken, hires.get(vacancy.id, 0))
             for vacancy in db.session.scalars(select(Vacancy).order_by(Vacancy.id))
             if vacancy.places_taken != hires.get(vacancy.id, 0)]
    placed = db.session.scalar(select(func.count()).select_from(JobSeeker)
                               .where(JobSeeker.state == "placed"))
    hired = db.session.scalar(select(func.count(func.distinct(Referral.seeker_id)))
                              .where(Referral.state == "hired"))
    if placed != hired:
        wrong.append((_("Job seekers placed"), placed, hired))
    return wrong
