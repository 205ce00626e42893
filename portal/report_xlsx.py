"""Write the year-end statistics as an .xlsx workbook: one sheet per section, typed cells."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break

from models.report_tables import report_sections
from portal.excel import layout

INTEGER, MONEY = "#,##0", "#,##0.00"
BOLD, TITLE = Font(bold=True), Font(bold=True, size=14)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
THIN = Side(style="thin", color="808080")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="center")
LABEL_WIDTH = (16, 40)   # the first column (labels) wraps beyond 40 characters
FIGURE_WIDTH = (10, 18)  # figure columns: a header wider than 18 wraps
CHART_SIZE = (18, 7.5)   # cm: fits the rows reserved below
CHART_ROWS = 17          # rows left free under a table for its chart (7.5 cm of 15 pt rows)
# Characters Excel refuses in a sheet name.
NOT_IN_SHEET_NAMES = str.maketrans({c: "_" for c in "[]:*?/\\"})


def report_filename(year: int) -> str:
    """Return the download name of the workbook for ``year``."""
    return _("Year-end statistics-%(year)d.xlsx", year=year)


def _cell(sheet, row: int, column: int, value, bold: bool = False, widths=None):
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, bool):
        value = _("Yes") if value else _("No")
    if isinstance(value, Decimal):
        cell.value, cell.number_format = value, MONEY
        shown = f"{value:,.2f}"
    elif isinstance(value, int):
        cell.value, cell.number_format = value, INTEGER
        shown = f"{value:,}"
    else:
        cell.value = shown = str(value)
    if bold:
        cell.font = BOLD
    if widths is not None:
        widths[column] = max(widths.get(column, 0), layout.text_width(shown))
    return cell


def _print_setup(sheet, breaks: list[int]) -> None:
    """Print landscape A4 one page wide, the heading on every page, a table per page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:2"
    sheet.oddFooter.left.text, sheet.oddFooter.center.text = "&A", _("Page &P of &N")
    # A break after the last row of each table but the last: no table is cut by a page.
    for row in breaks:
        sheet.row_breaks.append(Break(id=row))


def _size_columns(sheet, widths: dict) -> None:
    """Size the columns to their content; long labels and headers wrap instead."""
    for column, chars in widths.items():
        low, high = LABEL_WIDTH if column == 1 else FIGURE_WIDTH
        sheet.column_dimensions[get_column_letter(column)].width = min(
            max(chars, low), high) + layout.PAD


def _add_chart(sheet, table, header_row: int, anchor_row: int) -> None:
    """Draw ``table``'s chart (``models.report_tables.Chart``) as a native Excel bar chart
    over the table's cells, below the table at ``anchor_row``; a total row is left out."""
    spec = table.chart
    chart = BarChart()
    chart.type, chart.title = "col", str(spec.title)
    chart.width, chart.height = CHART_SIZE
    if spec.stacked:
        chart.grouping, chart.overlap = "stacked", 100
    if spec.by_row:
        # A series row: its label in column A, its values from B to the end of ``columns``
        # (a chart by row starts right after the label column; 累计 after it is left out).
        stop = spec.columns[1]
        for index in spec.series:
            chart.add_data(Reference(sheet, min_col=1, max_col=stop,
                                     min_row=header_row + 1 + index),
                           from_rows=True, titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=2, max_col=stop, min_row=header_row))
    else:
        last = header_row + len(table.rows) - (1 if table.total else 0)
        for column in spec.series:
            chart.add_data(Reference(sheet, min_col=column + 1, min_row=header_row,
                                     max_row=last), titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=1, min_row=header_row + 1, max_row=last))
    sheet.add_chart(chart, f"A{anchor_row}")


def write_report(figures: dict, target) -> None:
    """Write ``figures`` (``models.report_units.unit_report``, or ``year_figures``) to
    ``target`` (path or file)."""
    book = Workbook()
    book.remove(book.active)
    heading = _("Year-end statistics %(year)d", year=figures["year"])
    if figures.get("unit"):
        heading = f"{figures['unit']} {heading}"
    as_of = _("Figures as of %(day)s", day=figures["as_of"].isoformat())
    for section in report_sections(figures):
        sheet = book.create_sheet(str(section.title).translate(NOT_IN_SHEET_NAMES)[:31])
        sheet.cell(row=1, column=1, value=f"{heading} — {section.title}").font = TITLE
        sheet.cell(row=2, column=1, value=as_of)
        row, widths, breaks = 4, {}, []
        for table in section.tables:
            _cell(sheet, row, 1, table.title, bold=True)
            row += 1
            header_row = row
            for column, label in enumerate(table.headers, start=1):
                cell = _cell(sheet, row, column, label, bold=True, widths=widths)
                cell.fill, cell.alignment, cell.border = HEADER_FILL, WRAP, GRID
            for index, values in enumerate(table.rows):
                row += 1
                last = table.total and index == len(table.rows) - 1
                for column, value in enumerate(values, start=1):
                    cell = _cell(sheet, row, column, value, bold=last, widths=widths)
                    cell.border = GRID
                    if column == 1:
                        cell.alignment = WRAP
            if table.chart is not None:
                _add_chart(sheet, table, header_row, row + 2)
                row += CHART_ROWS + 1
            breaks.append(row)
            row += 2
        _size_columns(sheet, widths)
        _print_setup(sheet, breaks[:-1])
    book.save(target)
