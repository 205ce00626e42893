"""Deep pages by keyset (issue 14): a page link carries where its page ends, and the page
it names is read from there through the sort's index, giving the rows OFFSET gives."""
from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import event

from models import db
from tests.factories import make_worker

DETAILS = re.compile(r"/admin/worker/details/\?id=(\d+)")
LINKS = re.compile(r'href="(/admin/worker/\?[^"]*)"')
SIZE = 20
NAMES = ["王伟", "李娜", "张敏", "刘洋", "陈静"]  # repeated: ties the id must break


@pytest.fixture
def workers(app):
    """Make 75 files (4 pages of 20) whose names repeat."""
    with app.app_context():
        for i in range(75):
            make_worker(name=NAMES[i % len(NAMES)], commit=False)
        db.session.commit()


def ids(page: str) -> list[int]:
    return [int(i) for i in dict.fromkeys(DETAILS.findall(page))]


def link_to(page: str, number: int) -> str | None:
    """Return the pager's link to page ``number`` (0-based) on ``page``, if any."""
    for href in LINKS.findall(page):
        href = html.unescape(href)
        if parse_qs(urlsplit(href).query).get("page") == [str(number)]:
            return href
    return None


def pages_by_offset(client, query: str) -> list[list[int]]:
    return [ids(client.get(f"/admin/worker/?page_size={SIZE}&page={p}{query}")
                .get_data(as_text=True)) for p in range(4)]


# Default (id), name both ways, and base union (one value for all: every row a tie).
@pytest.mark.parametrize("query", ["", "&sort=0", "&sort=0&desc=1", "&sort=3&desc=1"])
def test_walking_the_links_gives_the_offset_pages_forward_and_back(client, auth, workers,
                                                                    query):
    auth.login("staff")
    expected = pages_by_offset(client, query)
    assert sum(len(p) for p in expected) == 75 and len(set(sum(expected, []))) == 75
    page = client.get(f"/admin/worker/?page_size={SIZE}{query}").get_data(as_text=True)
    for number in (1, 2, 3):
        link = link_to(page, number)
        assert "after=" in link, link
        page = client.get(link).get_data(as_text=True)
        assert ids(page) == expected[number], (query, number)
    for number in (2, 1):  # and back, through the first row of each page
        link = link_to(page, number)
        assert "after=" in link, link
        page = client.get(link).get_data(as_text=True)
        assert ids(page) == expected[number], (query, number)


def _offset(statement: str, parameters) -> int:
    """Return the OFFSET a statement skips (SQLAlchemy writes OFFSET 0 beside a LIMIT)."""
    named = re.search(r"OFFSET %\((\w+)\)s", statement)
    if named:
        return parameters[named.group(1)]
    return parameters[-1] if "OFFSET ?" in statement else 0


def test_a_linked_page_skips_no_rows_by_offset(app, client, auth, workers):
    auth.login("staff")
    page = client.get(f"/admin/worker/?page_size={SIZE}&page=2").get_data(as_text=True)
    link = link_to(page, 3)
    listed = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, parameters, *args):
        if "FROM worker" in statement and "ORDER BY" in statement:
            listed.append(_offset(statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(link).status_code == 200
        assert listed == [0]
        listed.clear()
        assert client.get(f"/admin/worker/?page_size={SIZE}&page=3").status_code == 200
        assert listed == [3 * SIZE]  # the same page typed by hand: by OFFSET
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_a_link_two_pages_on_skips_one_page_only(client, auth, workers):
    auth.login("staff")
    expected = pages_by_offset(client, "")
    page = client.get(f"/admin/worker/?page_size={SIZE}").get_data(as_text=True)
    assert ids(client.get(link_to(page, 2)).get_data(as_text=True)) == expected[2]


def test_the_count_read_from_the_cursor_is_the_whole_count(client, auth, workers):
    auth.login("staff")
    page = client.get(f"/admin/worker/?page_size={SIZE}&page=1").get_data(as_text=True)
    deep = client.get(link_to(page, 2)).get_data(as_text=True)
    assert "(75)" in deep


@pytest.mark.parametrize("cursor", ["x", "1.a.", "1.a.!!!", "1.z.WzEsMl0", "99.a.WzEsMl0",
                                    "1.a.WyJhIiwiYiJd", "-1.b.WzFd"])
def test_a_forged_cursor_pages_by_offset(client, auth, workers, cursor):
    auth.login("staff")
    expected = pages_by_offset(client, "")
    page = client.get(f"/admin/worker/?page_size={SIZE}&page=2&after={cursor}")
    assert page.status_code == 200
    assert ids(page.get_data(as_text=True)) == expected[2]


def test_links_that_change_sort_or_size_carry_no_cursor(client, auth, workers):
    auth.login("staff")
    page = client.get(f"/admin/worker/?page_size={SIZE}&page=1").get_data(as_text=True)
    for href in map(html.unescape, LINKS.findall(page)):
        query = parse_qs(urlsplit(href).query)
        if "after" in query:
            assert "sort" not in query and query.get("page_size") == [str(SIZE)], href


def test_a_sort_on_a_column_that_may_be_empty_pages_by_offset(client, auth, workers):
    """NULLs sort first on SQLite and last on PostgreSQL: no cursor, Flask-Admin's pages."""
    auth.login("staff")
    expected = pages_by_offset(client, "&sort=7")
    page = client.get(f"/admin/worker/?page_size={SIZE}&sort=7").get_data(as_text=True)
    link = link_to(page, 1)
    assert "after=" not in link
    assert ids(client.get(link).get_data(as_text=True)) == expected[1]


def test_a_clerk_cannot_seek_by_a_masked_number(client, auth, workers):
    """A cursor compares the sort column: never a column the role sees masked."""
    auth.login("clerk")
    expected = pages_by_offset(client, "&sort=1")
    forged = "0.a.WyIzNzAxMDIxOTkwMDEwMTAwMDAiLDEwMDBd"  # ["370102199001010000", 1000]
    page = client.get(f"/admin/worker/?page_size={SIZE}&sort=1&page=1&after={forged}")
    assert ids(page.get_data(as_text=True)) == expected[1]
