"""Vacancies in Excel: the export of the list, and the import of an employer's vacancy list.

A vacancy list (用工信息表) has one row per vacancy: the employer's unified social credit
code, title, job type, places, wage from/to, requirements, location, kind (普通岗位,
公益性岗位, 外出务工: labels or codes), destination, open from/to. The employer is found by
its code among those the user sees. An employer not yet registered is registered from the
row when the row gives its name (and, if it likes, contact and phone): an employer's list
is often the first the centre hears of it, and its code is checked as the form checks it
(``employment_checks.check_employer``); a row with an unknown code and no name is refused.
A row naming a registered code under another name is refused (a typo in the code would
otherwise file the jobs under the wrong employer).

Each row goes through the form's own check (``check_vacancy``); a vacancy already on
record that is not closed (same employer, title and opening day) is refused, so a list
uploaded twice files nothing twice. All rows or none (``RowImporter``); the audit
listener records each employer and vacancy made, the importer the upload.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from models.base import DomainError, db, today
from models.employment import JOB_TYPES, VACANCY_KINDS, Employer, Vacancy
from models.employment_checks import check_employer, check_vacancy
from models.legal_case_rules import clean_credit_code
from models.unit_scope import may_see
from portal.excel.record_import import CREATED, RowError, RowImporter
from portal.excel.spec import Column, Spec, columns_of
from portal.excel.worker_rows import same_name

IMPORTED = ["title", "job_type", "places", "wage_min", "wage_max", "requirements",
            "location", "kind", "destination", "open_from", "open_to"]
EXPORTED = ["places_taken", "state"]
# The vacancy's fields a refusal of check_vacancy names, as spec keys.
FIELDS = {"places": "places", "wage_max": "wage_max", "open_to": "open_to",
          "destination": "destination"}


def _scalar(column, where):
    """Return a correlated scalar subquery: explicit specs are exported without joins."""
    return select(column).where(where).scalar_subquery()


def spec() -> Spec:
    """Return the spec of vacancies: the employer's columns, the list's, then the state."""
    employer = Employer.id == Vacancy.employer_id
    out = {"export_only": True, "required": False}
    columns = [
        Column("id", _l("No."), kind="int", expr=Vacancy.id, export_only=True),
        Column("employer.name", _l("Employer name"), expr=_scalar(Employer.name, employer),
               width=24),
        Column("employer.credit_code", _l("Unified social credit code"), required=True,
               expr=_scalar(Employer.credit_code, employer), width=21),
        Column("employer.contact", _l("Contact person"), width=10,
               expr=_scalar(Employer.contact, employer)),
        Column("employer.phone", _l("Phone"), width=14, expr=_scalar(Employer.phone, employer)),
        *columns_of(Vacancy, IMPORTED, title={"width": 16}, places={"required": True},
                    kind={"required": False}, open_from={"required": False},
                    requirements={"width": 30}, location={"width": 16}),
        *columns_of(Vacancy, EXPORTED, **{key: out for key in EXPORTED}),
    ]
    examples = {"employer.name": "济南鲁信物业服务有限公司",
                "employer.credit_code": "91370102MA3C4XKJ1D", "employer.contact": "王经理",
                "employer.phone": "0531-88990011", "title": "保洁员",
                "job_type": str(JOB_TYPES["cleaning"]), "places": 3,
                "wage_min": Decimal("2200.00"), "wage_max": Decimal("2800.00"),
                "requirements": "身体健康，55岁以下", "location": "历下区",
                "kind": str(VACANCY_KINDS["ordinary"]), "destination": "",
                "open_from": dt.date(2026, 3, 1), "open_to": dt.date(2026, 4, 30)}
    return Spec("vacancy", Vacancy, _l("Vacancies"), columns, importer=VacancyImporter(),
                extra={"examples": examples})


class VacancyImporter(RowImporter):
    """Each row of an employer's list becomes an open vacancy, through the form's check."""

    key = ("employer.credit_code", "title", "open_from")

    def apply(self, row: dict, user) -> str:
        """File the row's vacancy; refuse it naming the column it is about."""
        employer = self._employer(row)
        vacancy = Vacancy(employer=employer, title=row["title"], job_type=row["job_type"],
                          kind=row.get("kind") or "ordinary", places=row["places"],
                          places_taken=0, destination=row.get("destination") or "",
                          wage_min=row.get("wage_min"), wage_max=row.get("wage_max"),
                          requirements=row.get("requirements") or "",
                          location=row.get("location") or "",
                          open_from=row.get("open_from") or today(),
                          open_to=row.get("open_to"), state="open")
        with db.session.no_autoflush:  # the new vacancy is added once it passed
            self._refuse_twice(vacancy, employer)
            try:
                check_vacancy(vacancy)
            except DomainError as exc:
                raise RowError(FIELDS.get(exc.field, "places"), exc) from None
        db.session.add(vacancy)
        return CREATED

    @staticmethod
    def _refuse_twice(vacancy: Vacancy, employer: Employer) -> None:
        """Refuse a vacancy on record and not closed: same employer, title, opening day."""
        if employer.id is None:
            return
        earlier = db.session.scalar(select(Vacancy.id).where(
            Vacancy.employer_id == employer.id, Vacancy.title == vacancy.title,
            Vacancy.open_from == vacancy.open_from, Vacancy.state != "closed"))
        if earlier:
            raise RowError("title", _(
                "This vacancy is already on record (vacancy #%(id)d).", id=earlier))

    @staticmethod
    def _employer(row: dict) -> Employer:
        """Return the employer the row's code names, registering it from the row if new."""
        try:
            code = clean_credit_code(row.get("employer.credit_code"))
        except DomainError as exc:
            raise RowError("employer.credit_code", exc) from None
        if code is None:
            raise RowError("employer.credit_code", _("Required."))
        name = (row.get("employer.name") or "").strip()
        employer = db.session.scalar(select(Employer).where(Employer.credit_code == code))
        if employer is not None:
            if not may_see(employer):
                raise RowError("employer.credit_code", _(
                    "This unified social credit code is registered by another unit."))
            if name and not same_name(name, employer.name):
                raise RowError("employer.name", _(
                    "The employer with this unified social credit code is registered as "
                    "%(name)s; check the code.", name=employer.name))
            return employer
        if not name:
            raise RowError("employer.credit_code", _(
                "No employer is registered with this unified social credit code; give the "
                "employer's name to register it."))
        employer = Employer(name=name[:100], credit_code=code, is_base=False,
                            contact=(row.get("employer.contact") or "")[:32],
                            phone=(row.get("employer.phone") or "")[:20])
        try:
            check_employer(employer)
        except DomainError as exc:
            raise RowError("employer.credit_code", exc) from None
        db.session.add(employer)
        return employer
