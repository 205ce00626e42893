"""Import worker files with their household members, upserting by ID number.

The rules are the form's: ID numbers valid and unique across the file and the live
files in the database, choices known, status moves allowed. Writing uses bulk
statements (one transaction) and rebuilds the one-live-file-per-person index, whose
partial unique index still guards against a concurrent change.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache

from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from models import FamilyMember, Worker, db
from models.base import DomainError, today
from models.idnumber import (
    InvalidIdNumber,
    gender_of,
    mask_id_number,
    normalize_id_number,
)
from models.worker_rules import check_status_change, per_capita_monthly_income, rebuild_person_index
from portal.excel.bulk import chunks, insert_rows, roomy_cache, select_in
from portal.excel.importer import parse_rows

CHECK_DIGITS = "0123456789X"
# Columns a changed row keeps from its stored file when the sheet leaves them out or
# empty (an export of a few columns, edited and imported back).
KEPT_WHEN_ABSENT = ("household_size", "household_income", "essential_spending")
KEPT_WHEN_EMPTY = ("status", "filed_on")
# Text columns an empty cell clears (a column left out of the sheet takes its default).
BLANK_TEXT = ("ethnicity", "phone", "base_union", "employer", "address", "disability",
              "exit_reason", "certificate_no", "notes", "bank_name", "bank_card_no")
MEMBER_KEYS = ("name", "relation", "id_number", "health", "monthly_income", "school_or_work")


def _plainly_valid(value, latest: dt.date) -> bool:
    """Tell whether ``value`` is already a compact, valid ID number, cheaply.

    The same checks as ``normalize_id_number`` (shape, real birth date from 1900 to
    ``latest``, GB 11643 check digit) without stdnum's cleaning, which cost more than
    the rest of a row's validation; anything else takes the full path and its message.
    """
    if type(value) is not str or len(value) != 18:
        return False
    body = value[:17]
    if not (body.isascii() and body.isdigit()) or \
            CHECK_DIGITS[(1 - 2 * int(body, 13)) % 11] != value[17]:
        return False
    born = _birth_date(value[6:14])
    return born is not None and born.year >= 1900 and born <= latest


@lru_cache(maxsize=1 << 16)
def _birth_date(digits: str) -> dt.date | None:
    """Return the day written as YYYYMMDD, or None when there is no such day."""
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


def _id(report, sheet, row, label, value, latest=None):
    if value and _plainly_valid(value, latest or today()):
        return value
    try:
        return normalize_id_number(value) if value else None
    except InvalidIdNumber as exc:
        report.error(sheet, row, label, exc)
        return None


def _existing(numbers: set[str]) -> dict[str, dict]:
    # Ask the driver which numbers are on file (cheap), then load those files through
    # SQLAlchemy, whose result processing gives dates, Decimals and lists.
    numbers = [n for (n,) in select_in("SELECT id_number FROM worker WHERE id_number IN ({})",
                                        numbers)]
    found = {}
    keys = [c.key for c in Worker.__table__.c]
    for chunk in chunks(numbers):
        for row in db.session.execute(select(Worker.__table__).where(
                Worker.id_number.in_(chunk))).mappings():
            found[row["id_number"]] = {k: row[k] for k in keys}
    return found


def _held_elsewhere(numbers: set[str]) -> dict[str, tuple[int, str, str]]:
    # Driver SQL: text and integer results need no processing, and SQLAlchemy's
    # expanding IN cost more than the query itself.
    return {number: (worker_id, name, own) for number, worker_id, name, own in select_in(
        "SELECT p.id_number, w.id, w.name, w.id_number FROM person_in_file p "
        "JOIN worker w ON w.id = p.worker_id WHERE p.live AND p.id_number IN ({})", numbers)}


def _members_of(ids: list[int]) -> dict[int, list[tuple]]:
    result: dict[int, list[tuple]] = {}
    for chunk in chunks(ids):
        for row in db.session.execute(select(FamilyMember.worker_id, *[
                getattr(FamilyMember, k) for k in MEMBER_KEYS]).where(
                FamilyMember.worker_id.in_(chunk)).order_by(FamilyMember.id)):
            result.setdefault(row[0], []).append(_member_tuple(dict(zip(MEMBER_KEYS, row[1:],
                                                                        strict=True))))
    return result


def _member_tuple(member: dict) -> tuple:
    return tuple(str(member.get(k) or "") if k != "monthly_income"
                 else str(Decimal(member.get(k) or 0).quantize(Decimal("0.01")))
                 for k in MEMBER_KEYS)


def validate(book, spec, report, user=None):
    """Parse and check both sheets; return the plan ``write`` carries out."""
    workers = parse_rows(book, spec, report, first=True) or []
    members = parse_rows(book, spec.children, report, first=False)
    sheet, child = spec.title, spec.children.title
    id_label = spec.column("id_number").label
    seen: dict[str, tuple[str, int]] = {}
    latest = today()
    for row in workers:
        row["id_number"] = _id(report, sheet, row["_row"], id_label, row.get("id_number"),
                               latest)
        if row["id_number"]:
            if row["id_number"] in seen:
                report.error(sheet, row["_row"], id_label, _(
                    "Same ID number as row %(row)d.", row=seen[row["id_number"]][1]))
            seen[row["id_number"]] = (sheet, row["_row"])
    by_parent: dict[str, list[dict]] = {}
    for row in members or []:
        parent = _id(report, child, row["_row"], spec.children.column(
            "worker_id_number").label, row.get("worker_id_number"))
        row["id_number"] = _id(report, child, row["_row"], spec.children.column(
            "id_number").label, row.get("id_number"))
        if parent and parent not in seen:
            report.error(child, row["_row"], spec.children.column("worker_id_number").label,
                         _("This worker is not on the first sheet."))
        if row["id_number"]:
            if row["id_number"] in seen:
                report.error(child, row["_row"], spec.children.column("id_number").label,
                             _("Same ID number as %(sheet)s row %(row)d.",
                               sheet=seen[row["id_number"]][0], row=seen[row["id_number"]][1]))
            seen[row["id_number"]] = (child, row["_row"])
        by_parent.setdefault(parent, []).append(row)
    existing = _existing({r["id_number"] for r in workers if r["id_number"]})
    held = _held_elsewhere(set(seen))
    old_members = _members_of([w["id"] for w in existing.values()]) if members else {}
    plan = {"new": [], "changed": [], "members": by_parent if members is not None else None}
    for row in workers:
        number = row["id_number"]
        if not number:
            continue
        old = existing.get(number)
        _check_people(report, spec, row, by_parent.get(number, []), held, number)
        try:
            _check_status(old, row)
        except DomainError as exc:
            report.error(sheet, row["_row"], spec.column("status").label, exc)
        if old is None:
            plan["new"].append(row)
            continue
        row["id"] = old["id"]
        for key in KEPT_WHEN_ABSENT:
            row.setdefault(key, old[key])
        for key in KEPT_WHEN_EMPTY:
            if row.get(key) is None:
                row[key] = old[key]
        if not row.get("household_size"):  # derived as the form does, or kept
            row["household_size"] = old["household_size"] if members is None else 1 + len(
                by_parent.get(number, []))
        fields_changed = any(_differs(row[k], old[k]) for k in row if k in old and k != "id")
        new_members = [_member_tuple(m) for m in by_parent.get(number, [])]
        members_changed = members is not None and new_members != old_members.get(old["id"], [])
        if fields_changed or members_changed:
            row["_members_changed"] = members_changed
            plan["changed"].append(row)
        else:
            report.unchanged += 1
    report.rows, report.created, report.updated = len(workers), len(plan["new"]), len(
        plan["changed"])
    return plan


def _check_status(old: dict | None, row: dict) -> None:
    """Check the status like the form, except that a new row may bring any status.

    An import usually carries an existing paper or Excel archive, whose files are
    already on record; a closed one still needs its exit date and reason.
    """
    status = row.get("status") or (old["status"] if old else "pending")
    if old is not None:
        check_status_change(old["status"], status, row.get("exit_date"),
                            row.get("exit_reason") or "")
    elif status in ("exited", "removed") and not (row.get("exit_date")
                                                    and row.get("exit_reason")):
        raise DomainError(_("Give the exit date and the reason to close a file."))


def _differs(new, old) -> bool:
    if isinstance(old, bool):  # an empty cell is written as False
        return bool(new) != old
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        return Decimal(new or 0) != Decimal(old or 0)
    return (new if new not in ("",) else None) != (old if old not in ("",) else None) and not (
        new in (None, "", []) and old in (None, "", []))


def _check_people(report, spec, row, members, held, number):
    if not held:
        return
    for person, sheet, at in [(number, spec.title, row)] + [
            (m["id_number"], spec.children.title, m) for m in members if m["id_number"]]:
        other = held.get(person)
        if other and other[2] != number:
            report.error(sheet, at["_row"], spec.column("id_number").label, _(
                "ID number %(n)s already stands in the live file of %(name)s (file no. "
                "%(id)d).", n=mask_id_number(person), name=other[1], id=other[0]))


def _worker_values(row: dict, members: list[dict] | None) -> dict:
    """Return a changed row's values to set, with what the form derives from them."""
    values = {k: v for k, v in row.items() if not k.startswith("_")}
    _derive(values, members)
    for key in ("household_income", "essential_spending"):
        values[key] = values.get(key) or Decimal("0")
    for key in BLANK_TEXT:
        if key in values and values[key] is None:
            values[key] = ""
    for key in ("single_parent", "on_dibao"):
        if key in values and values[key] is None:
            values[key] = False
    return values


def _derive(row: dict, members: list[dict] | None) -> None:
    """Fill the birth date, sex, household size and income per head, as the form does."""
    number = row["id_number"]
    # Already validated: read the birth date and sex straight from their positions.
    row["birth_date"] = _birth_date(number[6:14])
    row["gender"] = gender_of(number)
    if not row.get("household_size"):
        row["household_size"] = 1 + len(members or ())
    row["per_capita_income"] = per_capita_monthly_income(
        row.get("household_income"), row.get("essential_spending"), row["household_size"])


def write(plan, user) -> None:
    """Insert new files, update changed ones and rebuild their people index, in bulk."""
    with roomy_cache():
        _write(plan, user)


def _write(plan, user) -> None:
    members = plan["members"]
    # Empty cells take the column defaults (status pending, filed today, income 0, …).
    ids = insert_rows(Worker.__table__, plan["new"], {"filed_by_id": user.id},
                      dict.fromkeys(BLANK_TEXT, ""), key="id_number",
                      prepare=lambda row: _derive(row, (members or {}).get(row["id_number"])))
    touched = list(ids.values())
    changed = [_worker_values(r, (members or {}).get(r["id_number"])) | {"id": r["id"]}
               for r in plan["changed"]]
    for chunk in chunks(changed):
        db.session.execute(update(Worker), chunk)  # ORM bulk update by primary key
    touched.extend(r["id"] for r in changed)
    if members is not None:
        replaced = [r["id"] for r in plan["changed"] if r.get("_members_changed")]
        for chunk in chunks(replaced):
            db.session.execute(delete(FamilyMember).where(FamilyMember.worker_id.in_(chunk)))
        ids.update({r["id_number"]: r["id"] for r in plan["changed"]
                    if r.get("_members_changed")})
        rows = []
        for parent, group in members.items():
            if parent in ids:
                for member in group:
                    member["worker_id"] = ids[parent]
                    rows.append(member)
        insert_rows(FamilyMember.__table__, rows)
    rebuild_person_index(db.session.connection(), touched)
