"""Write the year-end statistics as an .xlsx workbook: one sheet per section, typed cells."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from models.report_tables import report_sections

INTEGER, MONEY = "#,##0", "#,##0.00"
BOLD, TITLE = Font(bold=True), Font(bold=True, size=14)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
# Characters Excel refuses in a sheet name.
NOT_IN_SHEET_NAMES = str.maketrans({c: "_" for c in "[]:*?/\\"})


def report_filename(year: int) -> str:
    """Return the download name of the workbook for ``year``."""
    return _("Year-end statistics-%(year)d.xlsx", year=year)


def _cell(sheet, row: int, column: int, value, bold: bool = False):
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, bool):
        value = _("Yes") if value else _("No")
    if isinstance(value, Decimal):
        cell.value, cell.number_format = value, MONEY
    elif isinstance(value, int):
        cell.value, cell.number_format = value, INTEGER
    else:
        cell.value = str(value)
    if bold:
        cell.font = BOLD
    return cell


def write_report(figures: dict, target) -> None:
    """Write ``figures`` (from ``models.report.year_figures``) to ``target`` (path or file)."""
    book = Workbook()
    book.remove(book.active)
    heading = _("Year-end statistics %(year)d", year=figures["year"])
    as_of = _("Figures as of %(day)s", day=figures["as_of"].isoformat())
    for section in report_sections(figures):
        sheet = book.create_sheet(str(section.title).translate(NOT_IN_SHEET_NAMES)[:31])
        sheet.cell(row=1, column=1, value=f"{heading} — {section.title}").font = TITLE
        sheet.cell(row=2, column=1, value=as_of)
        row, widest = 4, 2
        for table in section.tables:
            _cell(sheet, row, 1, table.title, bold=True)
            row += 1
            for column, label in enumerate(table.headers, start=1):
                cell = _cell(sheet, row, column, label, bold=True)
                cell.fill = HEADER_FILL
                cell.alignment = Alignment(wrap_text=True, vertical="center")
            widest = max(widest, len(table.headers))
            for index, values in enumerate(table.rows):
                row += 1
                last = table.total and index == len(table.rows) - 1
                for column, value in enumerate(values, start=1):
                    _cell(sheet, row, column, value, bold=last)
            row += 2
        sheet.column_dimensions["A"].width = 36
        for column in range(2, widest + 1):
            sheet.column_dimensions[sheet.cell(row=1, column=column).column_letter].width = 16
    book.save(target)
