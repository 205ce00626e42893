"""Capped list counts: a list page never counts every row of a huge table (issue 14).

Flask-Admin runs ``SELECT count(*)`` over the whole filtered list for every page, which
at a million rows costs more than the page itself. Here the count query counts at most
``LIST_COUNT_CAP`` + 1 rows past the page's offset (a ``LIMIT`` subquery): a list that
has fewer shows its exact total, a longer one shows "more than N" and still pages on,
since every page counts from its own offset. On PostgreSQL an unfiltered list over the
cap shows the planner's estimate of its table's rows instead ("约 1,000,000 条").
"""
from __future__ import annotations

import contextlib
from contextvars import ContextVar

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Table, func, literal_column, select, text
from sqlalchemy.orm import Query

DEFAULT_CAP = 10_000

# (offset of the page being listed, whether its count is wanted) for the current request.
_window: ContextVar[tuple[int, bool]] = ContextVar("list_window", default=(0, True))


class ListCount(int):
    """A list's row count: exact, ``capped`` (more rows than counted) or ``estimated``."""

    capped = estimated = False

    @classmethod
    def at_least(cls, rows: int) -> ListCount:
        """Return a count saying there are more than ``rows - 1`` rows."""
        count = cls(rows)
        count.capped = True
        return count

    @classmethod
    def about(cls, rows: int) -> ListCount:
        """Return the database's estimate of a whole table's rows."""
        count = cls(rows)
        count.estimated = True
        return count


class CappedCountQuery(Query):
    """The count query of a list; ``scalar()`` counts at most cap + 1 rows past the offset.

    Flask-Admin filters and joins it like its own ``count(*)`` query (the methods return
    this class), then calls ``scalar()``.
    """

    def scalar(self):
        offset, wanted = _window.get()
        if not wanted:
            return None
        cap = count_cap()
        rows = self._rows_after(offset, cap + 1)
        if rows == 0 and offset:  # a page past the end: count from the start instead
            offset, rows = 0, self._rows_after(0, cap + 1)
        if rows <= cap:
            return ListCount(offset + rows)
        estimate = self._estimate()
        if estimate > offset + rows:
            return ListCount.about(estimate)
        return ListCount.at_least(offset + rows)

    def _estimate(self) -> int:
        """Return PostgreSQL's estimate of the rows of an unfiltered list's table, else 0.

        The planner's ``reltuples`` (kept by VACUUM and ANALYZE) costs nothing to read;
        SQLite keeps no such figure.
        """
        statement = self.statement
        froms = statement.get_final_froms()
        dialect = self.session.get_bind().dialect.name
        if (dialect != "postgresql" or statement.whereclause is not None or len(froms) != 1
                or not isinstance(froms[0], Table)):
            return 0
        return self.session.scalar(text(
            "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = to_regclass(:t)"),
            {"t": froms[0].name}) or 0

    def _rows_after(self, offset: int, limit: int) -> int:
        """Count the rows of this query after ``offset``, at most ``limit`` of them."""
        window = self.limit(limit).offset(offset or None).subquery()
        return self.session.scalar(select(func.count()).select_from(window))


def count_cap() -> int:
    """Return how many rows a list counts at most (setting ``LIST_COUNT_CAP``)."""
    return int(current_app.config.get("LIST_COUNT_CAP", DEFAULT_CAP))


def capped_count_query(session, model) -> CappedCountQuery:
    """Return the count query of ``model``'s list: its rows, counted on ``scalar()``."""
    return CappedCountQuery([literal_column("1")], session=session).select_from(model)


@contextlib.contextmanager
def counting_from(page: int | None, page_size: int | None, wanted: bool = True):
    """Count the list queries made inside from the offset of ``page`` (or not at all)."""
    offset = (page or 0) * page_size if page_size else 0
    token = _window.set((offset, wanted))
    try:
        yield
    finally:
        _window.reset(token)


def count_text(count) -> str:
    """Return the list's count as shown beside its title: 1,234, 超过 10,000 条 or 约 …."""
    if getattr(count, "estimated", False):
        return _("about %(n)s", n=f"{count:,}")
    if getattr(count, "capped", False):
        return _("more than %(n)s", n=f"{count - 1:,}")
    return f"{count:,}"
