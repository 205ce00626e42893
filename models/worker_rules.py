"""Rules of hardship-worker files: derived fields, uniqueness of people, lifecycle, review.

Every status move goes through ``activate``, ``close_file`` or ``refile`` (a form's through
``change_status``), which keep the file's episodes (models.worker_episode_rules). Only an
approved review closes a file (models.worker_review_rules); a form approves or re-files.
"""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, or_, select, text
from sqlalchemy.orm import Session

from models.base import DomainError, db, today
from models.idnumber import birth_date_of, gender_of, mask_id_number, normalize_id_number
from models.lookup import array_text, chunks, select_in
from models.masking import mask_name
from models.pinyin import initials
from models.settings import get_setting
from models.unit_scope import ALL, scope, visible_units
from models.worker import LIVE_STATUSES, FamilyMember, Worker
from models.worker_certificate_rules import follow_file, return_certificate
from models.worker_episode_rules import close_episode, closing_refusal, open_episode
from models.worker_review import OPEN_REVIEW, WorkerReview

CENT = Decimal("0.01")
# What a file's derived fields follow from (see derived_values).
DERIVED_FROM = ("id_number", "household_size", "household_income", "essential_spending",
                "name")

# from-status -> statuses it may move to
TRANSITIONS = {
    "pending": {"active", "removed"},
    "active": {"exited", "removed"},
    "exited": {"pending"},    # 返困: falls back into hardship, the file is re-opened
    "removed": {"pending"},
}

CONSTRAINT_MESSAGES = {
    "uq_person_in_file_live": lambda: _(
        "This ID number already stands in another live file (as worker or household member)."),
    "uq_worker_id_number": lambda: _("A file with this ID number already exists."),
}


def per_capita_monthly_income(income, spending, size) -> Decimal | None:
    """Return (annual income − essential spending) / 12 / household size, to the fen."""
    if not size:
        return None
    net = Decimal(income or 0) - Decimal(spending or 0)
    return (net / 12 / int(size)).quantize(CENT, rounding=ROUND_HALF_UP)


def suggested_category(per_capita: Decimal | None, dibao_line: Decimal) -> str | None:
    """Suggest ``deep`` below the 低保 line, ``relative`` below twice it, else nothing."""
    if per_capita is None:
        return None
    if per_capita < dibao_line:
        return "deep"
    if per_capita < 2 * dibao_line:
        return "relative"
    return None


@lru_cache(maxsize=1 << 17)
def name_initials(name: str | None) -> str:
    """Return the pinyin initials kept for a worker's or member's ``name`` (张晓明 → zxm).

    pypinyin takes ~70 µs a name; an import of 100,000 files repeats many names.
    """
    return initials(name or "", person=True)[:32]


def derived_values(values: dict, members) -> dict:
    """Return what follows from a file's values: birth date, gender, household size, income,
    and the name's pinyin initials (when ``values`` has the name).

    ``values`` holds at least ``DERIVED_FROM``, the ID number already valid; only the
    number of ``members`` counts. The form (through ``derive``) and the import both
    take these values from here.
    """
    number, size = values["id_number"], values.get("household_size")
    if not size:
        size = 1 + len(members or ())
    derived = {"birth_date": birth_date_of(number), "gender": gender_of(number),
               "household_size": size,
               "per_capita_income": per_capita_monthly_income(
                   values.get("household_income"), values.get("essential_spending"), size)}
    if "name" in values:
        derived["initials"] = name_initials(values["name"])
    return derived


def derive(worker: Worker) -> None:
    """Fill what follows from the entered data: ID number form, birth date, gender, income."""
    worker.id_number = normalize_id_number(worker.id_number)
    values = derived_values({key: getattr(worker, key) for key in DERIVED_FROM},
                            worker.members)
    for key, value in values.items():
        setattr(worker, key, value)
    for member in worker.members:
        member.id_number = normalize_id_number(member.id_number) if member.id_number else None


def check_status_change(old: str | None, new: str, exit_date, exit_reason: str,
                        on_record: bool = False) -> None:
    """Raise DomainError unless ``old`` may move to ``new`` with what that move needs.

    ``old`` is None for a new file, which starts pending unless it is ``on_record``
    already: an import usually carries an existing paper or Excel archive, whose
    files come with their status; a closed one still needs its exit date and reason.
    """
    if old is None or old == new:
        if old is None and new != "pending" and not on_record:
            raise DomainError(_("A new file starts as pending review."))
    elif new not in TRANSITIONS.get(old, ()):
        raise DomainError(_("A file cannot move from this status to the chosen one."))
    if new in ("exited", "removed") and old != new:
        if not exit_date or not (exit_reason or "").strip():
            raise DomainError(_("Give the exit date and the reason to close a file."))
        if exit_date > today():
            raise DomainError(_("The exit date cannot be in the future."))


def live_holders(numbers) -> dict[str, tuple[int, str, int, str]]:
    """Return ``{ID number: (file no., worker name, unit id, unit name)}`` of the live files
    holding ``numbers``, in every unit: the one-live-file rule spans the federation."""
    return {number: (worker_id, name, unit_id, unit_name)
            for number, worker_id, name, unit_id, unit_name in select_in(
                "SELECT p.id_number, w.id, w.name, w.unit_id, u.name FROM person_in_file p "
                "JOIN worker w ON w.id = p.worker_id JOIN orgunit u ON u.id = w.unit_id "
                "WHERE p.live AND p.id_number IN ({})", numbers)}


def held_elsewhere(number: str, worker_id: int | None, holders: dict) -> str | None:
    """Return why ``number`` may not stand in file ``worker_id``, or None if it may.

    ``holders`` is what ``live_holders`` returned for it; a new file has no id yet.
    """
    holder = holders.get(number)
    if holder is None or holder[0] == worker_id:
        return None
    units = visible_units()
    if units is not ALL and holder[2] not in units:
        # Another unit's file: who holds it and where, masked, and no file no. to open.
        return _("ID number %(n)s already stands in a live file of %(unit)s (%(name)s); "
                 "ask that unit to close or move the file first.",
                 n=mask_id_number(number), unit=holder[3], name=mask_name(holder[1]))
    return _("ID number %(n)s already stands in the live file of %(name)s (file no. %(id)d).",
             n=mask_id_number(number), name=holder[1], id=holder[0])


def check_people_unique(worker_id: int | None, numbers: list[str]) -> list[str]:
    """Return a Chinese message for each ID number repeated in the form or held elsewhere."""
    errors, seen, holders = [], set(), live_holders(set(numbers))
    for number in numbers:
        if number in seen:
            errors.append(_("ID number %(n)s appears twice in this file.",
                            n=mask_id_number(number)))
            continue
        seen.add(number)
        message = held_elsewhere(number, worker_id, holders)
        if message is not None:
            errors.append(message)
    return errors


def likely_duplicates(name: str, phone: str, employer: str,
                      exclude_id: int | None = None) -> list[Worker]:
    """Return other files with the same phone, or the same name and employer.

    Editing a file whose name, phone and employer stay as they were warns no more: the
    possible duplicates were checked when those were entered.
    """
    if exclude_id:
        stored = db.session.execute(select(Worker.name, Worker.phone, Worker.employer).where(
            Worker.id == exclude_id)).one_or_none()
        if stored is not None and tuple(stored) == (name, phone, employer):
            return []
    conditions = []
    if phone:
        conditions.append(Worker.phone == phone)
    if name and employer:
        conditions.append(and_(Worker.name == name, Worker.employer == employer))
    if not conditions:
        return []
    # A hint, not the rule: only files the user may open (the ID-number rule is global).
    query = scope(select(Worker), Worker).where(or_(*conditions))
    if exclude_id:
        query = query.where(Worker.id != exclude_id)
    return list(db.session.scalars(query.limit(5)))


def review_due_before() -> dt.date:
    """Return the date before which a last review counts as overdue."""
    return today() - dt.timedelta(days=int(get_setting("review_interval_days")))


def review_overdue_clause():
    """Return the clause 年度复核到期: files on record with no review under way, not
    reviewed (never reviewed: not filed) within the review interval: a review is to be
    started. An assigned review past its due date is ``worker_review_rules.overdue_clause``
    (逾期未完成的复核) instead."""
    last = func.coalesce(Worker.last_reviewed_on, Worker.filed_on)
    # The predicate of the one-open-review index (uq_worker_review_open), which serves it.
    under_way = exists().where(WorkerReview.worker_id == Worker.id,
                               text(OPEN_REVIEW))
    return and_(Worker.status == "active", last < review_due_before(), ~under_way)


def activate(worker: Worker, user) -> None:
    """Approve a pending file after review: a second person, never whoever filed it.

    The file goes on record: a new episode opens (a return, 返困, after an exit) and
    the facts it was approved on are kept as its filing snapshot.
    """
    from models.worker_snapshots import take_snapshot

    if worker.status != "pending":
        raise DomainError(_("Only a pending file can be approved."))
    if worker.filed_by_id is not None and worker.filed_by_id == user.id:
        raise DomainError(_("Whoever filed a file cannot approve it; a second person must."))
    worker.status, worker.approved_by_id = "active", user.id
    open_episode(worker, user)
    take_snapshot(worker, user, "filing", accepted=True)
    mark_reviewed(worker, user)  # issues the hardship certificate if the category qualifies


def close_file(worker: Worker, user, kind: str, on, reason: str,
               cause: str | None = None) -> None:
    """Close a file as ``kind`` (exited 脱困 or removed 撤档), closing its episode."""
    check_status_change(worker.status, kind, on, reason)
    if worker.status == "active":  # a pending file was never on record: no episode
        close_episode(worker, user, kind, on, reason, cause)
        return_certificate(worker, kind, on)  # issue 16: the hardship certificate, 收回
    worker.status, worker.exit_date, worker.exit_reason = kind, on, (reason or "").strip()


def withdraw_application(worker: Worker, user, reason: str) -> None:
    """Close a pending application that will not be filed (不予建档), with the reason.

    A pending file was never on record, so no review decides it and no episode or
    certificate closes; the file keeps the reason and may be re-filed later.
    """
    if worker.status != "pending":
        raise DomainError(_("Only a file awaiting approval can be withdrawn; a file on "
                            "record leaves it through an approved review."))
    if not (reason or "").strip():
        raise DomainError(_("Give the reason the file is not taken on record."))
    close_file(worker, user, "removed", today(), reason)


def refile(worker: Worker, user) -> None:
    """Re-open a closed file for approval (返困); its earlier episodes stay as they were.

    The exit date and reason belong to the closed episode now: the file shows none.
    """
    check_status_change(worker.status, "pending", None, "")
    worker.status, worker.exit_date, worker.exit_reason = "pending", None, ""
    worker.approved_by_id, worker.filed_by_id = None, getattr(user, "id", None)


def change_status(worker: Worker, old: str | None, user):
    """Take the status move a form made on ``worker`` (from ``old``) through the rules.

    A form never closes a file: only an approved review's conclusion does.
    """
    new = worker.status
    refusal = closing_refusal(old, new, (None, ""), (None, ""))
    if refusal:
        raise DomainError(refusal)
    check_status_change(old, new, worker.exit_date, worker.exit_reason)
    if old is None or old == new:
        if new == "active":  # issue 16: an edited category may (no longer) qualify
            follow_file(worker, user)
        return
    worker.status = old
    if new == "active":
        activate(worker, user)
    else:
        refile(worker, user)


def form_statuses(old: str) -> set[str]:
    """Return the statuses a form may give a file in status ``old``: never a closed one."""
    return {old} | {s for s in TRANSITIONS.get(old, ()) if s not in ("exited", "removed")}


def mark_reviewed(worker: Worker, user) -> None:
    """Record that a live file's facts were checked today by ``user``."""
    if worker.status not in LIVE_STATUSES:
        raise DomainError(_("Only a live file can be reviewed."))
    worker.last_reviewed_on = today()
    worker.reviewed_by = user
    # Issue 16: the facts were checked (on approval, or a review's with its category):
    # the hardship certificate follows the file's category (models.worker_certificate_rules).
    follow_file(worker, user)


def _touched_worker_ids(session: Session) -> set[int]:
    ids = set()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, Worker) and obj.id is not None:
            ids.add(obj.id)
        elif isinstance(obj, FamilyMember) and obj.worker_id is not None:
            ids.add(obj.worker_id)
    return ids


def derive_before_flush(session, flush_context, instances):
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Worker):
            derive(obj)


def rebuild_person_index(conn, worker_ids, new: bool = False) -> None:
    """Rewrite the ID-number index rows of the given files from their current rows.

    Plain SQL with positional parameters: an import rebuilds 100,000 files at once,
    and SQLAlchemy's expanding IN lists cost more than the statements themselves.
    Files just inserted (``new``) have no index rows yet: nothing to delete first.
    Every chunk's old rows go before any chunk's new ones are written, so a DELETE
    reads only the rows that were there: when an import builds the table's indexes
    after its rows, each DELETE scanned all the rows the chunks before had written
    (over 30 s for 100,000 changed files on PostgreSQL).
    """
    live = "w.status IN ({})".format(", ".join(f"'{s}'" for s in LIVE_STATUSES))
    parts = [_among(conn, chunk) for chunk in chunks(worker_ids, 5000)]  # parameter limits
    if not new:
        for among, params in parts:
            conn.exec_driver_sql(f"DELETE FROM person_in_file WHERE worker_id {among}", params)
    for among, params in parts:
        conn.exec_driver_sql(
            "INSERT INTO person_in_file (id_number, worker_id, member_id, live) "
            f"SELECT w.id_number, w.id, NULL, {live} FROM worker w WHERE w.id {among} "
            f"UNION ALL SELECT m.id_number, m.worker_id, m.id, {live} FROM family_member m "
            f"JOIN worker w ON w.id = m.worker_id WHERE m.worker_id {among} "
            "AND m.id_number IS NOT NULL", params + params)


def _among(conn, ids: list[int]) -> tuple[str, tuple]:
    """Return the SQL condition "is one of ``ids``" and its parameters."""
    if conn.dialect.name == "postgresql":
        # One array parameter, as its text (``array_text``): psycopg turned 10,000
        # parameters a statement into most of a second of an import's CPU for 100,000 files.
        return "= ANY(CAST(%s AS bigint[]))", (array_text(ids),)
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    return "IN ({})".format(", ".join([mark] * len(ids))), tuple(ids)


def sync_person_index(session, flush_context):
    """Rewrite the ID-number index rows of every file touched by this flush."""
    ids = _touched_worker_ids(session)
    if ids:
        rebuild_person_index(session.connection(), ids)


def _number(value) -> Decimal | None:
    try:
        number = Decimal(str(value).strip() or "0")
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() and abs(number) < 10**12 else None


def suggest_for_form(income, spending, size, members: int) -> tuple[str | None, Decimal | None]:
    """Return the suggested category and monthly income per person of a form being filled.

    The values are as typed (text); an empty household size counts the worker and the
    ``members`` listed, as saving does (``derived_values``). Unreadable values suggest
    nothing.
    """
    income, spending = _number(income), _number(spending)
    size = _number(size) if str(size or "").strip() else Decimal(1 + max(members, 0))
    if income is None or spending is None or size is None or size < 1 or size != int(size):
        return None, None
    per_capita = per_capita_monthly_income(income, spending, int(size))
    return suggested_category(per_capita, get_setting("dibao_line")), per_capita
