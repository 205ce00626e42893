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
    found = parsed_rows(book, spec, report, first)
    return None if found is None else list(found)


def parsed_rows(book, spec: Spec, report: Report, first: bool = True):
    """Return a generator of the sheet's rows parsed as ``parse_rows`` does, or None.

    The sheet's header is checked (and the file refused) at once; the rows are parsed
    as they are taken, so a caller that takes them in batches holds one batch.
    """
    found = read_sheet(book, spec, first)
    if found is None:
        return None
    positions, rows = found
    return _parsed(spec, positions, rows, report)


def _parsed(spec: Spec, positions: dict, rows, report: Report):
    parsers = [(index, column.key, column.parser()) for index, column in positions.items()
               if not column.export_only]
    labels = {column.key: column.label for column in positions.values()}
    # read_sheet refuses a sheet without a required column, so this is normally empty.
    absent = [column for column in spec.columns if column.required and not column.export_only
              and column not in positions.values()]
    reach = max((index for index, _key, _parse in parsers), default=-1) + 1
    count = 0
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
        count += 1
        if report.progress and count % 1000 == 0:
            report.progress(1000)
        yield values
    if report.progress:
        report.progress(count % 1000)


def run_import(spec: Spec, data: bytes, user, dry_run: bool = True,
               filename: str = "", progress=None) -> Report:
    """Validate ``data`` against ``spec`` and, unless ``dry_run`` or on any error, write it."""
    report = Report(progress=progress)
    book = open_workbook(data)
    if hasattr(spec.importer, "run"):
        return _run_streaming(spec, book, report, user, dry_run, filename)
    plan = spec.importer.validate(book, spec, report, user)
    if dry_run or not report.ok:
        return report
    return _written(spec, report, filename, lambda: spec.importer.write(plan, user))


def _run_streaming(spec: Spec, book, report: Report, user, dry_run: bool,
                   filename: str) -> Report:
    """Run an importer that checks and writes batch by batch, in one transaction.

    A preview only checks. A confirm writes each batch once it and everything before it
    passed, stops writing at the first error, and rolls everything back on any.
    """
    if dry_run:  # a preview only checks: nothing is written
        spec.importer.run(book, spec, report, user, write=False)
        return report
    return _written(spec, report, filename,
                    lambda: spec.importer.run(book, spec, report, user, write=True))


def _written(spec: Spec, report: Report, filename: str, write) -> Report:
    """Run ``write()`` and commit it with the import's log row, all or nothing.

    A row refused while writing (the database changed meanwhile, or a later batch of a
    streaming import) leaves ``report`` not ok: everything is rolled back.
    """
    try:
        write()
        if not report.ok:
            db.session.rollback()
            return report
        _log_import(spec, report, filename)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    report.written = True
    return report


def _log_import(spec: Spec, report: Report, filename: str) -> None:
    log_event("import", record_type=spec.endpoint, note=filename[:200], changes={
        "created": [None, report.created], "updated": [None, report.updated],
        "rows": [None, report.rows]})
