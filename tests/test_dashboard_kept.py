"""The start page's counts over all the files are kept a few minutes (views.dashboard_kept);
the figures of work waiting for someone are counted on every page."""
from __future__ import annotations

import re

import pytest

import views.dashboard_kept as kept
from tests.conftest import PASSWORDS
from tests.factories import make_worker
from tests.test_dashboard import figures, start_page
from tests.units import make_tree

COUNTED_AT = re.compile(r'<small class="[^"]*dash-as-of"[^>]*>统计于 \d\d:\d\d</small>')


def header(page: str, panel: str) -> str:
    """Return the header of the start page's panel ``panel``."""
    return re.search(rf'id="panel-{panel}">\s*<div class="card-header">(.*?)</div>', page,
                     re.S).group(1)


def row(page: str, key: str) -> str:
    """Return the start page's figure ``key`` as written."""
    return re.search(rf'id="fig-{key}"(.*?)</(?:a|div)>', page, re.S).group(1)


def later(monkeypatch, seconds: float) -> None:
    """Move the keeping clock on by ``seconds``."""
    now = kept.monotonic() + seconds
    monkeypatch.setattr(kept, "monotonic", lambda: now)


def test_kept_figures_wait_for_the_keep_time_live_ones_do_not(app, client, auth, monkeypatch):
    with app.app_context():
        make_worker()
    auth.login("staff")
    page = start_page(client)
    assert figures(page)["status-active"]["count"] == 1
    assert COUNTED_AT.search(header(page, "by-status")), "a kept panel says when it counted"
    # A panel of kept and live figures: only the kept one says when.
    assert "dash-as-of" not in header(page, "files")
    assert COUNTED_AT.search(row(page, "files-review-due"))
    assert "dash-as-of" not in row(page, "files-pending")
    with app.app_context():
        make_worker(), make_worker(status="pending")
    shown = figures(start_page(client))
    assert shown["status-active"]["count"] == 1  # kept
    assert shown["files-pending"]["count"] == 1  # live
    later(monkeypatch, app.config["DASHBOARD_KEEP_SECONDS"] - 1)
    assert figures(start_page(client))["status-active"]["count"] == 1
    later(monkeypatch, 2)
    shown = figures(start_page(client))
    assert (shown["status-active"]["count"], shown["status-pending"]["count"]) == (2, 1)


def test_keep_time_zero_counts_on_every_page(app, client, auth):
    app.config["DASHBOARD_KEEP_SECONDS"] = 0
    auth.login("staff")
    assert figures(start_page(client))["status-active"]["count"] == 0
    with app.app_context():
        make_worker()
    page = start_page(client)
    assert figures(page)["status-active"]["count"] == 1
    assert "dash-as-of" not in page


@pytest.mark.parametrize("first", ["a_staff", "c_staff", "staff"])
def test_each_unit_scope_keeps_its_own_figures(app, auth, first):
    """A station's kept figures are never shown to its county or the top, nor theirs to it,
    whoever looks first."""
    with app.app_context():
        tree = make_tree()
        make_worker(unit_id=tree.a), make_worker(unit_id=tree.b), make_worker()
    expected = {"a_staff": 1, "c_staff": 2, "staff": 3}
    for name in [first, *(n for n in expected if n != first)]:
        client = app.test_client()
        auth.client = client
        auth.login(username=name, password=PASSWORDS["staff"])
        assert figures(start_page(client))["status-active"]["count"] == expected[name], name
