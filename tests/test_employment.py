"""Employment services (issue 19): seekers and their marks, employers, vacancies, referrals."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from models import db
from models.base import DomainError
from models.employment import JobSeeker, Referral, Vacancy
from models.employment_checks import check_employer, check_vacancy, is_4050
from models.employment_rules import hire, interview, no_show, not_hired, undo_hire
from models.idnumber import make_id_number
from tests.factories import make_worker, user
from tests.factories_desk import make_person
from tests.factories_employment import (
    make_employer,
    make_referral,
    make_seeker,
    make_vacancy,
)

ON = dt.date(2026, 3, 1)


def _number(born, male):
    return make_id_number("370102", born, 11 if male else 12)


# --- 4050 at the boundary birthdays ----------------------------------------------------------
@pytest.mark.parametrize("born,male,expected", [
    (dt.date(1986, 3, 1), False, True),    # a woman 40 on the day
    (dt.date(1986, 3, 2), False, False),   # a woman 40 the day after
    (dt.date(1976, 3, 1), True, True),     # a man 50 on the day
    (dt.date(1976, 3, 2), True, False),    # a man 50 the day after
    (dt.date(1980, 1, 1), True, False),    # a man of 46
    (dt.date(1980, 1, 1), False, True),    # a woman of 46
])
def test_4050_boundaries(born, male, expected):
    assert is_4050(_number(born, male), ON) is expected


def test_4050_born_on_29_february():
    """A woman born 29 Feb 1984: not yet 40 on 28 Feb 2024, 40 on 29 Feb 2024."""
    number = _number(dt.date(1984, 2, 29), False)
    assert is_4050(number, dt.date(2024, 2, 28)) is False
    assert is_4050(number, dt.date(2024, 2, 29)) is True


def test_marks_are_stored_and_filterable(app):
    with app.app_context():
        woman = make_worker(id_number=_number(dt.date(1985, 6, 1), False), category="migrant")
        young = make_worker(id_number=_number(dt.date(1995, 6, 1), True))
        walk_in = make_person(id_number=_number(dt.date(1970, 1, 1), True), is_migrant=False)
        a, b, c = make_seeker(worker=woman), make_seeker(worker=young), make_seeker(person=walk_in)
        assert (a.is_4050, a.has_file, a.is_migrant) == (True, True, True)
        assert (b.is_4050, b.has_file, b.is_migrant) == (False, True, False)
        assert (c.is_4050, c.has_file, c.is_migrant) == (True, False, False)
        assert c.name == walk_in.name
        ids = set(db.session.scalars(select(JobSeeker.id).where(JobSeeker.is_4050)))
        assert ids == {a.id, c.id}


def test_a_desk_person_linked_to_a_file_counts_as_holding_one(app):
    with app.app_context():
        worker = make_worker()
        person = make_person(worker_id=worker.id)
        assert make_seeker(person=person).has_file is True


def test_seeker_needs_exactly_one_holder(app):
    with app.app_context():
        with pytest.raises(DomainError, match="在档职工|服务对象"):
            make_seeker(worker=make_worker(), person=make_person())
        worker = make_worker()
        make_seeker(worker=worker)
        with pytest.raises(DomainError):
            make_seeker(worker=worker)  # already seeking


# --- employers and vacancies -----------------------------------------------------------------
def test_employer_credit_code_checked(app):
    with app.app_context():
        employer = make_employer(commit=False, credit_code="91110000600037341X")
        with pytest.raises(DomainError, match="统一社会信用代码"):
            check_employer(employer)
        employer.credit_code = " 91110000600037341l "
        check_employer(employer)
        assert employer.credit_code == "91110000600037341L"
        employer.is_base = True
        with pytest.raises(DomainError):
            check_employer(employer)


def test_vacancy_rules(app):
    with app.app_context():
        vacancy = make_vacancy(commit=False, kind="labour_export", destination="")
        with pytest.raises(DomainError):
            check_vacancy(vacancy)
        vacancy.destination, vacancy.wage_max = "江苏昆山", Decimal("100")
        with pytest.raises(DomainError):
            check_vacancy(vacancy)


# --- referrals and placements --------------------------------------------------------------
def test_hire_takes_a_place_places_the_seeker_and_writes_the_file(app):
    with app.app_context():
        worker = make_worker(employer="原第一机床厂", employer_nature="state")
        vacancy = make_vacancy(places=1)
        referral = make_referral("interviewed", seeker=make_seeker(worker=worker),
                                 vacancy=vacancy)
        hire(referral, user("staff"), "2026-03-20", "2600.50")
        db.session.commit()
        db.session.expire_all()
        referral = db.session.get(Referral, referral.id)
        assert referral.state == "hired" and referral.wage == Decimal("2600.50")
        assert referral.start_date == dt.date(2026, 3, 20)
        assert referral.seeker.state == "placed"
        assert referral.vacancy.places_taken == 1 and referral.vacancy.state == "filled"
        assert worker.employer == vacancy.employer.name and worker.employer_nature == "private"


def test_undo_gives_everything_back_and_keeps_the_referral(app):
    with app.app_context():
        worker = make_worker(employer="原第一机床厂", employer_nature="state")
        vacancy = make_vacancy(places=1)
        referral = make_referral("hired", seeker=make_seeker(worker=worker), vacancy=vacancy)
        with pytest.raises(DomainError):
            undo_hire(referral, user("staff"), "")
        undo_hire(referral, user("staff"), "试用期未满即离职")
        db.session.commit()
        db.session.expire_all()
        referral = db.session.get(Referral, referral.id)
        assert referral.state == "interviewed" and referral.times_undone == 1
        assert referral.start_date is None and referral.wage is None
        assert referral.seeker.state == "seeking"
        assert referral.vacancy.places_taken == 0 and referral.vacancy.state == "open"
        assert (worker.employer, worker.employer_nature) == ("原第一机床厂", "state")


def test_wrong_states_are_refused_in_chinese(app):
    with app.app_context():
        staff = user("staff")
        referral = make_referral("no_show")
        for step in (interview, no_show):
            with pytest.raises(DomainError, match="不能"):
                step(referral, staff, *([""] if step is interview else []))
        with pytest.raises(DomainError, match="不能"):
            hire(referral, staff, "2026-03-10", "2500")
        with pytest.raises(DomainError, match="不能"):
            undo_hire(make_referral("referred"), staff, "x")


def test_manager_may_not_take_steps(app):
    with app.app_context():
        referral = make_referral("referred")
        with pytest.raises(DomainError):
            not_hired(referral, user("manager"))


def test_a_full_vacancy_refuses_the_next_hire(app):
    with app.app_context():
        staff, vacancy = user("staff"), make_vacancy(places=1)
        first, second = make_referral(vacancy=vacancy), make_referral(vacancy=vacancy)
        hire(first, staff, "2026-03-10", "2500")
        db.session.commit()
        with pytest.raises(DomainError, match="空缺|岗位"):
            hire(second, staff, "2026-03-10", "2500")
        db.session.rollback()
        assert db.session.get(Vacancy, vacancy.id).places_taken == 1


def test_a_placed_seeker_cannot_be_hired_twice(app):
    with app.app_context():
        staff, seeker = user("staff"), make_seeker()
        first, second = make_referral(seeker=seeker), make_referral(seeker=seeker)
        hire(first, staff, "2026-03-10", "2500")
        db.session.commit()
        with pytest.raises(DomainError):
            hire(second, staff, "2026-03-10", "2500")


def test_referral_once_per_vacancy_and_only_when_seeking(app):
    with app.app_context():
        seeker, vacancy = make_seeker(), make_vacancy()
        make_referral(seeker=seeker, vacancy=vacancy)
        with pytest.raises(DomainError):
            make_referral(seeker=seeker, vacancy=vacancy)
        db.session.rollback()
        closed = make_vacancy(state="closed")
        with pytest.raises(DomainError):
            make_referral(seeker=seeker, vacancy=closed)


def test_bad_wage_is_refused(app):
    with app.app_context():
        referral = make_referral()
        for wage in ("", "-1", "abc", "12.345"):
            with pytest.raises(DomainError):
                hire(referral, user("staff"), "2026-03-10", wage)
        with pytest.raises(DomainError):
            hire(referral, user("staff"), "2026-02-01", "2500")  # before the referral


# --- matching ----------------------------------------------------------------------------------
def test_matching_ranks_with_reasons(app):
    from models.employment_match import seekers_for, vacancies_for
    from tests.factories_training import make_class, make_enrolment
    with app.app_context():
        welder = make_worker(id_number=_number(dt.date(1970, 1, 1), True))  # 4050
        make_enrolment(klass=make_class(state="running", category="welding"), worker=welder,
                       state="completed")
        both = make_seeker(worker=welder, desired_job_types=["welding"],
                           desired_wage=Decimal("3000"))
        wants = make_seeker(desired_job_types=["welding", "cleaning"],
                            desired_wage=Decimal("9000"))
        walk_in = make_seeker(person=make_person(), desired_job_types=["welding"])
        make_seeker(desired_job_types=["cleaning"])                       # no fit
        vacancy = make_vacancy(job_type="welding", wage_max=Decimal("4000"))
        matches = seekers_for(vacancy)
        assert [m.record.id for m in matches] == [both.id, wants.id, walk_in.id]
        assert matches[0].reasons == ("wants_type", "trained", "is_4050", "has_file",
                                      "wage_fits")
        assert matches[0].score == 3 + 2 + 1 + 1 + 1
        assert matches[1].reasons == ("wants_type", "has_file")
        assert matches[2].reasons == ("wants_type", "wage_fits")
        make_referral(seeker=wants, vacancy=vacancy)
        assert wants.id not in [m.record.id for m in seekers_for(vacancy)]  # referred already
        other = make_vacancy(job_type="cleaning", kind="labour_export", destination="昆山")
        assert [m.record.id for m in vacancies_for(both)] == [vacancy.id]
        assert other.id not in [m.record.id for m in vacancies_for(wants)]  # not willing


def test_hire_of_a_desk_person_writes_their_linked_file(app):
    with app.app_context():
        worker = make_worker(employer="")
        seeker = make_seeker(person=make_person(worker_id=worker.id))
        make_referral("hired", seeker=seeker)
        db.session.expire_all()
        assert db.session.get(type(worker), worker.id).employer == "济南鲁信物业服务有限公司"


def test_verify_finds_places_that_disagree_with_hires(app):
    from models.employment_rules import vacancy_differences
    with app.app_context():
        referral = make_referral("hired")
        assert vacancy_differences() == []
        referral.vacancy.places_taken = 0
        db.session.commit()
        assert [(shown, counted) for _w, shown, counted in vacancy_differences()] == [(0, 1)]
