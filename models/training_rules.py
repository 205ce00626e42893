"""Training rules: places held under concurrent enrolment, enrolled → completed | dropped,
the outcome follow-up, and the completion and re-employment figures."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy import and_, case, exists, extract, func, select, update

from models.base import DomainError, db, today
from models.training import Enrolment, TrainingClass
from models.unit_scope import ALL, unit_clause

OPEN_CLASS_STATES = ("planned", "running")
CLASS_ORDER = ("planned", "running", "finished")
FOUND_WORK = ("reemployed", "business")

CONSTRAINT_MESSAGES = {
    "uq_enrolment_once_per_class": lambda: _("This worker is already enrolled in this class."),
    "enrolment.class_id, enrolment.worker_id": lambda: _(
        "This worker is already enrolled in this class."),
    "within_capacity": lambda: _("A class cannot hold more trainees than its places; the "
                                 "places cannot be cut below the trainees already enrolled."),
    "dates_in_order": lambda: _("The class cannot end before it starts."),
    "capacity_positive": lambda: _("A class needs at least one place."),
    "hours_positive": lambda: _("Give the class hours."),
}


def check_class(record: TrainingClass, old_state: str | None) -> None:
    """Refuse a class whose dates are reversed or whose state moves backwards."""
    if record.start_date and record.end_date and record.end_date < record.start_date:
        raise DomainError(_("The class cannot end before it starts."))
    if old_state and CLASS_ORDER.index(record.state) < CLASS_ORDER.index(old_state):
        raise DomainError(_("A class moves only forward: planned, running, finished."))


def _take_place(class_id: int) -> None:
    """Take one place by a guarded UPDATE: racing enrolments wait for each other, and the
    one that finds the class full is refused (the CHECK constraint backs it)."""
    taken = db.session.execute(
        update(TrainingClass).where(TrainingClass.id == class_id,
                                    TrainingClass.state.in_(OPEN_CLASS_STATES),
                                    TrainingClass.enrolled_count < TrainingClass.capacity)
        .values(enrolled_count=TrainingClass.enrolled_count + 1)
        .returning(TrainingClass.enrolled_count)
        .execution_options(synchronize_session=False)).scalar_one_or_none()
    klass = db.session.get(TrainingClass, class_id)
    if taken is not None:
        if klass is not None:
            db.session.expire(klass, ["enrolled_count"])
        return
    if klass is not None:
        db.session.refresh(klass, ["enrolled_count", "state", "capacity"])
    if klass is None or klass.state not in OPEN_CLASS_STATES:
        raise DomainError(_("Enrolment is open only for planned or running classes."),
                          field="class_id")
    raise DomainError(_("Class %(name)s is full (%(n)d places).", name=klass.name,
                        n=klass.capacity), field="class_id")


def _release_place(class_id: int) -> None:
    db.session.execute(
        update(TrainingClass).where(TrainingClass.id == class_id,
                                    TrainingClass.enrolled_count > 0)
        .values(enrolled_count=TrainingClass.enrolled_count - 1)
        .execution_options(synchronize_session=False))
    klass = db.session.get(TrainingClass, class_id)
    if klass is not None:
        db.session.expire(klass, ["enrolled_count"])


def enrol(record: Enrolment, user) -> None:
    """Enrol a worker on file in a class that has a place left, once per class."""
    with db.session.no_autoflush:  # the clear messages come before any constraint
        class_id = record.class_id or getattr(record.training_class, "id", None)
        if class_id is None:
            raise DomainError(_("Choose the class."))
        if record.worker is None or record.worker.status != "active":
            raise DomainError(_("Only workers whose file is on record can enrol."),
                              field="worker_id")
        twice = db.session.scalar(select(Enrolment.id).where(
            Enrolment.class_id == class_id, Enrolment.worker_id == record.worker.id,
            Enrolment.id != (record.id or 0)))
    if twice:
        raise DomainError(_("%(name)s is already enrolled in this class.",
                            name=record.worker.name))
    db.session.add(record)
    _take_place(class_id)
    record.state, record.enrolled_by_id = "enrolled", user.id
    record.enrolled_on = record.enrolled_on or today()


def _require_enrolled(record: Enrolment) -> None:
    if record.state != "enrolled":
        raise DomainError(_("Only enrolled trainees can complete or drop out."))


def complete(record: Enrolment, user) -> None:
    """Mark an enrolled trainee as having completed a class that has started."""
    _require_enrolled(record)
    if record.training_class.state == "planned":
        raise DomainError(_("The class has not started yet."))
    record.state, record.completed_on = "completed", today()


def drop(record: Enrolment, user) -> None:
    """Mark an enrolled trainee as dropped out; the place is free again."""
    _require_enrolled(record)
    _release_place(record.class_id)
    record.state, record.dropped_on = "dropped", today()


def remove(record: Enrolment) -> None:
    """Free the place of an enrolment about to be deleted."""
    if record.state != "dropped":
        _release_place(record.class_id)


def check_follow_up(record: Enrolment) -> None:
    """Refuse an outcome follow-up that is incomplete or comes before the trainee finished."""
    if record.attendance_rate is not None and not 0 <= record.attendance_rate <= 100:
        raise DomainError(_("The attendance rate is a percentage from 0 to 100."),
                          field="attendance_rate")
    if record.outcome is None:
        return
    if record.state != "completed":
        raise DomainError(_("Record the outcome once the trainee has completed the class."),
                          field="outcome")
    if record.outcome in FOUND_WORK:
        if not (record.employer or "").strip():
            raise DomainError(_("Give the new employer or the business."), field="employer")
        if record.outcome_on is None:
            raise DomainError(_("Give the date the trainee started work or the business."),
                              field="outcome_on")
        if record.outcome_on < record.training_class.start_date:
            raise DomainError(_("The job or business cannot start before the class."),
                              field="outcome_on")
    if record.monthly_income is not None and record.monthly_income < 0:
        raise DomainError(_("The monthly income cannot be negative."), field="monthly_income")
    record.followed_up_on = record.followed_up_on or today()


def rate(part: int, whole: int) -> Decimal | None:
    """Return ``part`` of ``whole`` as a percentage with one decimal, or None."""
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _figures(rows) -> dict:
    total, settled, completed, dropped, followed, found = (int(v or 0) for v in rows)
    return {"total": total, "settled": settled, "completed": completed, "dropped": dropped,
            "followed_up": followed, "found_work": found,
            "completion_rate": rate(completed, settled), "employment_rate": rate(found, completed)}


def _counts():
    """Return the counted columns; trainees still in a class not yet finished are not
    "settled", so a running class does not drag the completion rate down."""
    done = Enrolment.state == "completed"
    in_progress = and_(Enrolment.state == "enrolled", TrainingClass.state != "finished")
    return (func.count(Enrolment.id),
            func.sum(case((in_progress, 0), else_=1)),
            func.sum(case((done, 1), else_=0)),
            func.sum(case((Enrolment.state == "dropped", 1), else_=0)),
            func.sum(case((and_(done, Enrolment.outcome.is_not(None)), 1), else_=0)),
            func.sum(case((Enrolment.outcome.in_(FOUND_WORK), 1), else_=0)))


def class_figures(class_id: int) -> dict:
    """Return a class's trainees, completions, follow-ups and the two rates."""
    return _figures(db.session.execute(
        select(*_counts()).join(TrainingClass, Enrolment.class_id == TrainingClass.id)
        .where(Enrolment.class_id == class_id)).one())


def summary(year: int | None = None, units=ALL) -> list[tuple[str, int, dict]]:
    """Return ``(category, classes, figures)`` per category of classes starting in ``year``
    (of the classes of ``units``, ids of org units; ALL: every class)."""
    where = [unit_clause(TrainingClass, units)]
    if year is not None:
        where.append(extract("year", TrainingClass.start_date) == year)
    classes = dict(db.session.execute(
        select(TrainingClass.category, func.count()).where(*where)
        .group_by(TrainingClass.category)).all())
    rows = db.session.execute(
        select(TrainingClass.category, *_counts())
        .join(Enrolment, Enrolment.class_id == TrainingClass.id).where(*where)
        .group_by(TrainingClass.category)).all()
    figures = {row[0]: _figures(row[1:]) for row in rows}
    empty = _figures((0, 0, 0, 0, 0, 0))
    return [(category, count, figures.get(category, empty))
            for category, count in sorted(classes.items())]


def follow_up_missing():
    """Return the clause: a completed trainee of a finished class has no outcome recorded."""
    finished = select(TrainingClass.id).where(TrainingClass.state == "finished")
    return and_(Enrolment.state == "completed", Enrolment.outcome.is_(None),
                Enrolment.class_id.in_(finished))


def class_follow_up_missing():
    """Return the clause picking finished classes with a completed trainee not followed up."""
    return and_(TrainingClass.state == "finished", exists().where(
        Enrolment.class_id == TrainingClass.id, Enrolment.state == "completed",
        Enrolment.outcome.is_(None)))


def place_differences() -> list[tuple[str, int, int]]:
    """Return ``(what, shown, counted)`` for classes whose places taken are wrong."""
    live = dict(db.session.execute(
        select(Enrolment.class_id, func.count()).where(Enrolment.state != "dropped")
        .group_by(Enrolment.class_id)).all())
    return [(_("Places taken in class %(name)s", name=klass.name), klass.enrolled_count,
             live.get(klass.id, 0))
            for klass in db.session.scalars(select(TrainingClass).order_by(TrainingClass.id))
            if klass.enrolled_count != live.get(klass.id, 0)]
