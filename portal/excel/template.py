"""The import template: headers (required marked *), dropdowns, an example row, notes."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from portal.excel.layout import base_width

EXAMPLES = {"text": "", "int": 3, "money": Decimal("1200.00"), "number": Decimal("45.5"),
            "date": dt.date(2026, 1, 15), "datetime": dt.datetime(2026, 1, 15, 9, 30),
            "bool": "否"}


def build_template(spec, target, examples: dict | None = None) -> None:
    """Write the import template of ``spec`` (and its child sheet) to ``target``."""
    book = Workbook()
    lists = book.create_sheet("_choices")
    lists.sheet_state = "hidden"
    notes = []
    sheets = [(book.active, spec)] + ([(book.create_sheet(), spec.children)]
                                      if spec.children else [])
    list_column = 0
    for sheet, part in sheets:
        sheet.title = str(part.title)[:31]
        columns = [c for c in part.columns if not c.export_only]
        for index, column in enumerate(columns, start=1):
            letter = get_column_letter(index)
            cell = sheet.cell(row=1, column=index, value=column.header + (
                "*" if column.required else ""))
            cell.font = Font(bold=True, color="C00000" if column.required else "000000")
            sheet.column_dimensions[letter].width = base_width(column)
            example = (examples or {}).get(column.key, EXAMPLES.get(column.kind))
            if column.kind in ("choice", "multi") and column.choices:
                labels = [str(v) for v in column.choices.values()]
                list_column += 1
                list_letter = get_column_letter(list_column)
                for row, label in enumerate(labels, start=1):
                    lists.cell(row=row, column=list_column, value=label)
                if column.kind == "choice":
                    check = DataValidation(
                        type="list", allow_blank=not column.required,
                        formula1=f"_choices!${list_letter}$1:${list_letter}${len(labels)}")
                    check.error = _("Choose a value from the list.")
                    sheet.add_data_validation(check)
                    check.add(f"{letter}2:{letter}10000")
                example = (examples or {}).get(column.key, labels[0])
                notes.append((part.title, column.header, "、".join(labels)))
            elif column.kind in ("date", "datetime"):
                notes.append((part.title, column.header, _("A date, e.g. 2026-01-15")))
            sheet.cell(row=2, column=index, value=example)
            if column.kind in ("date", "datetime"):
                sheet.cell(row=2, column=index).number_format = "yyyy-mm-dd"
        sheet.freeze_panes = "A2"
    note_sheet = book.create_sheet(_("Notes"))
    note_sheet.append([_("Notes")])
    note_sheet.append([_("Columns marked * are required. Row 2 is an example: replace or "
                         "delete it. Keep the header row as it is.")])
    if spec.key:
        note_sheet.append([_("Rows whose %(key)s already exists update that record; the "
                             "others are created.", key=spec.column(spec.key).header)])
    note_sheet.append([_("The whole file is checked first; a file with any error writes "
                         "nothing.")])
    note_sheet.append([])
    note_sheet.append([_("Sheet"), _("Column"), _("Allowed values")])
    for row in notes:
        note_sheet.append([str(v) for v in row])
    note_sheet.column_dimensions["C"].width = 80
    book.save(target)
