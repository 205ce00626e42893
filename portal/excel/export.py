"""Export a list (its search, filters and sort applied) to .xlsx or .csv, streamed."""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import tempfile
from dataclasses import replace
from itertools import chain, islice
from urllib.parse import quote

from flask import Response, abort, flash, redirect, request, send_file, stream_with_context
from sqlalchemy import func, inspect, select

from models import db
from models.display import file_stamp
from portal.audit import log_event
from portal.excel import layout
from portal.excel.spec import UnknownColumns
from portal.excel.specs import spec_for
from portal.excel.xlsx import Workbook, is_risky

CHUNK = 2000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Digit strings Excel would turn into a number in scientific notation (12 digits or more).
LONG_NUMBER = re.compile(r"[0-9]{12,}[Xx]?")


def list_query(view, ids: list | None = None):
    """Return the view's list query with the request's search, filters and sort, unpaged."""
    args = view._get_list_extra_args()
    sort = view._get_column_by_idx(args.sort)
    _count, query = view.get_list(0, sort[0] if sort else None, args.sort_desc, args.search,
                                  args.filters, execute=False, page_size=0)
    if ids:
        pk = inspect(view.model).primary_key[0]
        query = query.filter(pk.in_(view.coerce_ids(ids)))
    return query, args


def rows_statement(spec, joins, query):
    """Return the SELECT of the spec's columns over the rows of ``query``."""
    for alias, prop in joins:
        query = query.outerjoin(alias, getattr(spec.model, prop.key).of_type(alias))
    return query.with_entities(*[c.expr for c in spec.columns]).statement


def child_statement(spec, query):
    """Return the SELECT of the child sheet's rows for the parents ``query`` selects."""
    child = spec.children
    parent_pk = inspect(spec.model).primary_key[0]
    parents = query.with_entities(parent_pk).order_by(None).statement.subquery()
    fk = next(iter(inspect(child.model).relationships.values()))
    return (select(*[c.expr for c in child.columns])
            .join_from(child.model, spec.model, fk.primaryjoin)
            .where(parent_pk.in_(select(parents.c[0])))
            .order_by(parent_pk, inspect(child.model).primary_key[0]))


def _stream(statement):
    return db.session.execute(statement.execution_options(yield_per=CHUNK))


def write_xlsx(spec, statement, target, children=None, progress=None) -> int:
    """Write the rows (and the child sheet) to ``target``; return the number of rows."""
    book = Workbook(target)
    count = _write_sheet(book, spec, statement, progress)
    if children is not None:
        _write_sheet(book, spec.children, children, None)
    book.close()
    return count


def _write_sheet(book, spec, statement, progress) -> int:
    converters = [c.converter() for c in spec.columns]
    rows = ([convert(v) for convert, v in zip(converters, row, strict=True)]
            for row in _stream(statement))
    # The first rows are read ahead to size the columns; the rest stream past.
    sample = list(islice(rows, layout.SAMPLE_ROWS))
    widths, two_lines = layout.fit(spec.columns, sample)
    sheet = book.sheet(str(spec.title), widths, layout.footer())
    sheet.header((c.header for c in spec.columns),
                 layout.HEADER_TWO_LINES if two_lines else None)
    count = 0
    for values in chain(sample, rows):
        sheet.row(values)
        count += 1
        if progress and count % CHUNK == 0:
            progress(CHUNK)
    sheet.close()
    if progress:
        progress(count % CHUNK)
    return count


def csv_lines(spec, statement, counter: list):
    """Yield the CSV text (UTF-8 with BOM, formulas neutralised) chunk by chunk."""
    buffer = _Buffer()
    writer = csv.writer(buffer)
    converters = [c.converter() for c in spec.columns]
    yield codecs.BOM_UTF8.decode("utf-8")
    writer.writerow([c.header for c in spec.columns])
    for row in _stream(statement):
        writer.writerow([_csv_value(convert(v)) for convert, v in zip(converters, row,
                                                                      strict=True)])
        counter[0] += 1
        if len(buffer.parts) >= 500:
            yield buffer.take()
    yield buffer.take()


class _Buffer:
    def __init__(self):
        self.parts: list[str] = []

    def write(self, text):
        self.parts.append(text)

    def take(self) -> str:
        text, self.parts = "".join(self.parts), []
        return text


def _csv_value(value):
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, str) and is_risky(value):
        return "'" + value  # Excel shows a leading apostrophe as "this is text"
    if isinstance(value, str) and LONG_NUMBER.fullmatch(value):
        # Excel reads a bare 18-digit ID or 19-digit card as a number (3.70102E+17, the
        # last digits lost); a leading tab keeps it text and runs nothing.
        return "\t" + value
    return value


def _filename(view, ext: str) -> str:
    return f"{view.name}-{file_stamp()}.{ext}"


def _audit(view, export_type, args, rows, ids, spec):
    log_event("export", record_type=view.endpoint,
              note=f"{export_type} {request.query_string.decode()[:400]}",
              changes={"rows": [None, rows], "search": [None, args.search or ""],
                       "scope": [None, "selected" if ids else "all"],
                       "columns": [None, [c.key for c in spec.columns]]})
    db.session.commit()


def export_response(view, export_type: str):
    """Answer ``view``'s export request with a download, and audit it."""
    if export_type not in ("xlsx", "csv"):
        abort(404)
    ids = [i for i in request.values.getlist("ids") + request.values.get(
        "id_list", "").split(",") if i]
    spec, joins = spec_for(view)
    try:
        spec = spec.select([k for value in request.args.getlist("columns")
                            for k in value.split(",") if k])
    except UnknownColumns as exc:  # a hand-made URL: back to the chooser, which says why
        flash(str(exc), "error")
        return redirect(view.get_url(".export_options_view", **{
            k: v for k, v in request.args.lists() if k != "columns"}))
    if request.args.getlist("children")[-1:] == ["0"]:
        spec = replace(spec, children=None)
    query, args = list_query(view, ids)
    statement = rows_statement(spec, joins, query)
    if export_type == "csv":
        counter = [0]

        def generate():
            yield from csv_lines(spec, statement, counter)
            _audit(view, "csv", args, counter[0], ids, spec)

        name = _filename(view, "csv")
        return Response(stream_with_context(generate()), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition":
                                 f"attachment; filename*=UTF-8''{quote(name)}"})
    # Spooled to disk past 16 MB, so memory stays flat however many rows there are;
    # send_file closes it once sent.
    target = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115
    children = child_statement(spec, query) if spec.children else None
    rows = write_xlsx(spec, statement, target, children)
    _audit(view, "xlsx", args, rows, ids, spec)
    target.seek(0)
    return send_file(target, as_attachment=True, download_name=_filename(view, "xlsx"),
                     mimetype=XLSX)


def count_rows(query) -> int:
    """Return how many rows ``query`` selects (for a progress bar)."""
    return db.session.scalar(select(func.count()).select_from(
        query.order_by(None).statement.subquery()))
