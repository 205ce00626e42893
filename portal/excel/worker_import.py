"""Import worker files with their household members, upserting by ID number.

The rules are the form's: ID numbers valid and unique across the file and the live
files in the database, choices known, status moves allowed. Writing uses bulk
statements (one transaction) and rebuilds the one-live-file-per-person index, whose
partial unique index still guards against a concurrent change.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import delete, insert, select, update

from models import FamilyMember, PersonInFile, Worker, db
from models.base import DomainError, today
from models.idnumber import (
    InvalidIdNumber,
    gender_of,
    mask_id_number,
    normalize_id_number,
)
from models.worker_rules import check_status_change, per_capita_monthly_income, rebuild_person_index
from portal.excel.importer import parse_rows

CHUNK = 2000
MEMBER_KEYS = ("name", "relation", "id_number", "health", "monthly_income", "school_or_work")


def _chunks(items, size=CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _id(report, sheet, row, label, value):
    try:
        return normalize_id_number(value) if value else None
    except InvalidIdNumber as exc:
        report.error(sheet, row, label, exc)
        return None


def _existing(numbers: set[str]) -> dict[str, dict]:
    found = {}
    keys = [c.key for c in Worker.__table__.c]
    for chunk in _chunks(numbers):
        for row in db.session.execute(select(Worker.__table__).where(
                Worker.id_number.in_(chunk))).mappings():
            found[row["id_number"]] = {k: row[k] for k in keys}
    return found


def _held_elsewhere(numbers: set[str]) -> dict[str, tuple[int, str]]:
    held = {}
    for chunk in _chunks(numbers):
        for number, worker_id, name, own in db.session.execute(
                select(PersonInFile.id_number, Worker.id, Worker.name, Worker.id_number)
                .join(Worker, Worker.id == PersonInFile.worker_id)
                .where(PersonInFile.live.is_(True), PersonInFile.id_number.in_(chunk))):
            held[number] = (worker_id, name, own)
    return held


def _members_of(ids: list[int]) -> dict[int, list[tuple]]:
    result: dict[int, list[tuple]] = {}
    for chunk in _chunks(ids):
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
    for row in workers:
        row["id_number"] = _id(report, sheet, row["_row"], id_label, row.get("id_number"))
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
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        return Decimal(new or 0) != Decimal(old or 0)
    return (new if new not in ("",) else None) != (old if old not in ("",) else None) and not (
        new in (None, "", []) and old in (None, "", []))


def _check_people(report, spec, row, members, held, number):
    for person, sheet, at in [(number, spec.title, row)] + [
            (m["id_number"], spec.children.title, m) for m in members if m["id_number"]]:
        other = held.get(person)
        if other and other[2] != number:
            report.error(sheet, at["_row"], spec.column("id_number").label, _(
                "ID number %(n)s already stands in the live file of %(name)s (file no. "
                "%(id)d).", n=mask_id_number(person), name=other[1], id=other[0]))


def _worker_values(row: dict, members: list[dict] | None) -> dict:
    values = {k: v for k, v in row.items() if not k.startswith("_")}
    number = values["id_number"]
    # Already validated: read the birth date and sex straight from their positions.
    values["birth_date"] = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    values["gender"] = gender_of(number)
    if not values.get("household_size"):
        values["household_size"] = 1 + len(members or [])
    values.setdefault("status", "pending")
    values["status"] = values["status"] or "pending"
    values["filed_on"] = values.get("filed_on") or today()
    values["per_capita_income"] = per_capita_monthly_income(
        values.get("household_income"), values.get("essential_spending"),
        values["household_size"])
    for key in ("household_income", "essential_spending"):
        values[key] = values.get(key) or Decimal("0")
    for key in ("ethnicity", "phone", "base_union", "employer", "address", "disability",
                "exit_reason", "certificate_no", "notes", "bank_name", "bank_card_no"):
        if key in values and values[key] is None:
            values[key] = ""
    for key in ("single_parent", "on_dibao"):
        if key in values and values[key] is None:
            values[key] = False
    return values


def write(plan, user) -> None:
    """Insert new files, update changed ones and rebuild their people index, in bulk."""
    members = plan["members"]
    touched = []
    new_rows = [_worker_values(r, (members or {}).get(r["id_number"])) | {
        "filed_by_id": user.id, "secondary_causes": r.get("secondary_causes") or []}
        for r in plan["new"]]
    # Plain executemany (no RETURNING): the driver's fast path; ids are read back after.
    for chunk in _chunks(new_rows, 10000):
        db.session.execute(insert(Worker.__table__), chunk)
    ids = {}
    for chunk in _chunks([r["id_number"] for r in new_rows], 5000):
        ids.update({number: pk for number, pk in db.session.execute(
            select(Worker.id_number, Worker.id).where(Worker.id_number.in_(chunk)))})
    touched.extend(ids.values())
    changed = [_worker_values(r, (members or {}).get(r["id_number"])) | {"id": r["id"]}
               for r in plan["changed"]]
    for chunk in _chunks(changed):
        db.session.execute(update(Worker), chunk)  # ORM bulk update by primary key
    touched.extend(r["id"] for r in changed)
    if members is not None:
        replaced = [r["id"] for r in plan["changed"] if r.get("_members_changed")]
        for chunk in _chunks(replaced):
            db.session.execute(delete(FamilyMember).where(FamilyMember.worker_id.in_(chunk)))
        ids.update({r["id_number"]: r["id"] for r in plan["changed"]
                    if r.get("_members_changed")})
        rows = [{k: m.get(k) for k in MEMBER_KEYS} | {
            "worker_id": ids[parent], "monthly_income": m.get("monthly_income") or Decimal("0"),
            "school_or_work": m.get("school_or_work") or ""}
            for parent, group in members.items() if parent in ids for m in group]
        for chunk in _chunks(rows):
            db.session.execute(insert(FamilyMember.__table__), chunk)
    rebuild_person_index(db.session.connection(), touched)
