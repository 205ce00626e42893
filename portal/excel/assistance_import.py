"""Assistance in Excel: the export of records, and the import of a base union's list.

A list (帮扶申请名单) has one row per application: the worker's ID number (the file on
record it is for, the name checked against it), kind, year, campaign, cash, reason, and
the fields of its kind (student, school and level for 助学; the out-of-pocket cost for
医疗). Each row becomes an application through the form's own rule
(``assistance_rules.apply``: 先建档后帮扶, the kind's fields); a worker who already has an
open or granted record of the kind in the campaign (on record or earlier in the file) is
refused, so a list uploaded twice files nobody twice. All rows or none
(``RowImporter``); the audit listener records each one.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from models import Assistance, Fund, Worker, db
from models.assistance_rules import apply, other_grants
from models.base import DomainError, today
from models.choices import ASSISTANCE_KINDS, SCHOOL_LEVELS
from models.idnumber import make_id_number
from portal.excel.record_import import CREATED, RowError, RowImporter
from portal.excel.spec import Column, Spec, columns_of
from portal.excel.worker_rows import WorkerRows

IMPORTED = ["kind", "year", "campaign", "cash_amount", "reason", "student_name", "school",
            "school_level", "out_of_pocket"]
EXPORTED = ["goods", "goods_value", "state", "applied_at", "approved_at", "paid_at"]


def _scalar(column, where):
    """Return a correlated scalar subquery: explicit specs are exported without joins."""
    return select(column).where(where).scalar_subquery()


def spec() -> Spec:
    """Return the spec of assistance: the list's columns first, then the record's state."""
    worker = Worker.id == Assistance.worker_id
    out = {"export_only": True, "required": False}
    columns = [
        Column("id", _l("No."), kind="int", expr=Assistance.id, export_only=True),
        Column("worker.name", _l("Worker name"), expr=_scalar(Worker.name, worker), width=10),
        Column("worker.id_number", _l("ID number"), required=True, width=21,
               expr=_scalar(Worker.id_number, worker)),
        *columns_of(Assistance, IMPORTED, kind={"required": True},
                    year={"required": False}, campaign={"width": 20},
                    reason={"width": 30}, school={"width": 20}),
        Column("fund", _l("Paid from fund"), export_only=True, width=16,
               expr=_scalar(Fund.name, Fund.id == Assistance.fund_id)),
        *columns_of(Assistance, EXPORTED, **{key: out for key in EXPORTED}),
    ]
    examples = {"worker.name": "张建国",
                "worker.id_number": make_id_number("370102", dt.date(1980, 5, 17), 11),
                "kind": str(ASSISTANCE_KINDS["education"]), "year": 2026,
                "campaign": "2026年金秋助学", "cash_amount": Decimal("2000.00"),
                "reason": "子女考入大学，家庭困难", "student_name": "张一诺",
                "school": "山东大学", "school_level": str(SCHOOL_LEVELS["university"]),
                "out_of_pocket": None}
    return Spec("assistance", Assistance, _l("Assistance records"), columns,
                importer=AssistanceImporter(), extra={"examples": examples})


def _refused_column(record: Assistance) -> str:
    """Return the column a refusal of ``check_application`` is about (its checks' order)."""
    if record.worker.status != "active":
        return "worker.id_number"
    if record.kind == "education" and not (record.student_name and record.school
                                           and record.school_level):
        return next(key for key in ("student_name", "school", "school_level")
                    if not getattr(record, key))
    if record.kind == "medical" and not record.out_of_pocket:
        return "out_of_pocket"
    return "cash_amount"


class AssistanceImporter(RowImporter):
    """Each row of a base union's list becomes an application, through the form's rule."""

    def prepare(self, rows: list[dict], spec) -> None:
        """Load the files the list's ID numbers name, among those the user may see."""
        self.workers = WorkerRows("worker.id_number", "worker.name")
        self.workers.load(rows)

    def apply(self, row: dict, user) -> str:
        """File the row's application; refuse it naming the column it is about."""
        worker = self.workers.find(row)
        record = Assistance(worker=worker, worker_id=worker.id, kind=row["kind"],
                            year=row.get("year") or today().year,
                            campaign=row.get("campaign") or "", reason=row.get("reason") or "",
                            cash_amount=row.get("cash_amount") or Decimal("0"),
                            student_name=row.get("student_name") or "",
                            school=row.get("school") or "",
                            school_level=row.get("school_level"),
                            out_of_pocket=row.get("out_of_pocket") or Decimal("0"))
        record.drop_other_kinds_fields()
        earlier = other_grants(record)
        if earlier:
            raise RowError("kind", _(
                "%(name)s already has an open or granted record of this kind in this "
                "campaign (record #%(id)d).", name=worker.name, id=earlier[0].id))
        try:
            apply(record, user)
        except DomainError as exc:
            raise RowError(_refused_column(record), exc) from None
        db.session.add(record)
        return CREATED
