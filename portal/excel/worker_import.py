"""Import worker files with their household members, upserting by ID number.

The rules are the form's, through the same functions: ID numbers valid and unique
across the file and the live files in the database, choices known, status moves
allowed, the derived fields. Writing uses bulk statements (one transaction), adds an
audit row per file and household member created, changed or removed, and rebuilds
the one-live-file-per-person index, whose partial unique index still guards against a
concurrent change.

A file of 100,000 rows is checked and written ``CHUNK`` rows at a time, so memory
follows the chunk, not the file: the household sheet is read first and kept compact
(a file's size and changes depend on its members), then the files sheet is taken
chunk by chunk, each checked and, on a confirm without errors so far, written with its
audit rows. An error stops the writing; the caller rolls the transaction back.
"""
from __future__ import annotations

from contextlib import nullcontext
from decimal import Decimal
from itertools import islice

from flask_babel import gettext as _
from sqlalchemy import delete, select

from models import FamilyMember, Worker, db
from models.base import DomainError, today
from models.idnumber import InvalidIdNumber, normalize_id_number
from models.lookup import chunks, select_in
from models.masking import mask_id_number
from models.orgunit import OrgUnit
from models.unit_scope import ALL, visible_units
from models.worker_certificate import WorkerCertificate
from models.worker_certificate_rules import add_missing_certificates
from models.worker_episode_rules import add_missing_episodes, closing_refusal
from models.worker_rules import (
    check_status_change,
    derived_values,
    held_elsewhere,
    live_holders,
    name_initials,
    rebuild_person_index,
)
from portal.audit import (
    audited_keys,
    auditing,
    changed_text,
    changes,
    created_changes,
    log_bulk,
    log_created_since,
)
from portal.excel.bulk import insert_rows, roomy_cache, update_rows
from portal.excel.bulk_indexes import deferred, people_tables
from portal.excel.importer import parsed_rows

# Columns a changed row keeps from its stored file when the sheet leaves them out or
# empty (an export of a few columns, edited and imported back).
KEPT_WHEN_ABSENT = ("household_size", "household_income", "essential_spending")
KEPT_WHEN_EMPTY = ("status", "filed_on")
# Text columns an empty cell clears (a column left out of the sheet takes its default).
BLANK_TEXT = ("ethnicity", "phone", "base_union", "employer", "address", "disability",
              "exit_reason", "notes", "bank_name", "bank_card_no")
EMPTY = dict.fromkeys(BLANK_TEXT, "")
CHUNK = 5000  # worker rows checked and written at a time
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


def _unit_name(unit_id: int) -> str:
    unit = db.session.get(OrgUnit, unit_id)
    return unit.name if unit is not None else ""


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


class Members:
    """The household sheet's rows by their file's ID number, each as (row no., values).

    Values are tuples in the order of ``keys``: 100,000 members held as dicts took
    several times the memory.
    """

    def __init__(self, keys: tuple[str, ...]) -> None:
        self.keys = keys  # a column the sheet leaves out is None, which takes its default
        self.by_parent: dict[str | None, list[tuple[int, tuple]]] = {}
        self.seen: dict[str, int] = {}  # a member's ID number: its row

    def add(self, parent: str | None, row: dict) -> None:
        self.by_parent.setdefault(parent, []).append(
            (row["_row"], tuple(row.get(k) for k in self.keys)))

    def of(self, parent: str | None) -> list[dict]:
        """Return the members of file ``parent`` as dicts (with ``_row``)."""
        return [dict(zip(self.keys, values, strict=True), _row=number)
                for number, values in self.by_parent.get(parent, ())]

    def count(self, parent: str | None) -> range:
        """Return something as long as file ``parent``'s member list (all derive needs)."""
        return range(len(self.by_parent.get(parent, ())))


def _read_members(book, spec, report, latest) -> Members | None:
    """Read and check the household sheet whole: IDs valid and not twice in the sheet."""
    rows = parsed_rows(book, spec.children, report, first=False)
    if rows is None:
        return None
    child = spec.children
    parent_label = child.column("worker_id_number").label
    id_label = child.column("id_number").label
    members = Members(tuple(c.key for c in child.columns if not c.export_only
                            and c.key != "worker_id_number"))
    for row in rows:
        number = row["_row"]
        parent = _id(report, child.title, number, parent_label, row.get("worker_id_number"),
                     latest)
        row["id_number"] = _id(report, child.title, number, id_label, row.get("id_number"),
                               latest)
        if row["id_number"]:
            if row["id_number"] in members.seen:
                report.error(child.title, number, id_label, _(
                    "Same ID number as %(sheet)s row %(row)d.", sheet=child.title,
                    row=members.seen[row["id_number"]]))
            members.seen[row["id_number"]] = number
        members.add(parent, row)
    return members


def run(book, spec, report, user, write: bool = False) -> None:
    """Check the file chunk by chunk and, when ``write``, write each chunk that passed.

    Writing stops at the first error; the caller then rolls the transaction back.
    """
    latest = today()
    members = _read_members(book, spec, report, latest)
    rows = parsed_rows(book, spec, report, first=True) or iter(())
    writer = Writer(user, members) if write else None
    seen: dict[str, int] = {}
    emptied = Emptied()
    # A centre's first import (its whole archive into empty tables) builds the search
    # indexes once after the rows instead of row by row; see portal.excel.bulk_indexes.
    conn = db.session.connection()
    first = write and conn.exec_driver_sql("SELECT 1 FROM worker LIMIT 1").first() is None
    # The roomy cache holds the whole write: the indexes built after a first import sort
    # in it, and the cards' statements read the files just written from it.
    with roomy_cache() if write else nullcontext():
        with deferred(conn, people_tables(conn)) if write else nullcontext():
            while chunk := list(islice(rows, CHUNK)):
                new, changed = _check(chunk, spec, report, members, seen, latest, emptied)
                report.rows += len(chunk)
                report.created += len(new)
                report.updated += len(changed)
                if writer is not None and report.ok:
                    writer.write(new, changed)
            if members is not None:
                _check_parents(spec, report, members, seen)
                emptied.warn(spec, report)
            if writer is not None and report.ok:
                writer.finish()
                if first:
                    # Into empty tables, inside the block: the new cards' numbers are
                    # written to files whose secondary indexes (and SQLite's full-text
                    # triggers) come only after; with them, that UPDATE of 50,000 files
                    # took 7-11 s on PostgreSQL.
                    writer.certify(analyse=True)
        if writer is not None and report.ok and not first:
            # After the block: when only the episodes were empty, their index is built
            # by then (without it, SQLite joined files to episodes row by row: minutes).
            writer.certify()


class Emptied:
    """Stored files the household sheet leaves without a member, though they have some.

    The household sheet lists the whole household of every file on the first sheet, so
    such a file loses its members: right when they left, but most often the sheet was
    made for a few files only. The preview says so before anything is written.
    """

    def __init__(self) -> None:
        self.files = self.members = 0

    def add(self, stored: list) -> None:
        self.files += 1
        self.members += len(stored)

    def warn(self, spec, report) -> None:
        if self.files:
            report.warnings.append(_(
                "%(files)d file(s) on the first sheet have no rows on sheet %(sheet)s: "
                "their %(members)d household member(s) on record will be removed. To "
                "change the files only, delete sheet %(sheet)s and import again.",
                files=self.files, members=self.members, sheet=spec.children.title))


def _check_parents(spec, report, members: Members, seen: dict) -> None:
    """Note each member whose file is not on the first sheet."""
    label = spec.children.column("worker_id_number").label
    for parent, group in members.by_parent.items():
        if parent and parent not in seen:
            for number, _values in group:
                report.error(spec.children.title, number, label,
                             _("This worker is not on the first sheet."))


def _check(chunk: list[dict], spec, report, members: Members | None, seen: dict,
           latest, emptied: Emptied) -> tuple[list[dict], list[dict]]:
    """Check one chunk of worker rows; return its (new, changed) rows."""
    sheet, id_label = spec.title, spec.column("id_number").label
    child_label = spec.children.column("id_number").label
    for row in chunk:
        number = row["id_number"] = _id(report, sheet, row["_row"], id_label,
                                        row.get("id_number"), latest)
        if not number:
            continue
        if number in seen:
            report.error(sheet, row["_row"], id_label, _(
                "Same ID number as row %(row)d.", row=seen[number]))
        seen[number] = row["_row"]
        if members is not None and number in members.seen:
            report.error(spec.children.title, members.seen[number], child_label,
                         _("Same ID number as %(sheet)s row %(row)d.", sheet=sheet,
                           row=row["_row"]))
    numbers = {r["id_number"] for r in chunk if r["id_number"]}
    existing = _existing(numbers)
    groups = {n: members.of(n) for n in numbers if n in members.by_parent} \
        if members is not None else {}
    holders = live_holders(numbers | {m["id_number"] for group in groups.values()
                                      for m in group if m["id_number"]})
    old_members = (_members_of([w["id"] for w in existing.values()])
                   if members is not None and members.by_parent else {})
    new, changed, units = [], [], visible_units()
    for row in chunk:
        number = row["id_number"]
        if not number:
            continue
        old = existing.get(number)
        if old is not None and units is not ALL and old["unit_id"] not in units:
            # Another unit's file (live or closed: the number is unique everywhere).
            report.error(sheet, row["_row"], id_label, _(
                "ID number %(n)s is on file at %(unit)s; a row cannot change another "
                "unit's file.", n=mask_id_number(number), unit=_unit_name(old["unit_id"])))
            continue
        _check_people(report, spec, row, groups.get(number, []), holders,
                      old["id"] if old else None)
        before = old["status"] if old else None
        try:  # a new row may bring any status: its file is already on record
            check_status_change(before, row.get("status") or before or "pending",
                                row.get("exit_date"), row.get("exit_reason") or "",
                                on_record=True)
        except DomainError as exc:
            report.error(sheet, row["_row"], spec.column("status").label, exc)
        else:
            if before is not None and row.get("status") not in (None, before):
                # Approving, closing and re-filing keep the file's episodes and need a
                # second person: the file's own page does them, one file at a time.
                report.error(sheet, row["_row"], spec.column("status").label, _(
                    "An import cannot change the status of a file on record; approve, "
                    "close or re-file it on the file's page."))
            elif before is not None:
                _check_exit_kept(report, spec, row, old)
        if old is None:
            new.append(row)
        elif _changed(row, old, None if members is None else groups.get(number, []),
                      old_members):
            changed.append(row)
            if row["_old_members"] and number not in groups:
                emptied.add(row["_old_members"])
        else:
            report.unchanged += 1
    return new, changed


def _check_exit_kept(report, spec, row: dict, old: dict) -> None:
    """Note a row that changes a stored file's exit date or reason (a review's to set)."""
    after = (row.get("exit_date", old["exit_date"]), row.get("exit_reason", old["exit_reason"]))
    refusal = closing_refusal(old["status"], old["status"],
                              (old["exit_date"], old["exit_reason"]), after)
    if refusal:
        column = "exit_date" if after[0] != old["exit_date"] else "exit_reason"
        report.error(spec.title, row["_row"], spec.column(column).label, refusal)


def _changed(row: dict, old: dict, members: list[dict] | None, old_members: dict) -> bool:
    """Complete a row of a stored file from it; tell whether the file or its members change."""
    row["id"] = old["id"]
    for key in KEPT_WHEN_ABSENT:
        row.setdefault(key, old[key])
    for key in KEPT_WHEN_EMPTY:
        if row.get(key) is None:
            row[key] = old[key]
    if not row.get("household_size"):  # derived as the form does, or kept
        row["household_size"] = old["household_size"] if members is None else 1 + len(members)
    values = _worker_values(row, members)
    row["_changes"] = changed_text(old, values)  # what the audit row will show
    # Only the columns whose value changes are written: setting the others to what they
    # hold made SQLite rewrite their index entries and the full-text row of every file.
    row["_values"] = {key: value for key, value in values.items()
                      if key == "id" or not (old[key] is value or old[key] == value)}
    stored = old_members.get(old["id"], [])
    members_changed = members is not None and [_member_tuple(m) for m in members] != [
        _member_tuple(m) for m in stored]
    row["_old_members"] = stored if members_changed else None
    return bool(row["_changes"] or members_changed)


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


class Writer:
    """Write checked chunks of worker rows, audited; then the members and people index."""

    def __init__(self, user, members: Members | None) -> None:
        self.user, self.members = user, members
        self.new_ids: dict[str, int] = {}  # ID number: new file id
        self.replaced: dict[str, int] = {}  # ID number: id of a file whose members change

    def write(self, new: list[dict], changed: list[dict]) -> None:
        """Insert ``new`` files, update ``changed`` ones, audited; drop replaced members."""
        members, user = self.members, self.user
        # Empty cells take the column defaults (status pending, filed today, income 0, …).
        count = members.count if members is not None else lambda _number: None
        ids, texts = _insert_audited(Worker, new, {"filed_by_id": user.id}, EMPTY,
                                     key="id_number", derive=lambda row: row.update(
                                         derived_values(row, count(row["id_number"]))))
        log_bulk("create", Worker, zip([ids[r["id_number"]] for r in new], texts,
                                       strict=True), user)
        self.new_ids.update(ids)
        update_rows(Worker.__table__, [r["_values"] for r in changed])
        log_bulk("update", Worker, ((r["id"], r["_changes"]) for r in changed
                                    if r["_changes"]), user)
        replaced = [r for r in changed if r["_old_members"] is not None]
        for chunk in chunks([r["id"] for r in replaced]):
            db.session.execute(delete(FamilyMember).where(FamilyMember.worker_id.in_(chunk)))
        keys = audited_keys(FamilyMember)
        log_bulk("delete", FamilyMember, ((m["id"], changes({k: m[k] for k in keys}, None))
                                          for r in replaced for m in r["_old_members"]), user)
        self.replaced.update((r["id_number"], r["id"]) for r in replaced)

    def finish(self) -> None:
        """Write the members of new files and replaced lists, then the people index."""
        if self.members is not None:
            _write_members(self.members, self.new_ids | self.replaced, self.user)
        conn = db.session.connection()
        # Only the files whose members were replaced have other people now: a stored
        # file keeps its ID number (the row's key) and its status (an import cannot
        # change it), so the person rows of the others stand as they are; rewriting
        # them took 1.6 s of an import updating 100,000 files on PostgreSQL. Their old
        # rows are deleted before the new files' rows are written, which those DELETEs
        # would otherwise read through.
        rebuild_person_index(conn, self.replaced.values())
        rebuild_person_index(conn, self.new_ids.values(), new=True)
        # New files that come on record or closed (an archive) get the episode
        # their status and dates tell, as the seed's do.
        add_missing_episodes(conn)

    def certify(self, analyse: bool = False) -> None:
        """Give each file on record in a qualifying category its 特困职工证 (issue 16).

        ``analyse``: the files and episodes were written into empty tables, whose
        statistics PostgreSQL gathers first; without them it joined the files to their
        episodes by a nested loop (over 9 minutes for a first import of 100,000 files).
        """
        conn = db.session.connection()
        if analyse and conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE worker, worker_episode")
        log_created_since(WorkerCertificate, add_missing_certificates(visible_units()),
                          self.user)


def _insert_audited(model, rows: list[dict], fixed=None, empty=None, key=None, derive=None):
    """Insert ``rows`` as ``insert_rows`` does; return its ids and each row's audit text.

    The texts are worded from the values stored, in insert_rows' second thread while
    the driver stores the batch before, where 100,000 rows' wording costs little.
    """
    texts, keys = [], audited_keys(model)

    def word(columns):
        texts.extend(created_changes({k: columns[k] for k in keys}))

    return insert_rows(model.__table__, rows, fixed, empty, derive, key,
                       stored=word if auditing() else None), texts


def _write_members(members: Members, parents: dict, user) -> None:
    """Insert the members of files ``parents`` ({ID number: file id}), audited, by chunks.

    A changed list is written anew, so its old rows were logged as removed and the
    new ones are logged as created, each under its own record id, as the form's flush
    would.
    """
    rows = []
    for parent, group in members.by_parent.items():
        if parent in parents:
            worker_id = parents[parent]
            rows.extend(dict(zip(members.keys, values, strict=True), worker_id=worker_id)
                        for _number, values in group)
            if len(rows) >= CHUNK:
                _insert_members(rows, user)
                rows = []
    _insert_members(rows, user)


def _insert_members(rows: list[dict], user) -> None:
    """Insert whole member lists of some files, audited under their new ids."""
    if not rows:
        return
    _ids, texts = _insert_audited(FamilyMember, rows, derive=lambda row: row.update(
        initials=name_initials(row.get("name"))))  # as the ORM's event keeps them
    # Each file's members were inserted in order, so their new ids ascend in that order.
    new_ids: dict[int, list[int]] = {}
    for worker_id, member_id in select_in(
            "SELECT worker_id, id FROM family_member WHERE worker_id IN ({}) ORDER BY id",
            {row["worker_id"] for row in rows}):
        new_ids.setdefault(worker_id, []).append(member_id)
    following = {worker_id: iter(found) for worker_id, found in new_ids.items()}
    log_bulk("create", FamilyMember, zip([next(following[row["worker_id"]]) for row in rows],
                                         texts, strict=True), user)
