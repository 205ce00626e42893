"""A number too large for the database is bad input (a 4xx or a filter left out), never a
500: SQLite's driver overflowed on it."""
from __future__ import annotations

import pytest
from flask_admin.model.filters import BaseIntFilter

from views.service_cases import AssigneeFilter
from views.units import UnitFilter

HUGE = "99999999999999999999999"


def _integer_filters(app) -> list[tuple[str, int, object]]:
    """Return (list URL, filter index, filter) of every integer filter of every list."""
    found = []
    with app.test_request_context():
        for view in app.extensions["admin"][0]._views:
            for index, flt in enumerate(getattr(view, "_filters", None) or ()):
                if isinstance(flt, BaseIntFilter | AssigneeFilter):
                    found.append((view.url, index, flt))
    return found


def test_every_integer_filter_leaves_out_a_number_too_large(app, client, auth):
    """Each list answers 200 with the filter left out, for the largest role (admin)."""
    filters = _integer_filters(app)
    urls = {url for url, _index, _flt in filters}
    assert len(urls) >= 20 and any("/worker" in url for url in urls), urls  # found them
    auth.login("admin")
    for url, index, _flt in filters:
        for value in (HUGE, f"-{HUGE}", f"1,{HUGE}"):
            response = client.get(f"{url}/?flt0_{index}={value}")
            assert response.status_code == 200, (url, index, value)
    # A number that fits is still a filter (it finds nothing); 2**31 - 1, as the unit's
    # id is a 32-bit INTEGER on PostgreSQL (past it, a clean 400 there).
    unit = next(index for url, index, flt in filters
                if url.endswith("/worker") and isinstance(flt, UnitFilter))
    page = client.get(f"/admin/worker/?flt0_{unit}=2147483647").get_data(as_text=True)
    assert "2147483647" in page


@pytest.mark.parametrize("path", [f"/notices/{HUGE}", "/notices/9223372036854775808",
                                  f"/notices/{HUGE}/objection"])
def test_a_public_notice_number_too_large_is_no_page(client, path):
    assert client.get(path).status_code == 404
    assert client.post(path).status_code in (400, 404, 405)
