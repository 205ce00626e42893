"""Desk cases in Excel: the export of cases, and the import of a hotline log (来电登记).

The export has the case's fields, the person's name, phone and ID number, and how the
case is handled; a role that sees phones and ID numbers masked gets them masked here too
(``portal.excel.specs.masked``, under the view's ``identity_columns`` keys).

A hotline log has one row per call: date (or date and time), phone, name, case type,
summary. Each row becomes a case *received* by phone on the 12351 hotline, from the
person found again by phone (and name: ``models.person_rules.find_or_make``) or made
new, through the desk's own rule ``receive``. Its deadline runs from the day of the call.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from models.base import DomainError, db, to_local, today
from models.desk_choices import CASE_TYPES
from models.person import Person
from models.person_rules import clean_phone, find_or_make
from models.service_case import ServiceCase
from models.service_case_rules import deadline_days, receive
from models.user import User
from portal.excel.importer import parse_rows
from portal.excel.record_import import CREATED, RowError, RowImporter
from portal.excel.spec import Column, Spec, columns_of

EXPORTED = ["channel", "hotline", "head_count", "state", "handling_mode", "partner_unit",
            "deadline", "resolved_at", "result", "satisfaction"]


def _scalar(column, where):
    """Return a correlated scalar subquery: explicit specs are exported without joins."""
    return select(column).where(where).scalar_subquery()


def spec() -> Spec:
    """Return the spec of desk cases: the hotline log's columns first, then the rest."""
    person = Person.id == ServiceCase.person_id
    out = {"export_only": True, "required": False}
    columns = [
        Column("id", _l("No."), kind="int", expr=ServiceCase.id, export_only=True),
        Column("received_at", _l("Received at"), kind="datetime", required=True,
               expr=ServiceCase.received_at, width=17),
        # Keys as the view's identity_columns name them: masked for a role that reads masked.
        Column("person.phone", _l("Phone"), expr=_scalar(Person.phone, person), width=14),
        Column("person.name", _l("Name"), expr=_scalar(Person.name, person), width=10),
        *columns_of(ServiceCase, ["case_type"], case_type={"required": True}),
        Column("summary", _l("Summary"), expr=ServiceCase.summary, width=40),
        Column("person.id_number", _l("ID number"), expr=_scalar(Person.id_number, person),
               export_only=True, width=21),
        Column("person.is_migrant", _l("Migrant worker"), kind="bool",
               expr=_scalar(Person.is_migrant, person), export_only=True),
        *columns_of(ServiceCase, EXPORTED, **{key: out for key in EXPORTED}),
        Column("assignee", _l("Assignee"), export_only=True, width=10,
               expr=_scalar(User.full_name, User.id == ServiceCase.assignee_id)),
    ]
    examples = {"received_at": dt.datetime(2026, 3, 2, 9, 30), "person.phone": "13705310001",
                "person.name": "赵大勇", "case_type": str(CASE_TYPES["wages"]),
                "summary": "工地拖欠三个月工资，约 2.4 万元"}
    return Spec("servicecase", ServiceCase, _l("Service desk cases"), columns,
                importer=HotlineLogImporter(), extra={"examples": examples})


class HotlineLogImporter(RowImporter):
    """Each row of a hotline log becomes a received case, from a returning or new caller."""

    def validate(self, book, spec, report, user=None):
        """Check every row's cells and its own rules, so one preview names every bad row;
        then, if none is bad, apply them all and roll back (``RowImporter.validate``)."""
        rows = parse_rows(book, spec, report, first=True) or []
        report.rows = len(rows)
        for row in rows:
            for key, message in self.problems(row):
                report.error(spec.title, row["_row"], spec.column(key).label, message)
        if report.ok:
            self._apply_all(rows, spec, report, user)
        db.session.rollback()
        return {"rows": rows, "spec": spec, "report": report}

    @staticmethod
    def problems(row: dict) -> list[tuple[str, str]]:
        """Return ``(column key, message)`` for what is wrong with the row by itself."""
        found = []
        received = row.get("received_at")
        if received is not None and to_local(received).date() > today():
            found.append(("received_at", _("The date of the call cannot be in the future.")))
        if not (row.get("person.phone") or row.get("person.name")):
            found.append(("person.phone", _("Give the caller's phone or name.")))
        else:
            try:
                clean_phone(row.get("person.phone"))
            except DomainError as exc:
                found.append(("person.phone", str(exc)))
        return found

    def apply(self, row: dict, user) -> str:
        for key, message in self.problems(row):
            raise RowError(key, message)
        received = row["received_at"]
        person = find_or_make(row.get("person.phone") or "", row.get("person.name") or "")
        case = ServiceCase(channel="call", hotline=True, case_type=row["case_type"],
                           summary=row.get("summary") or "", received_at=received)
        receive(case, person, user)
        # The log is written after the calls: the deadline runs from the day of the call.
        case.deadline = to_local(received).date() + dt.timedelta(
            days=deadline_days(case.case_type))
        return CREATED
