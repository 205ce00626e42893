"""Open an uploaded workbook safely and read a sheet's rows against a spec."""
from __future__ import annotations

import io
import threading
import zipfile
import zlib

from flask import current_app
from flask_babel import gettext as _
from python_calamine import CalamineWorkbook

from models.base import DomainError
from portal.excel.scan import Limits, Refusal, scan_parts
from portal.excel.spec import Spec

OLE_MAGIC = b"\xd0\xcf\x11\xe0"
MAX_RATIO = 200          # compressed → uncompressed; real sheets stay far below


class FileRefused(DomainError):
    """The file as a whole cannot be imported; nothing was read from it."""


def limits() -> tuple[int, int]:
    """Return the configured (bytes, rows) limits of an import."""
    cfg = current_app.config
    return (cfg.get("IMPORT_MAX_BYTES", 20 * 1024 * 1024),
            cfg.get("IMPORT_MAX_ROWS", 200_000))


def sheet_limits() -> Limits:
    """Return the configured limits of a sheet and of the shared strings."""
    cfg = current_app.config
    return Limits(rows=limits()[1], columns=cfg.get("IMPORT_MAX_COLUMNS", 64),
                  cells=cfg.get("IMPORT_MAX_CELLS", 1_400_000),
                  strings=cfg.get("IMPORT_MAX_SHARED_STRINGS", 1_000_000),
                  string_bytes=cfg.get("IMPORT_MAX_STRING_MB", 32) * 2**20)


class Workbook:
    """An opened workbook whose first sheet is read in the background meanwhile.

    Reading a sheet happens in calamine without the GIL, so it overlaps the importer's
    own preparations; every other call waits for that read, as calamine allows one call
    at a time on a workbook. It is opened only after every part passed the scan.
    """

    def __init__(self, book: CalamineWorkbook) -> None:
        self.book = book
        self.sheet_names = book.sheet_names
        self._first = None
        self._thread = threading.Thread(target=self._read_first, daemon=True)
        self._thread.start()

    def _read_first(self) -> None:
        try:
            self._first = self.book.get_sheet_by_index(0)
        except Exception:  # noqa: BLE001 — read again in the caller's thread, which raises
            self._first = None

    def get_sheet_by_index(self, index: int):
        self._thread.join()
        if index == 0 and self._first is not None:
            sheet, self._first = self._first, None  # not kept: its memory goes with its rows
            return sheet
        return self.book.get_sheet_by_index(index)

    def get_sheet_by_name(self, name: str):
        return self.get_sheet_by_index(self.sheet_names.index(name))


def open_workbook(data: bytes) -> Workbook:
    """Check ``data`` is a plain, sane .xlsx and return it opened, or raise FileRefused."""
    max_bytes, _rows = limits()
    if len(data) > max_bytes:
        raise FileRefused(_("The file is larger than %(mb)d MB.", mb=max_bytes // 2**20))
    if data[:4] == OLE_MAGIC:
        raise FileRefused(_("The file is encrypted or in the old .xls format; save it as an "
                            "unencrypted .xlsx workbook and try again."))
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise FileRefused(_("This is not an Excel .xlsx file."))
    try:
        return _open_checked(data, max_bytes)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):
        # A forged size or checksum ("Bad CRC-32"), a truncated member, an unknown
        # compression method or an encrypted member: the file is not what it says.
        raise FileRefused(_("The file is damaged or altered (its contents do not match "
                            "their checksums); save it again in Excel and try again.")
                          ) from None


def _open_checked(data: bytes, max_bytes: int) -> Workbook:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        if "xl/workbook.xml" not in names:
            raise FileRefused(_("This is not an Excel .xlsx file."))
        budget = max_bytes * MAX_RATIO // 4
        for info in archive.infolist():
            if info.file_size > budget or (
                    info.compress_size and info.file_size / info.compress_size > MAX_RATIO):
                raise FileRefused(_("The file unpacks to an implausible size and was refused."))
            if info.filename.endswith((".xml", ".rels")):
                _refuse_doctype(archive, info.filename)
        try:  # before calamine holds anything: it reads exactly the bytes scanned here
            scan_parts(data, archive, sheet_limits())
        except Refusal as refusal:
            raise FileRefused(_refusal_message(refusal)) from None
    try:
        return Workbook(CalamineWorkbook.from_filelike(io.BytesIO(data)))
    except Exception:  # noqa: BLE001 — calamine raises its own error types
        raise FileRefused(_("The workbook could not be read; save it again in Excel.")
                          ) from None


def _refusal_message(refusal: Refusal) -> str:
    """Return the Chinese message for a limit the scan found broken."""
    n = refusal.limit
    messages = {
        "formula": lambda: _("The file contains formulas. Copy the cells and paste them "
                             "as values, then import again."),
        "merged": lambda: _("The file contains merged cells. Unmerge them and fill every "
                            "cell, then import again."),
        "rows": lambda: _("The sheet has more than %(n)d rows.", n=n),
        "columns": lambda: _("A sheet uses more than %(n)d columns (IMPORT_MAX_COLUMNS); "
                             "delete the columns to the right of the data and try again.",
                             n=n),
        "cells": lambda: _("The file's sheets span more than %(n)d cells in all, each from "
                           "its first to its last row and column (IMPORT_MAX_CELLS); delete "
                           "stray cells far from the data or split the file.", n=n),
        "shared": lambda: _("The file holds more than %(n)d different texts "
                            "(IMPORT_MAX_SHARED_STRINGS); split the file.", n=n),
        "strings": lambda: _("The file's texts would take more than %(mb)d MB "
                             "(IMPORT_MAX_STRING_MB); split the file.", mb=n // 2**20),
    }
    make = messages.get(refusal.kind)
    if make is None:
        return _("The workbook could not be read; save it again in Excel.")
    return make()


def _refuse_doctype(archive: zipfile.ZipFile, name: str) -> None:
    """Refuse an XML part that declares a DOCTYPE or entities (Excel never writes one).

    Entities are the stuff of "billion laughs" and external-entity attacks; a DOCTYPE
    can only come before the root element, so the start of the part tells.
    """
    with archive.open(name) as stream:
        head = stream.read(8192)
    if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
        raise FileRefused(_("The file contains XML declarations Excel never writes "
                            "(DOCTYPE or ENTITY) and was refused."))


def clean_header(text) -> str:
    """Return a header without the required-column marker and spaces."""
    return str(text or "").replace("*", "").replace("＊", "").strip()


def read_sheet(book: Workbook, spec: Spec, first: bool):
    """Return (columns by position, rows with their Excel row numbers) of the spec's sheet.

    The first spec of a file may sit on the first sheet whatever its name; a child spec
    is looked up by its title and is optional (None when absent).
    """
    title = str(spec.title)
    try:
        if title in book.sheet_names:
            sheet = book.get_sheet_by_name(title)
        elif first:
            sheet = book.get_sheet_by_index(0)
        else:
            return None
    except Exception:  # noqa: BLE001 — calamine raises its own error types
        raise FileRefused(_("The workbook could not be read; save it again in Excel.")
                          ) from None
    if sheet.merged_cell_ranges:
        raise FileRefused(_("The file contains merged cells. Unmerge them and fill every "
                            "cell, then import again."))
    rows = iter(sheet.iter_rows())
    header = next(rows, None)
    if not header or not any(str(h).strip() for h in header):
        raise FileRefused(_("Sheet %(name)s is empty.", name=title))
    by_label = {clean_header(c.label): c for c in spec.columns}
    positions, unknown = {}, []
    for index, text in enumerate(header):
        label = clean_header(text)
        if not label:
            continue
        if label in by_label:
            positions[index] = by_label[label]
        else:
            unknown.append(label)
    missing = [clean_header(c.label) for c in spec.columns
               if c.required and not c.export_only and c not in positions.values()]
    if unknown or missing:
        raise FileRefused(_("Sheet %(name)s: columns not recognised: %(unknown)s; required "
                            "columns missing: %(missing)s. Download the template for the "
                            "expected headers.", name=title, unknown="、".join(unknown) or "—",
                            missing="、".join(missing) or "—"))
    _bytes, max_rows = limits()
    if sheet.height - 1 > max_rows:
        raise FileRefused(_("The sheet has more than %(n)d rows.", n=max_rows))
    # any(row) settles nearly every row at C speed; only all-falsy rows (0, False,
    # blanks) need the cell-by-cell look.
    return positions, ((number, row) for number, row in enumerate(rows, start=2)
                       if any(row) or any(cell not in ("", None) for cell in row))
