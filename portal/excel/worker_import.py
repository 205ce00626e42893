"""Import worker files with their household members, upserting by ID number.

The rules are the form's, through the same functions: ID numbers valid and unique
across the file and the live files in the database, choices known, status moves
allowed, the derived fields. Writing uses bulk statements (one transaction), adds an
audit row per file and household member created, changed or removed, and rebuilds
the one-live-file-per-person index, whose partial unique index still guards against a
concurrent change.
"""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import delete, select

from models import FamilyMember, Worker, db
from models.base import DomainError, today
from models.idnumber import InvalidIdNumber, normalize_id_number
from models.lookup import chunks, select_in
from models.worker_rules import (
    check_status_change,
    derived_values,
    held_elsewhere,
    live_holders,
    rebuild_person_index,
)
from portal.audit import audited_keys, changed_text, changes, created_changes, log_bulk
from portal.excel.bulk import insert_rows, roomy_cache, update_rows
from portal.excel.importer import parse_rows

# Columns a changed row keeps from its stored file when the sheet leaves them out or
# empty (an export of a few columns, edited and imported back).
KEPT_WHEN_ABSENT = ("household_size", "household_income", "essential_spending")
KEPT_WHEN_EMPTY = ("status", "filed_on")
# Text columns an empty cell clears (a column left out of the sheet takes its default).
BLANK_TEXT = ("ethnicity", "phone", "base_union", "employer", "address", "disability",
              "exit_reason", "certificate_no", "notes", "bank_name", "bank_card_no")
EMPTY = dict.fromkeys(BLANK_TEXT, "")
MEMBER_KEYS = ("name", "relation", "id_number", "health", "monthly_income", "school_or_work")


def _id(report, sheet, row, label, value, latest):
    try:
        return normalize_id_number(value, latest) if value else None
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


def _members_of(ids: list[int]) -> dict[int, list[dict]]:
    """Return the stored members of files ``ids``: {file id: [member columns, id too]}."""
    result: dict[int, list[dict]] = {}
    keys = [c.key for c in FamilyMember.__table__.c]
    for chunk in chunks(ids):
        for row in db.session.execute(select(FamilyMember.__table__).where(
                FamilyMember.worker_id.in_(chunk)).order_by(FamilyMember.id)).mappings():
            result.setdefault(row["worker_id"], []).append({k: row[k] for k in keys})
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
            "worker_id_number").label, row.get("worker_id_number"), latest)
        row["id_number"] = _id(report, child, row["_row"], spec.children.column(
            "id_number").label, row.get("id_number"), latest)
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
    holders = live_holders(set(seen))
    old_members = _members_of([w["id"] for w in existing.values()]) if members else {}
    plan = {"new": [], "changed": [], "members": by_parent if members is not None else None}
    for row in workers:
        number = row["id_number"]
        if not number:
            continue
        old = existing.get(number)
        _check_people(report, spec, row, by_parent.get(number, []), holders,
                      old["id"] if old else None)
        before = old["status"] if old else None
        try:  # a new row may bring any status: its file is already on record
            check_status_change(before, row.get("status") or before or "pending",
                                row.get("exit_date"), row.get("exit_reason") or "",
                                on_record=True)
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
        row["_values"] = _worker_values(row, None if members is None else by_parent.get(
            number, []))
        row["_changes"] = changed_text(old, row["_values"])  # what the audit row will show
        stored = old_members.get(old["id"], [])
        members_changed = members is not None and [_member_tuple(m) for m in by_parent.get(
            number, [])] != [_member_tuple(m) for m in stored]
        row["_old_members"] = stored if members_changed else None
        if row["_changes"] or members_changed:
            plan["changed"].append(row)
        else:
            report.unchanged += 1
    report.rows, report.created, report.updated = len(workers), len(plan["new"]), len(
        plan["changed"])
    return plan


def _check_people(report, spec, row, members, holders, worker_id):
    """Note each person of the row's file who stands in another live file."""
    if not holders:
        return
    for person, sheet, at in [(row["id_number"], spec.title, row)] + [
            (m["id_number"], spec.children.title, m) for m in members if m["id_number"]]:
        message = held_elsewhere(person, worker_id, holders)
        if message is not None:
            report.error(sheet, at["_row"], spec.column("id_number").label, message)


def _worker_values(row: dict, members: list[dict] | None) -> dict:
    """Return what a row sets in its stored file, with what the form derives from it."""
    values = {k: v for k, v in row.items() if not k.startswith("_")}
    values.update(derived_values(values, members))
    for key in ("household_income", "essential_spending"):
        values[key] = values.get(key) or Decimal("0")
    for key in BLANK_TEXT:
        if key in values and values[key] is None:
            values[key] = ""
    for key in ("single_parent", "on_dibao"):
        if key in values and values[key] is None:
            values[key] = False
    return values


def write(plan, user) -> None:
    """Insert new files, update changed ones, audit them and rebuild their people index."""
    with roomy_cache():
        _write(plan, user)


def _write(plan, user) -> None:
    members = plan["members"] or {}
    # Empty cells take the column defaults (status pending, filed today, income 0, …).
    fixed = {"filed_by_id": user.id}
    ids, texts = _insert_audited(Worker, plan["new"], fixed, EMPTY, key="id_number",
                                 derive=lambda row: row.update(derived_values(
                                     row, members.get(row["id_number"]))))
    log_bulk("create", Worker, zip([ids[r["id_number"]] for r in plan["new"]], texts,
                                   strict=True), user)
    update_rows(Worker.__table__, [r["_values"] for r in plan["changed"]])
    log_bulk("update", Worker, ((r["id"], r["_changes"]) for r in plan["changed"]
                                if r["_changes"]), user)
    if plan["members"] is not None:
        _write_members(plan, members, ids, user)
    conn = db.session.connection()
    rebuild_person_index(conn, ids.values(), new=True)
    rebuild_person_index(conn, [r["id"] for r in plan["changed"]])


def _insert_audited(model, rows: list[dict], fixed=None, empty=None, key=None, derive=None):
    """Insert ``rows`` as ``insert_rows`` does; return its ids and each row's audit text.

    The texts are worded from the values stored, in insert_rows' second thread while
    the driver stores the batch before, where 100,000 rows' wording costs little.
    """
    texts, keys = [], audited_keys(model)

    def word(columns):
        texts.extend(created_changes({k: columns[k] for k in keys}))

    return insert_rows(model.__table__, rows, fixed, empty, derive, key, stored=word), texts


def _write_members(plan, members: dict, ids: dict, user) -> None:
    """Replace the members of new files and of files whose members changed, audited.

    A changed list is written anew, so its old rows are logged as removed and the
    new ones as created, each under its own record id, as the form's flush would.
    """
    replaced = [r for r in plan["changed"] if r["_old_members"] is not None]
    for chunk in chunks([r["id"] for r in replaced]):
        db.session.execute(delete(FamilyMember).where(FamilyMember.worker_id.in_(chunk)))
    keys = audited_keys(FamilyMember)
    log_bulk("delete", FamilyMember, ((m["id"], changes({k: m[k] for k in keys}, None))
                                      for r in replaced for m in r["_old_members"]), user)
    parents = ids | {r["id_number"]: r["id"] for r in replaced}
    rows = []
    for parent, group in members.items():
        if parent in parents:
            for member in group:
                member["worker_id"] = parents[parent]
                rows.append(member)
    _ids, texts = _insert_audited(FamilyMember, rows)
    # Each file's members were inserted in order, so their new ids ascend in that order.
    new_ids: dict[int, list[int]] = {}
    for worker_id, member_id in select_in(
            "SELECT worker_id, id FROM family_member WHERE worker_id IN ({}) ORDER BY id",
            {row["worker_id"] for row in rows}):
        new_ids.setdefault(worker_id, []).append(member_id)
    following = {worker_id: iter(found) for worker_id, found in new_ids.items()}
    log_bulk("create", FamilyMember, zip([next(following[row["worker_id"]]) for row in rows],
                                         texts, strict=True), user)
