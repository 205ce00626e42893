"""An upload's memory stays bounded: hostile sheets are refused while their XML streams.

Each file is previewed in a fresh Python process (as the web upload does: open, scan,
read, validate) that reports its idle resident set and its peak while importing. The
hostile files are written with zipfile directly, so they are small and quick to make.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl.utils import get_column_letter as column_letter

from models.idnumber import make_id_number
from portal.excel.specs import worker_spec
from tests.excel_files import worker_row

ROOT = Path(__file__).resolve().parent.parent
LIMIT_MB = 300
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
        'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
        'sharedStrings+xml"/></Types>'),
    "_rels/.rels": (
        f'<Relationships xmlns="{RELS[:-28]}package/2006/relationships"><Relationship '
        f'Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{RELS[:-28]}package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>'
        '</Relationships>'),
}


def workbook(rows, title: str = "Sheet1", strings=None) -> bytes:
    """Return an .xlsx whose one sheet holds ``rows`` (an iterable of row XML bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, text in PARTS.items():
            archive.writestr(name, text)
        archive.writestr("xl/workbook.xml", (
            f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets><sheet name="{title}" '
            'sheetId="1" r:id="rId1"/></sheets></workbook>'))
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<worksheet xmlns="{MAIN}"><sheetData>'.encode())
            for row in rows:
                sheet.write(row)
            sheet.write(b"</sheetData></worksheet>")
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as table:
            table.write(f'<sst xmlns="{MAIN}">'.encode())
            for item in strings or ():
                table.write(item)
            table.write(b"</sst>")
    return out.getvalue()


def wide_sheet() -> bytes:
    """100,000 rows × 300 columns of numbers: the 5.7 MB file that took 2 GB."""
    cells = b'<c t="n"><v>1</v></c>' * 300  # placed by position, as calamine does
    return workbook(b'<row r="%d">%s</row>' % (r, cells) for r in range(1, 100_001))


def sparse_sheet() -> bytes:
    """Two cells, at A1 and XFD1048576: a dense range of 16,384 × 1,048,576."""
    return workbook([b'<row r="1"><c r="A1"><v>1</v></c></row>',
                     b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'])


def shared_strings_table() -> bytes:
    """1,100,000 different texts: a few MB zipped, over 100 MB once read."""
    return workbook([b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>'],
                    strings=(b"".join(b"<si><t>%07d</t></si>" % n for n in range(k, k + 10_000))
                             for k in range(0, 1_100_000, 10_000)))


def copied_string() -> bytes:
    """One 30,000-character text used by 100,000 cells: calamine copies it into each."""
    text = b"<si><t>" + b"x" * 30_000 + b"</t></si>"
    return workbook((b'<row r="%d"><c r="A%d" t="s"><v>0</v></c></row>' % (r, r)
                     for r in range(1, 100_001)), strings=[text])


def worker_file(rows: int) -> bytes:
    """Return ``rows`` valid worker rows of the real spec, as inline strings."""
    keys = ["name", "id_number", "phone", "base_union", "employer", "address", "category",
            "main_cause", "household_income", "essential_spending", "notes"]
    columns = {c.key: c for c in worker_spec().columns}
    header = "".join(f'<c r="{column_letter(i + 1)}1" t="inlineStr"><is><t>{columns[k].header}'
                     f"</t></is></c>" for i, k in enumerate(keys))
    out = [f'<row r="1">{header}</row>'.encode()]
    born = dt.date(1960, 1, 1)
    for n in range(rows):
        values = worker_row(make_id_number("370102", born + dt.timedelta(days=n // 400),
                                           n % 400), phone=f"139{n:08d}",
                            address=f"济南市槐荫区经十路{n}号", notes="困难职工档案")
        number = n + 2
        cells = "".join(
            f'<c r="{column_letter(i + 1)}{number}"><v>{values[k]}</v></c>'
            if isinstance(values[k], int) else
            f'<c r="{column_letter(i + 1)}{number}" t="inlineStr"><is><t>{values[k]}</t></is></c>'
            for i, k in enumerate(keys))
        out.append(f'<row r="{number}">{cells}</row>'.encode())
    return workbook(out, title=str(worker_spec().title))


@pytest.mark.skipif(not os.access("/proc/self/clear_refs", os.W_OK),
                    reason="needs Linux /proc/self/clear_refs to reset the peak")
def test_upload_memory_stays_bounded(app, tmp_path):
    """Hostile sheets are refused quickly using little memory; 50,000 workers pass."""
    with app.test_request_context():
        files = {"wide": wide_sheet(), "sparse": sparse_sheet(),
                 "strings": shared_strings_table(), "copied": copied_string(),
                 "workers": worker_file(50_000)}
    paths = []
    for name, data in files.items():
        (tmp_path / f"{name}.xlsx").write_bytes(data)
        paths.append(str(tmp_path / f"{name}.xlsx"))
    done = subprocess.run(
        [sys.executable, "-m", "tests.import_memory_child", str(tmp_path / "m.db"), *paths],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    results = {Path(r["file"]).stem: r for r in map(json.loads, done.stdout.splitlines())}
    for name, r in results.items():
        print(f"{name}: {len(files[name]) / 2**20:.1f} MB file, idle {r['idle']:.0f} MB, "
              f"peak {r['peak']:.0f} MB, growth {r['peak'] - r['idle']:.0f} MB, "
              f"{r['seconds']:.2f} s, {r['outcome']} {r['refused']}")
    expected = {"wide": "IMPORT_MAX_COLUMNS", "sparse": "IMPORT_MAX_COLUMNS",
                "strings": "IMPORT_MAX_SHARED_STRINGS", "copied": "IMPORT_MAX_STRING_MB"}
    for name, setting in expected.items():
        r = results[name]
        assert r["outcome"] == "refused" and setting in r["refused"], r
        assert r["peak"] - r["idle"] < 60, r
        assert r["seconds"] < 5, r
    workers = results["workers"]
    assert "to create 50000, errors 0" in workers["outcome"], workers
    assert workers["peak"] - workers["idle"] < LIMIT_MB, workers
