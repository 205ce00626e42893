"""Import sheets in tests: written with openpyxl as users fill them, uploaded to a
record type's import page, confirmed; and what the preview and exports say."""
from __future__ import annotations

import html
import io
import re

import openpyxl

ERROR_ROW = re.compile(r"<tr><td>([^<]*)</td><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>")


def book(app, spec_of, rows: list[dict]) -> bytes:
    """Return an .xlsx with the import headers (as users see them) and ``rows`` by key."""
    with app.test_request_context():
        spec = spec_of()
        columns = [c for c in spec.columns if not c.export_only]
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = str(spec.title)
        sheet.append([c.header for c in columns])
        for row in rows:
            sheet.append([row.get(c.key) for c in columns])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def labels(app, spec_of) -> dict:
    with app.test_request_context():
        return {c.key: c.header for c in spec_of().columns}


def upload(client, auth, endpoint: str, data: bytes):
    return client.post(f"/admin/{endpoint}/import/", data={
        "csrf_token": auth.token(), "file": (io.BytesIO(data), "list.xlsx")},
        content_type="multipart/form-data")


def confirm(client, auth, endpoint: str, page: str):
    token = re.search(r'name="token" value="([0-9a-f]+)"', page).group(1)
    return client.post(f"/admin/{endpoint}/import/confirm/",
                       data={"csrf_token": auth.token(), "token": token})


def errors(page: str) -> list[tuple[int, str, str]]:
    return [(int(row), html.unescape(column), html.unescape(message))
            for _sheet, row, column, message in ERROR_ROW.findall(page)]


def sheet_rows(response) -> list[list]:
    """Return the first sheet of an exported .xlsx as lists of values."""
    assert response.status_code == 200, response.status_code
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]
