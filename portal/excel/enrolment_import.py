"""Import training enrolments row by row through the training rules.

A row names its class (by name, and by start date when several classes share the
name) and a worker on file (by ID number, the name checked against the file). A new
row enrols through ``enrol`` (open class, a place held, once per class), then moves to
completed or dropped and records the follow-up, in that order, as the forms do; a row
for an enrolment already on record updates it, its state moving only forward.
"""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from models import Enrolment, TrainingClass, Worker, db
from models.base import DomainError
from models.choices import ENROLMENT_STATES, TRAINING_OUTCOMES
from models.idnumber import make_id_number
from models.training_rules import check_follow_up, complete, drop, enrol
from models.unit_scope import scope
from portal.excel.record_import import CREATED, UNCHANGED, UPDATED, RowError, RowImporter
from portal.excel.spec import Column, Spec, columns_of
from portal.excel.worker_rows import WorkerRows

ENROLMENT_KEYS = ["state", "enrolled_on", "completed_on", "dropped_on", "attendance_rate",
                  "certificate_no", "outcome", "employer", "outcome_on", "monthly_income",
                  "followed_up_on"]
FOLLOW_UP = ("attendance_rate", "certificate_no", "outcome", "employer", "outcome_on",
             "monthly_income", "followed_up_on")
TEXT = ("certificate_no", "employer")
MOVES = {"completed": complete, "dropped": drop}
STATE_DATES = (("enrolled", "enrolled_on"), ("completed", "completed_on"),
               ("dropped", "dropped_on"))
# The column showing each model field a refusal of the training rules names.
FIELD_COLUMNS = {"class_id": "class_name", "worker_id": "id_number"}


def _scalar(column, where):
    """Return a correlated scalar subquery: explicit specs are exported without joins."""
    return select(column).where(where).scalar_subquery()


def spec() -> Spec:
    """Return the spec of enrolments: class and worker by name, date and ID number."""
    of_class = TrainingClass.id == Enrolment.class_id
    of_worker = Worker.id == Enrolment.worker_id
    info_class, info_worker = TrainingClass.__table__.c, Worker.__table__.c
    columns = [
        Column("class_name", info_class.name.info["label"], required=True, width=28,
               expr=_scalar(TrainingClass.name, of_class)),
        Column("class_start_date", info_class.start_date.info["label"], kind="date",
               expr=_scalar(TrainingClass.start_date, of_class), width=12),
        Column("worker_name", _l("Worker name"), expr=_scalar(Worker.name, of_worker),
               width=10),
        Column("id_number", info_worker.id_number.info["label"], required=True, width=21,
               expr=_scalar(Worker.id_number, of_worker)),
    ] + columns_of(Enrolment, ENROLMENT_KEYS, attendance_rate={"kind": "number"},
                   employer={"width": 24})
    examples = {
        "class_name": "2026年第一期电焊工培训班", "class_start_date": dt.date(2026, 3, 2),
        "worker_name": "张建国",
        "id_number": make_id_number("370102", dt.date(1980, 5, 17), 11),
        "state": str(ENROLMENT_STATES["completed"]), "enrolled_on": dt.date(2026, 2, 20),
        "completed_on": dt.date(2026, 4, 30), "dropped_on": None, "attendance_rate": 95,
        "certificate_no": "HG2026-0012", "outcome": str(TRAINING_OUTCOMES["reemployed"]),
        "employer": "济南重工机械厂", "outcome_on": dt.date(2026, 5, 18),
        "followed_up_on": dt.date(2026, 6, 15)}
    return Spec("enrolment", Enrolment, _l("Enrolments"), columns,
                importer=EnrolmentImporter(), extra={"examples": examples})


@contextmanager
def _refused_at(column: str):
    """Turn a rule's refusal into a RowError naming the column it is about."""
    try:
        yield
    except RowError:
        raise
    except DomainError as exc:
        field = FIELD_COLUMNS.get(exc.field, exc.field)
        raise RowError(field or column, exc) from None


class EnrolmentImporter(RowImporter):
    """Enrol, move and follow up trainees from a sheet, each row through the rules."""

    # Rows are told apart by the class and worker they resolve to (see ``apply``), not by
    # the raw cells: the start date may be blank and an ID number typed in lower case.
    key = ()

    def prepare(self, rows: list[dict], spec) -> None:
        """Load the classes named and the workers numbered in the file."""
        self.seen: dict[tuple[int, int], int] = {}
        names = {row["class_name"] for row in rows if row.get("class_name")}
        self.classes: dict[str, list[TrainingClass]] = {}
        for klass in db.session.scalars(scope(select(TrainingClass).where(
                TrainingClass.name.in_(names)), TrainingClass).order_by(
                    TrainingClass.start_date)):
            self.classes.setdefault(klass.name, []).append(klass)
        self.workers = WorkerRows("id_number", "worker_name")
        self.workers.load(rows)

    def apply(self, row: dict, user) -> str:
        """Enrol a new trainee or update the enrolment on record; refuse with the column."""
        klass, worker = self._class(row), self.workers.find(row)
        pair = (klass.id, worker.id)
        if pair in self.seen:
            raise RowError("id_number", _("Same class and worker as row %(row)d.",
                                          row=self.seen[pair]))
        self.seen[pair] = row["_row"]
        record = db.session.scalar(select(Enrolment).where(
            Enrolment.class_id == klass.id, Enrolment.worker_id == worker.id))
        if record is None:
            # By id, not object: a refused row must not linger in the class's collection.
            record = Enrolment(class_id=klass.id, worker=worker)
            if row.get("enrolled_on"):
                record.enrolled_on = row["enrolled_on"]
            with _refused_at("class_name"):
                enrol(record, user)
            self._move(row, record, user, created=True)
            return CREATED
        before = {key: getattr(record, key) for key in ENROLMENT_KEYS}
        self._move(row, record, user, created=False)
        changed = any(getattr(record, key) != before[key] for key in ENROLMENT_KEYS)
        return UPDATED if changed else UNCHANGED

    def _class(self, row: dict) -> TrainingClass:
        name, start = row.get("class_name"), row.get("class_start_date")
        found = self.classes.get(name or "", [])
        if not found:
            raise RowError("class_name", _("No training class is named %(name)s.", name=name))
        if start is not None:
            found = [k for k in found if k.start_date == start]
            if not found:
                raise RowError("class_start_date", _(
                    "No class named %(name)s starts on %(date)s.", name=name,
                    date=start.isoformat()))
        if len(found) > 1:
            raise RowError("class_start_date", _(
                "Several classes are named %(name)s (starting on %(dates)s); give the class "
                "start date to tell which.", name=name,
                dates="、".join(k.start_date.isoformat() for k in found)))
        return found[0]

    def _move(self, row: dict, record: Enrolment, user, created: bool) -> None:
        """Move the state, set its dates, then record the follow-up, in that order."""
        target, moved = row.get("state"), None
        if target is not None and target != record.state:
            if target == "enrolled":
                raise RowError("state", _(
                    "An enrolment moves only from enrolled to completed or dropped out."))
            with _refused_at("state"):
                MOVES[target](record, user)
            moved = target
        self._dates(row, record, created, moved)
        before = {key: getattr(record, key) for key in FOLLOW_UP}
        for key in FOLLOW_UP:
            if key in row:
                value = row[key]
                setattr(record, key, "" if value is None and key in TEXT else value)
        if created or moved or any(getattr(record, k) != before[k] for k in FOLLOW_UP):
            with _refused_at("outcome"):
                check_follow_up(record)

    def _dates(self, row: dict, record: Enrolment, created: bool, moved: str | None) -> None:
        """Take the dates of a move made now; a date already recorded stays as it is."""
        for state, key in STATE_DATES:
            value = row.get(key)
            if value is None or value == getattr(record, key):
                continue
            if state != "enrolled" and record.state != state:
                raise RowError(key, _("Only a trainee whose state is %(state)s has this date.",
                                      state=ENROLMENT_STATES[state]))
            if (state == "enrolled" and not created) or (state != "enrolled"
                                                         and moved != state):
                raise RowError(key, _(
                    "This date was recorded when the state changed; an import cannot "
                    "change it."))
            if state != "enrolled" and value < record.enrolled_on:
                raise RowError(key, _("Cannot be before the enrolment date (%(date)s); give "
                                      "the enrolment date if it is missing.",
                                      date=record.enrolled_on.isoformat()))
            setattr(record, key, value)
