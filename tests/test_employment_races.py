"""Races on PostgreSQL: vacancy places under concurrent hires, one seeker hired twice."""
from __future__ import annotations

from sqlalchemy import func, select

from models import db
from models.employment import JobSeeker, Referral, Vacancy
from models.employment_rules import hire
from tests.conftest import postgres_only
from tests.factories import user
from tests.factories_employment import make_referral, make_seeker, make_vacancy
from tests.races import race


def _hiring(referral_id):
    def prepare():
        staff, referral = user("staff"), db.session.get(Referral, referral_id)
        referral.seeker, referral.vacancy  # noqa: B018  (loaded, as the page would have)
        return lambda: hire(referral, staff, "2026-03-10", "2500")
    return prepare


@postgres_only
def test_ten_hires_for_three_places(app):
    """Ten hires at once into a vacancy of three places: three placed, seven refused."""
    with app.app_context():
        vacancy = make_vacancy(places=3)
        ids = [make_referral(vacancy=vacancy).id for _ in range(10)]
        vacancy_id = vacancy.id
    results = race(app, [_hiring(i) for i in ids])
    assert sorted(results) == ["DomainError"] * 7 + ["done"] * 3
    with app.app_context():
        vacancy = db.session.get(Vacancy, vacancy_id)
        hired = db.session.scalar(select(func.count()).select_from(Referral)
                                  .where(Referral.state == "hired"))
        placed = db.session.scalar(select(func.count()).select_from(JobSeeker)
                                   .where(JobSeeker.state == "placed"))
        assert vacancy.places_taken == hired == placed == 3
        assert vacancy.state == "filled"


@postgres_only
def test_one_seeker_hired_by_two_vacancies_at_once_is_placed_once(app):
    """Two hires of the same seeker race: the seeker row settles it, one place is taken."""
    with app.app_context():
        seeker = make_seeker()
        ids = [make_referral(seeker=seeker).id for _ in range(2)]
    results = race(app, [_hiring(i) for i in ids])
    assert results.count("done") == 1
    with app.app_context():
        taken = db.session.scalar(select(func.sum(Vacancy.places_taken)))
        assert taken == 1
