"""An upload's memory stays bounded: hostile sheets are refused while their XML streams,
and the largest file the limits accept stays under ``LIMIT_MB`` through preview and confirm.

Each file is previewed in a fresh Python process (as the web upload does: open, scan,
read, validate) that reports its idle resident set and its peak while importing; the
largest is then confirmed (written and committed) there too. The files are written
with zipfile directly, so they are small and quick to make.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
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


def inline_texts(limit: int) -> bytes:
    """Rows of one 1,000-character inline text each, more text than ``limit`` in all."""
    cell = b'<c r="A%%d" t="inlineStr"><is><t>%s</t></is></c>' % (b"x" * 1000)
    return workbook(b'<row r="%d">%s</row>' % (r, cell % r)
                    for r in range(1, limit // 1000 + 2))


def cell(ref: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def largest_worker_file(cells: int, text_bytes: int, width: int) -> bytes:
    """Return the largest file the limits accept: valid worker rows of every column of
    the sheet (the derived ones too) and, up to ``width``, columns without a header
    (read, never imported), ``cells`` in all with the header row, in their fewest rows,
    with texts of nearly ``text_bytes`` (long notes)."""
    columns = worker_spec().columns
    letters = [column_letter(i + 1) for i in range(width)]
    rows = cells // width - 1
    values = {**worker_row("%(id)s", phone="139%(n)08d", address="济南市槐荫区经十路%(n)d号院",
                           name="张秀英", category="deep", main_cause="illness"),
              "ethnicity": "汉族", "disability": "无", "single_parent": "否",
              "household_size": 3, "on_dibao": "否", "housing_area": 56,
              "bank_name": "中国工商银行济南分行", "bank_card_no": "6222020200%(n)09d",
              "status": "active", "filed_on": "2024-03-01", "last_reviewed_on": "2025-03-01",
              "certificate_no": "鲁困%(n)09d", "gender": "女", "birth_date": "1960-01-01",
              "per_capita_income": "1000.00", "notes": "%(notes)s"}
    for column in columns:  # any other choice: its first code
        if column.choices and column.key not in values:
            values[column.key] = next(iter(column.choices))
    row = [values.get(c.key) for c in columns] + ["补充信息"] * (width - len(columns))
    header = "".join(cell(f"{x}1", c.header) for x, c in zip(letters, columns, strict=False))
    template = '<row r="%(row)d">' + "".join(
        cell(f"{x}%(row)d", value) for x, value in zip(letters, row, strict=True)) + "</row>"
    # What the scan counts is the text of the cells; long notes make up the rest.
    plain = re.sub(r"<[^>]*>", "", template % {"row": 2, "n": 0, "id": "x" * 18, "notes": ""})
    unit = "困难职工档案，家中有重病患者。"
    notes = unit * max(0, (text_bytes // rows - len(plain.encode())) // len(unit.encode()))
    born = dt.date(1960, 1, 1)
    out = [f'<row r="1">{header}</row>'.encode()]
    out.extend((template % {"row": n + 2, "n": n, "notes": notes, "id": make_id_number(
        "370102", born + dt.timedelta(days=n // 400), n % 400)}).encode() for n in range(rows))
    return workbook(out, title=str(worker_spec().title))


@pytest.mark.skipif(not os.access("/proc/self/clear_refs", os.W_OK),
                    reason="needs Linux /proc/self/clear_refs to reset the peak")
def test_upload_memory_stays_bounded(app, tmp_path):
    """Hostile sheets are refused quickly using little memory; the largest file accepted
    (every limit nearly reached) stays under LIMIT_MB through preview and confirm."""
    cells, text = app.config["IMPORT_MAX_CELLS"], app.config["IMPORT_MAX_STRING_MB"] * 2**20
    width = app.config["IMPORT_MAX_COLUMNS"]
    with app.test_request_context():
        files = {"wide": wide_sheet(), "sparse": sparse_sheet(),
                 "strings": shared_strings_table(), "copied": copied_string(),
                 "inline": inline_texts(text), "largest": largest_worker_file(
                     cells, text * 95 // 100, width)}
    paths = []
    for name, data in files.items():
        (tmp_path / f"{name}.xlsx").write_bytes(data)
        paths.append(str(tmp_path / f"{name}.xlsx") + (":confirm" if name == "largest" else ""))
    done = subprocess.run(
        [sys.executable, "-m", "tests.import_memory_child", str(tmp_path / "m.db"), *paths],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    results = {(Path(r["file"]).stem, r["step"]): r
               for r in map(json.loads, done.stdout.splitlines())}
    for (name, step), r in results.items():
        print(f"{name} {step}: {len(files[name]) / 2**20:.1f} MB file, idle {r['idle']:.0f} MB,"
              f" peak {r['peak']:.0f} MB, growth {r['peak'] - r['idle']:.0f} MB, "
              f"{r['seconds']:.2f} s, {r['outcome']} {r['refused']}")
    expected = {"wide": "IMPORT_MAX_COLUMNS", "sparse": "IMPORT_MAX_COLUMNS",
                "strings": "IMPORT_MAX_SHARED_STRINGS", "copied": "IMPORT_MAX_STRING_MB",
                "inline": "IMPORT_MAX_STRING_MB"}
    for name, setting in expected.items():
        r = results[name, "preview"]
        assert r["outcome"] == "refused" and setting in r["refused"], r
        assert r["peak"] - r["idle"] < 60, r
        assert r["seconds"] < 5, r
    rows = cells // width - 1
    preview, confirm = results["largest", "preview"], results["largest", "confirm"]
    assert f"to create {rows}, errors 0" in preview["outcome"], preview
    assert "written True" in confirm["outcome"], confirm
    for r in (preview, confirm):
        assert r["peak"] - r["idle"] < LIMIT_MB, r
