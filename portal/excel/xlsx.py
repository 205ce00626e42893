"""A minimal streaming .xlsx writer: rows go straight into the zipped sheet XML.

openpyxl's write-only mode and xlsxwriter's constant_memory mode both spend most of
their time in per-cell objects (24.5 s and 15.1 s for 100,000 × 13 here); the export
only needs a handful of cell types, so it writes their XML itself: inline strings (no
shared-string table to hold in memory), numbers, dates as serials with a date style,
and text that could be read as a formula with a quote-prefix style.
"""
from __future__ import annotations

import datetime as dt
import re
import zipfile
from decimal import Decimal
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

RISKY_START = ("=", "+", "-", "@", "\t", "\r")
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
EPOCH = dt.date(1899, 12, 30)
# Style indexes into cellXfs below. Text wraps (the default style 0 and the quoted one):
# excel.layout sizes each column so that fixed-length values (ID numbers, cards) and
# labels fit whole, and free text longer than its column wraps rather than being cut,
# at no cost per cell. Every cell sits at the top of its row, so a row made taller by
# wrapped text still reads across.
HEADER, DATE, DATETIME, MONEY, INTEGER, TEXT_SAFE, NUMBER = 1, 2, 3, 4, 5, 6, 7
TOP = '<alignment vertical="top"/></xf>'
WRAPPED = '<alignment vertical="top" wrapText="1"/></xf>'

STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>\
<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/></numFmts>
<fonts count="2"><font><sz val="11"/><name val="等线"/></font>\
<font><b/><sz val="11"/><name val="等线"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill>\
<fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="8"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" \
applyAlignment="1">{WRAPPED}\
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" \
applyAlignment="1"><alignment vertical="center" wrapText="1"/></xf>\
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" \
applyAlignment="1">{TOP}\
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" \
applyAlignment="1">{TOP}\
<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" \
applyAlignment="1">{TOP}\
<xf numFmtId="1" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" \
applyAlignment="1">{TOP}\
<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1" \
applyNumberFormat="1" applyAlignment="1">{WRAPPED}\
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">{TOP}\
</cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""


def is_risky(text: str) -> bool:
    """Tell whether a spreadsheet could read ``text`` as a formula."""
    return text.lstrip(" ").startswith(RISKY_START)


def _text(ref: str, value: str) -> str:
    style = f' s="{TEXT_SAFE}"' if is_risky(value) else ""
    # Keep leading and trailing spaces, and drop control characters XML cannot hold.
    value = CONTROL.sub("", escape(value))
    return f'<c r="{ref}" t="inlineStr"{style}><is><t xml:space="preserve">{value}</t></is></c>'


def cell_xml(ref: str, value) -> str:
    """Return the XML of one cell holding ``value`` with its natural type."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return _text(ref, "是" if value else "否")
    if isinstance(value, Decimal):
        return f'<c r="{ref}" s="{MONEY}"><v>{value:.2f}</v></c>'
    if isinstance(value, int):
        return f'<c r="{ref}" s="{INTEGER}"><v>{value}</v></c>'
    if isinstance(value, float):
        return f'<c r="{ref}" s="{NUMBER}"><v>{value!r}</v></c>'
    if isinstance(value, dt.datetime):
        serial = (value - dt.datetime(1899, 12, 30)).total_seconds() / 86400
        return f'<c r="{ref}" s="{DATETIME}"><v>{serial:.10f}</v></c>'
    if isinstance(value, dt.date):
        return f'<c r="{ref}" s="{DATE}"><v>{(value - EPOCH).days}</v></c>'
    return _text(ref, str(value))


class SheetWriter:
    """Write one worksheet's rows as they come; it prints landscape, one page wide."""

    def __init__(self, stream, widths: list[int], footer: str = "", row_height: float = 15):
        self.stream, self.rows, self.width = stream, 0, len(widths)
        self.footer = footer
        self.letters = [get_column_letter(i + 1) for i in range(len(widths))]
        cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                       for i, w in enumerate(widths, start=1))
        custom = ' customHeight="1"' if row_height != 15 else ""
        self._write(
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
            '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
            'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="{row_height}"{custom}/><cols>{cols}</cols>'
            '<sheetData>')
        self._buffer: list[str] = []

    def _write(self, text: str) -> None:
        self.stream.write(text.encode("utf-8"))

    def header(self, labels, height: float | None = None) -> None:
        """Write the bold header row (``height`` in points when a header takes two lines)."""
        self.rows += 1
        cells = "".join(f'<c r="{self.letters[i]}1" t="inlineStr" s="{HEADER}"><is><t>'
                        f"{escape(str(label))}</t></is></c>" for i, label in enumerate(labels))
        tall = f' ht="{height}" customHeight="1"' if height else ""
        self._write(f'<row r="1"{tall}>{cells}</row>')

    def row(self, values) -> None:
        """Append one data row."""
        self.rows += 1
        n = self.rows
        letters = self.letters
        cells = "".join([cell_xml(f"{letters[i]}{n}", v) for i, v in enumerate(values)])
        self._buffer.append(f'<row r="{n}">{cells}</row>')
        if len(self._buffer) >= 500:
            self.flush()

    def flush(self) -> None:
        if self._buffer:
            self._write("".join(self._buffer))
            self._buffer.clear()

    def close(self) -> None:
        """Finish the sheet: autofilter over the written rows, then how it prints."""
        self.flush()
        last = f"{self.letters[-1]}{max(self.rows, 1)}" if self.letters else "A1"
        # A4 (paperSize 9) landscape, as many pages tall as needed but one page wide;
        # gridlines printed, as a list on paper needs them to be read across.
        footer = f"<oddFooter>{escape(self.footer)}</oddFooter>" if self.footer else ""
        self._write(f'</sheetData><autoFilter ref="A1:{last}"/>'
                    '<printOptions gridLines="1"/><pageMargins left="0.4" right="0.4" '
                    'top="0.6" bottom="0.6" header="0.3" footer="0.3"/><pageSetup '
                    'paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
                    f'<headerFooter>{footer}</headerFooter></worksheet>')
        self.stream.close()


def quote_sheet(name: str) -> str:
    """Return a sheet name as a formula refers to it: in quotes, inner quotes doubled."""
    return "'" + name.replace("'", "''") + "'"


class Workbook:
    """An .xlsx file written sheet after sheet into ``target`` (a path or a binary file)."""

    def __init__(self, target):
        self.zip = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED,
                                   compresslevel=1)
        self.names: list[str] = []

    def sheet(self, name: str, widths: list[int], footer: str = "",
              row_height: float = 15) -> SheetWriter:
        """Open the next sheet for writing (the previous one must be closed); rows are
        ``row_height`` points tall (a sheet signed by hand wants room)."""
        self.names.append(name[:31])
        stream = self.zip.open(f"xl/worksheets/sheet{len(self.names)}.xml", "w",
                               force_zip64=True)
        return SheetWriter(stream, widths, footer, row_height)

    def close(self) -> None:
        """Write the workbook parts that list the sheets, and close the file."""
        n = len(self.names)
        sheets = "".join(f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"/>'
                         for i, name in enumerate(self.names, start=1))
        # The header row is printed again at the top of every page.
        titles = "".join(f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">'
                         f"{escape(quote_sheet(name))}!$1:$1</definedName>"
                         for i, name in enumerate(self.names))
        rels = "".join(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/'
                       f'officeDocument/2006/relationships/worksheet" '
                       f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, n + 1))
        overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                            'ContentType="application/vnd.openxmlformats-officedocument.'
                            'spreadsheetml.worksheet+xml"/>' for i in range(1, n + 1))
        parts = {
            "[Content_Types].xml":
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                'package.relationships+xml"/><Default Extension="xml" '
                'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
                'sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType='
                '"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                f"{overrides}</Types>",
            "_rels/.rels":
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats'
                '.org/officeDocument/2006/relationships/officeDocument" '
                'Target="xl/workbook.xml"/></Relationships>',
            "xl/workbook.xml":
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                f'relationships"><sheets>{sheets}</sheets><definedNames>{titles}'
                '</definedNames></workbook>',
            "xl/_rels/workbook.xml.rels":
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                f'relationships">{rels}<Relationship Id="rId{n + 1}" Type="http://schemas.'
                'openxmlformats.org/officeDocument/2006/relationships/styles" '
                'Target="styles.xml"/></Relationships>',
            "xl/styles.xml": STYLES,
        }
        for name, text in parts.items():
            self.zip.writestr(name, text)
        self.zip.close()
