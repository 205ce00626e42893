"""The start page's employment panel: referrals to settle, seekers, open posts, 再就业人数."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from models.base import today
from models.employment import JobSeeker, Referral, Vacancy
from models.report_employment import reemployment
from models.unit_scope import visible_units
from views.dashboard_parts import Counted, Custom, Panel, Row, equals, page_url


def _reemployed(admin, user):
    """This year's 再就业人数 so far, each person once, linked to the year-end report."""
    figures = reemployment(today().year, visible_units(user))
    return [Row("reemployed", _l("People re-employed this year"), figures["people"],
                page_url(admin, "report", "index"),
                details=((_l("of whom 4050 people"), figures["is_4050"]),), info=True)]


def employment_panel():
    """Return the panel: each counted figure counts the list it links to."""
    staff, both = ("staff",), ("staff", "manager")
    return Panel("employment", _l("Employment services"), (
        Counted("referrals-referred", _l("Referred, awaiting interview"), staff, "referral",
                Referral, (equals(Referral.state, "referred"),)),
        Counted("referrals-interviewed", _l("Interviewed, awaiting a decision"), staff,
                "referral", Referral, (equals(Referral.state, "interviewed"),)),
        Counted("seekers-seeking", _l("Job seekers still seeking"), both, "jobseeker",
                JobSeeker, (equals(JobSeeker.state, "seeking"),), info=True),
        Counted("vacancies-open", _l("Open vacancies"), both, "vacancy", Vacancy,
                (equals(Vacancy.state, "open"),), info=True),
        Custom(("manager",), "report", _reemployed),
    ))
