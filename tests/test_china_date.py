"""The centre's calendar is China's, whatever the server's time zone."""
from __future__ import annotations

import datetime as dt
import re

from models import base


def at(monkeypatch, moment: dt.datetime) -> None:
    """Set the real clock (UTC) to ``moment``."""
    monkeypatch.setattr(base, "clock", lambda: moment)


def test_today_turns_at_midnight_in_china(monkeypatch):
    """A server kept in UTC reaches China's next day at 16:00 UTC, not at its midnight."""
    at(monkeypatch, dt.datetime(2026, 12, 1, 15, 59))
    assert base.today() == dt.date(2026, 12, 1)
    at(monkeypatch, dt.datetime(2026, 12, 1, 16, 0))
    assert base.today() == dt.date(2026, 12, 2)
    at(monkeypatch, dt.datetime(2026, 12, 1, 22, 30))  # 06:30 on the 2nd in China
    assert base.today() == dt.date(2026, 12, 2)
    base.freeze_today(dt.date(2025, 1, 1))
    try:  # a frozen day still wins (the demo's "as of", reports as of a date)
        assert base.today() == dt.date(2025, 1, 1)
    finally:
        base.freeze_today(None)


def test_a_form_offers_chinas_today_early_in_the_morning(monkeypatch, client, auth):
    """At 06:30 in China (22:30 UTC the day before) a new donation is dated that day."""
    at(monkeypatch, dt.datetime(2026, 12, 1, 22, 30))
    auth.login("clerk")
    page = client.get("/admin/donation/new/").get_data(as_text=True)
    field = re.search(r'<input[^>]*name="received_on"[^>]*>', page).group(0)
    assert 'value="2026-12-02"' in field, field
