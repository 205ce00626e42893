"""Run an import: validate the whole file, then write it in one transaction, or nothing."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from models import db
from portal.audit import log_event
from portal.excel.reader import open_workbook, read_sheet
from portal.excel.spec import CellError, Spec

MAX_SHOWN_ERRORS = 500


@dataclass
class Report:
    """What an import would do (dry run) or did, and every error by row and column."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: int = 0
    errors: list[tuple[str, int, str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    written: bool = False
    progress: object = None  # called with the number of rows read since the last call

    def error(self, sheet, row: int, column, message) -> None:
        self.errors.append((str(sheet), row, str(column), str(message)))

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_rows(book, spec: Spec, report: Report, first: bool = True):
    """Return the sheet's rows parsed into dicts (with ``_row``), errors noted in ``report``."""
    found = read_sheet(book, spec, first)
    if found is None:
        return None
    positions, rows = found
    parsers = [(index, column.key, column.parser()) for index, column in positions.items()
               if not column.export_only]
    labels = {column.key: column.label for column in positions.values()}
    # read_sheet refuses a sheet without a required column, so this is normally empty.
    absent = [column for column in spec.columns if column.required and not column.export_only
              and column not in positions.values()]
    reach = max((index for index, _key, _parse in parsers), default=-1) + 1
    parsed = []
    for number, row in rows:
        if len(row) < reach:
            row = list(row) + [None] * (reach - len(row))
        try:  # one comprehension per row is the fast path; a bad cell redoes the row
            values = {key: parse(row[index]) for index, key, parse in parsers}
        except CellError:
            values = {}
            for index, key, parse in parsers:
                try:
                    values[key] = parse(row[index])
                except CellError as exc:
                    report.error(spec.title, number, labels[key], exc)
        values["_row"] = number
        for column in absent:
            if column.key not in values:
                report.error(spec.title, number, column.label, _("Required."))
        parsed.append(values)
        if report.progress and len(parsed) % 1000 == 0:
            report.progress(1000)
    if report.progress:
        report.progress(len(parsed) % 1000)
    return parsed


def run_import(spec: Spec, data: bytes, user, dry_run: bool = True,
               filename: str = "", progress=None) -> Report:
    """Validate ``data`` against ``spec`` and, unless ``dry_run`` or on any error, write it."""
    report = Report(progress=progress)
    book = open_workbook(data)
    plan = spec.importer.validate(book, spec, report, user)
    if dry_run or not report.ok:
        return report
    try:
        spec.importer.write(plan, user)
        if not report.ok:  # a row refused on writing (the database changed meanwhile)
            db.session.rollback()
            return report
        log_event("import", record_type=spec.endpoint, note=filename[:200], changes={
            "created": [None, report.created], "updated": [None, report.updated],
            "rows": [None, report.rows]})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    report.written = True
    return report
