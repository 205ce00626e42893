"""List counts are capped: no exact COUNT over a huge list, and pages still turn (issue 14)."""
from __future__ import annotations

import re

from sqlalchemy import event, text

from models import db
from tests.conftest import postgres_only
from tests.factories_inventory import make_item


def _tab(page: str) -> str:
    return re.search(r'class="nav-link active">(.*?)</a>', page, re.S).group(1)


def _pages(page: str) -> list[int]:
    return [int(p) for p in re.findall(r'class="page-link" href="[^"]*">(\d+)</a>', page)]


def _items(app, n):
    with app.app_context():
        for i in range(n):
            make_item(name=f"物品{i:03d}")


def test_short_list_shows_its_exact_count(app, client, auth):
    """Under the cap the tab shows the exact number of rows."""
    _items(app, 3)
    auth.login("admin")
    assert _tab(client.get("/admin/item/").get_data(as_text=True)).endswith("(3)")


def test_long_list_says_more_than_the_cap_and_pages_on(app, client, auth):
    """Over the cap the tab says 超过 N 条, the pager links pages to the cap and beyond."""
    app.config["LIST_COUNT_CAP"] = 25
    _items(app, 65)
    auth.login("admin")
    # Searched, so that PostgreSQL gives no estimate of the whole table instead.
    url = "/admin/item/?search=物品&page_size=20"
    first = client.get(url).get_data(as_text=True)
    assert "超过 25 条" in _tab(first)
    assert _pages(first) == [1, 2]
    # Each page counts from its own offset, so the pager always offers the next page.
    second = client.get(url + "&page=1").get_data(as_text=True)
    assert "超过 45 条" in _tab(second) and max(_pages(second)) == 3
    third = client.get(url + "&page=2").get_data(as_text=True)
    assert _tab(third).endswith("(65)") and max(_pages(third)) == 4
    last = client.get(url + "&page=3").get_data(as_text=True)
    assert "物品064" in last and _tab(last).endswith("(65)")


@postgres_only
def test_unfiltered_long_list_shows_the_estimate(app, client, auth):
    """On PostgreSQL a whole table over the cap shows the planner's estimate: 约 N 条."""
    app.config["LIST_COUNT_CAP"] = 5
    _items(app, 12)
    with app.app_context():
        db.session.execute(text("ANALYZE item"))
        db.session.commit()
    auth.login("admin")
    page = client.get("/admin/item/").get_data(as_text=True)
    assert "约 12 条" in _tab(page)
    searched = client.get("/admin/item/?search=物品").get_data(as_text=True)
    assert "超过 5 条" in _tab(searched)


def test_filtered_list_counts_exactly_under_the_cap(app, client, auth):
    """A search or filter that leaves fewer rows than the cap shows their exact number."""
    app.config["LIST_COUNT_CAP"] = 5
    _items(app, 12)
    auth.login("admin")
    assert "超过 5 条" in _tab(client.get("/admin/item/?search=物品").get_data(as_text=True))
    page = client.get("/admin/item/?search=物品01").get_data(as_text=True)
    assert _tab(page).endswith("(2)")


def test_page_past_the_end_still_counts(app, client, auth):
    """A page number past the last row shows no rows and the real count."""
    _items(app, 3)
    auth.login("admin")
    page = client.get("/admin/item/?page=40").get_data(as_text=True)
    assert _tab(page).endswith("(3)")


def test_count_query_is_limited(app, client, auth):
    """The count runs over a LIMIT subquery, never a bare count(*) of the table."""
    _items(app, 3)
    auth.login("admin")
    seen = []
    with app.app_context():
        engine = db.engine
    listener = lambda conn, cur, statement, *a: seen.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        client.get("/admin/item/")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    counts = [s for s in seen if "count(" in s.lower()]
    assert counts and all("LIMIT" in s for s in counts), counts
