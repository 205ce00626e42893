"""Altered workbooks: a forged checksum or an XML entity is refused in Chinese, not a 500."""
from __future__ import annotations

import io
import struct
import zipfile

import pytest

from models import Worker, db
from tests.excel_files import worker_row
from tests.factories import id_number
from tests.test_excel_import import book, upload

SHEET = "xl/worksheets/sheet1.xml"


def rewrite(data: bytes, member: str, change) -> bytes:
    """Return the workbook with ``member``'s XML passed through ``change``."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            target.writestr(info.filename, change(body) if info.filename == member else body)
    return out.getvalue()


def forge_crc(data: bytes, member: str) -> bytes:
    """Return the workbook with ``member``'s CRC-32 changed in both of its zip headers."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(member)
    forged = struct.pack("<I", info.CRC ^ 0xFFFFFFFF)
    data = bytearray(data)
    data[info.header_offset + 14:info.header_offset + 18] = forged  # local header
    name = member.encode()
    central = data.index(b"PK\x01\x02")
    while data[central + 46:central + 46 + len(name)] != name:
        central = data.index(b"PK\x01\x02", central + 4)
    data[central + 16:central + 20] = forged
    return bytes(data)


ENTITY = (b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaa">'
          b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>\n')


@pytest.mark.parametrize("case", ["crc", "entity"])
def test_altered_files_are_refused_clearly(app, client, auth, case):
    """Each altered file gets a Chinese message, a 200 page (no 500) and writes nothing."""
    good = book(app, [worker_row(id_number())])
    if case == "crc":
        data = forge_crc(good, SHEET)
        expected = "校验和"
    else:
        data = rewrite(good, SHEET, lambda xml: ENTITY + xml)
        expected = "ENTITY"
    auth.login("staff")
    response = upload(client, auth, data)
    page = client.get(response.headers["Location"]).get_data(as_text=True) \
        if response.status_code == 302 else response.get_data(as_text=True)
    assert response.status_code in (200, 302) and expected in page
    with app.app_context():
        assert db.session.query(Worker).count() == 0
