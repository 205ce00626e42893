"""The demo's employment desk: a living year, consistent with its own rules."""
from __future__ import annotations

from sqlalchemy import func, select

from models import db
from models.employment import Employer, JobSeeker, Referral, Vacancy
from models.report_employment import employment_figures
from seed.demo import AS_OF


def test_demo_has_a_year_of_employment(app, demo):
    with app.app_context():
        states = dict(db.session.execute(select(Referral.state, func.count())
                                         .group_by(Referral.state)).all())
        assert set(states) == {"referred", "interviewed", "hired", "not_hired", "no_show"}
        kinds = set(db.session.scalars(select(Vacancy.kind)))
        assert kinds == {"ordinary", "public_welfare", "labour_export"}
        assert db.session.scalar(select(func.count()).select_from(Employer)
                                 .where(Employer.is_base)) == 4
        # Places taken agree with the hires, and placed seekers with their hires.
        for vacancy in db.session.scalars(select(Vacancy)):
            hired = sum(1 for r in vacancy.referrals if r.state == "hired")
            assert vacancy.places_taken == hired <= vacancy.places
        placed = db.session.scalar(select(func.count()).select_from(JobSeeker)
                                   .where(JobSeeker.state == "placed"))
        assert placed == states["hired"]
        figures = employment_figures(AS_OF.year)
        assert figures["new_bases"] == 4 and figures["reemployment"]["people"] > placed // 2
        assert figures["seekers_4050"] > 0 and figures["public_welfare"] == 2
