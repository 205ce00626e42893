"""List rows written in Python (views.listing.ListRendering.list_row_html) are the cells
Flask-Admin's template block writes: every list of the demo centre, for a role that sees
everything and one that sees identity masked, compared cell by cell."""
from __future__ import annotations

import re

import pytest

from portal.registry import record_types

ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
# A CSRF token is signed with the time: two pages a second apart carry different ones.
CSRF = re.compile(r'(name="csrf_token"[^>]*value=")[^"]*"')


def rows(html: str) -> list[str]:
    """Return the table rows of a list page, whitespace beside tags left out (a cell's
    leading and trailing spaces do not show)."""
    table = html[html.index('<table class="table'):]
    table = table[:table.index("</table>")]
    return [CSRF.sub(r'\1…"', re.sub(r"\s+<", "<", re.sub(r">\s+", ">", row))).strip()
            for row in ROW.findall(table.split("</thead>", 1)[1])]


@pytest.mark.parametrize("role", ["admin", "clerk"])
def test_python_rows_are_the_template_rows(app, client, auth, demo, role, monkeypatch):
    from views.listing import ListRendering

    auth.login(role)
    compared = 0
    for record in record_types():
        if not record.allows(role, "R"):
            continue
        url = f"/admin/{record.endpoint}/"
        fast = client.get(url)
        assert fast.status_code == 200, url
        monkeypatch.setattr(ListRendering, "python_rows", False)
        slow = client.get(url)
        monkeypatch.setattr(ListRendering, "python_rows", True)
        ours, theirs = rows(fast.get_data(as_text=True)), rows(slow.get_data(as_text=True))
        assert ours == theirs, url
        compared += bool(ours)
    assert compared >= 10


def test_an_empty_list_says_so_as_the_template_does(app, client, auth, demo, monkeypatch):
    """A search that finds nothing gives Flask-Admin's own empty-list row."""
    from views.listing import ListRendering

    auth.login("admin")
    url = "/admin/worker/?search=没有这个人"
    fast = rows(client.get(url).get_data(as_text=True))
    monkeypatch.setattr(ListRendering, "python_rows", False)
    slow = rows(client.get(url).get_data(as_text=True))
    assert fast == slow and len(fast) == 1 and 'colspan="999"' in fast[0]


@pytest.mark.parametrize("value", ["a&b<c>'d\"e", "王小明", "", "&amp;", 12, 1.5, None])
def test_cell_text_is_markupsafes_escape(value):
    from markupsafe import Markup, escape

    from views.listing import html_text

    assert html_text(value) == str(escape(value))
    assert html_text(Markup("<b>已审</b>")) == "<b>已审</b>"
