"""Stream the current list of a model view into an .xlsx file."""
from __future__ import annotations

import datetime as dt
import tempfile

from flask import request, send_file
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from models import db
from portal.audit import log_event
from portal.excel.cells import cell, header

CHUNK = 1000


def list_query(view):
    """Return the view's list query with the request's search, filters and sort, unpaged."""
    args = view._get_list_extra_args()
    sort = view._get_column_by_idx(args.sort)
    _count, query = view.get_list(0, sort[0] if sort else None, args.sort_desc, args.search,
                                  args.filters, execute=False, page_size=0)
    return query, args


def write_workbook(view, query, target) -> int:
    """Write the rows of ``query`` with the view's export columns to ``target``; return count."""
    columns = view._export_columns
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=str(view.name)[:31])
    sheet.freeze_panes = "A2"
    for index, (_name, label) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, 2 * len(str(label)) + 2)
    sheet.append([header(sheet, label) for _name, label in columns])
    choices = {name: dict(view.column_choices.get(name, [])) or None for name, _ in columns}
    rows = 0
    for model in db.session.scalars(query.statement.execution_options(yield_per=CHUNK)):
        sheet.append([cell(sheet, view.export_value(model, name), choices[name])
                      for name, _label in columns])
        rows += 1
    if rows:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{rows + 1}"
    book.save(target)
    return rows


def export_response(view):
    """Answer the export request of ``view`` with an .xlsx download, and audit it."""
    query, args = list_query(view)
    # Closed by send_file once the response is sent, so no context manager here.
    target = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115
    rows = write_workbook(view, query, target)
    log_event("export", record_type=view.endpoint, note=request.query_string.decode()[:500],
              changes={"rows": [None, rows], "search": [None, args.search or ""]})
    db.session.commit()
    target.seek(0)
    name = f"{view.name}-{dt.datetime.now():%Y%m%d-%H%M}.xlsx"
    return send_file(target, as_attachment=True, download_name=name,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
