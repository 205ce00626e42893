"""Job seekers in Excel: the export of the list, and the import of a job-fair sign-up sheet.

A sign-up sheet (招聘会求职登记表) has one row per person: name, ID number, phone,
education, job types wanted (up to three, labels or codes), wage wanted, willing to work
away (是/否), skills; a registration day may be given (the fair's), else today. The ID
number is required: it is what finds the person again and what the 4050 mark is read
from. A number that stands in a hardship file the user sees makes the seeker that
worker (the name checked against the file, as ``worker_rows`` does for other lists);
any other number makes the seeker a service-desk person, found again by the number or
made new (``person_rules.find_or_make``, which links a person to a file their number
stands in). The marks are derived by ``employment_checks.register``, the form's rule.

Someone already registered and seeking work is refused, not updated: a sheet is
uploaded twice more often than it is meant to change a registration, and the seeker's
record may have been edited at the desk since. All rows or none (``RowImporter``).

The export writes the ID number and phone under the keys ``person.id_number`` and
``person.phone``, the seeker view's ``identity_columns``: a role that sees people's
numbers masked gets them masked here too (``portal.excel.specs.masked``).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from models.base import DomainError, today
from models.employment import EDUCATION, JOB_TYPES, JobSeeker
from models.employment_checks import register
from models.idnumber import InvalidIdNumber, make_id_number, normalize_id_number
from models.person import Person
from models.person_rules import find_or_make
from models.worker import Worker
from portal.excel.record_import import CREATED, RowError, RowImporter
from portal.excel.spec import Column, Spec, columns_of
from portal.excel.worker_rows import WorkerRows, same_name

NUMBER, PHONE = "person.id_number", "person.phone"
IMPORTED = ["education", "desired_job_types", "desired_wage", "willing_to_travel", "skills",
            "registered_on"]
EXPORTED = ["availability", "is_4050", "has_file", "is_migrant", "state"]
# Fields the rules name, as the sheet's columns.
FIELDS = {"phone": PHONE, "id_number": NUMBER, "worker": NUMBER, "person": NUMBER,
          "registered_on": "registered_on", "desired_wage": "desired_wage", "name": "name"}


def _holder(worker_column, person_column):
    """Return the seeker's holder's value: the file's, else the desk person's."""
    return func.coalesce(
        select(worker_column).where(Worker.id == JobSeeker.worker_id).scalar_subquery(),
        select(person_column).where(Person.id == JobSeeker.person_id).scalar_subquery())


def spec() -> Spec:
    """Return the spec of job seekers: the sign-up sheet's columns, then the derived ones."""
    out = {"export_only": True, "required": False}
    columns = [
        Column("id", _l("No."), kind="int", expr=JobSeeker.id, export_only=True),
        Column("name", _l("Name"), required=True, expr=JobSeeker.name, width=10),
        Column(NUMBER, _l("ID number"), required=True, width=21,
               expr=_holder(Worker.id_number, Person.id_number)),
        Column(PHONE, _l("Phone"), width=14, expr=_holder(Worker.phone, Person.phone)),
        *columns_of(JobSeeker, IMPORTED, desired_job_types={"limit": 3, "width": 20},
                    skills={"width": 30}, willing_to_travel={"required": False},
                    registered_on={"required": False}),
        *columns_of(JobSeeker, EXPORTED, **{key: out for key in EXPORTED}),
    ]
    examples = {"name": "刘秀英", NUMBER: make_id_number("370102", dt.date(1982, 4, 9), 22),
                PHONE: "13905310022", "education": str(EDUCATION["junior"]),
                "desired_job_types": str(JOB_TYPES["cleaning"]),
                "desired_wage": Decimal("2500.00"), "willing_to_travel": "否",
                "skills": "保洁员培训结业", "registered_on": dt.date(2026, 3, 15)}
    return Spec("jobseeker", JobSeeker, _l("Job seekers"), columns,
                importer=SeekerImporter(), extra={"examples": examples})


class SeekerImporter(RowImporter):
    """Each row of a sign-up sheet registers a seeker: a worker on file or a desk person."""

    key = (NUMBER,)

    def prepare(self, rows: list[dict], spec) -> None:
        """Load the files the sheet's ID numbers name, among those the user may see."""
        self.workers = WorkerRows(NUMBER, "name")
        self.workers.load(rows)

    def apply(self, row: dict, user) -> str:
        """Register the row's seeker; refuse it naming the column it is about."""
        try:
            number = normalize_id_number(row.get(NUMBER) or "")
        except InvalidIdNumber as exc:
            raise RowError(NUMBER, exc) from None
        name = row["name"]
        worker = self.workers.workers.get(number)
        if worker is not None:
            self.workers.find(row)  # the name checked against the file
            seeker = JobSeeker(worker=worker)
        else:
            try:
                person = find_or_make(row.get(PHONE) or "", name, number)
            except DomainError as exc:
                raise RowError(FIELDS.get(exc.field, NUMBER), exc) from None
            if not same_name(name, person.name):
                raise RowError("name", _(
                    "This ID number is registered to %(name)s; check the ID number.",
                    name=person.name))
            seeker = JobSeeker(person=person)
        day = row.get("registered_on") or today()
        seeker.registered_on = day
        seeker.education = row.get("education")
        seeker.desired_job_types = row.get("desired_job_types") or []
        seeker.desired_wage = row.get("desired_wage")
        seeker.willing_to_travel = bool(row.get("willing_to_travel"))
        seeker.skills = row.get("skills") or ""
        seeker.availability, seeker.state = "now", "seeking"
        try:
            register(seeker, user)
        except DomainError as exc:
            raise RowError(FIELDS.get(exc.field, NUMBER), exc) from None
        return CREATED
