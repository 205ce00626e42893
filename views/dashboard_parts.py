"""How the start page is declared (``views.dashboard`` declares it): panels of figures,
each figure a count of a list's rows under conditions (``Counted``) or computed
(``Custom``), linked to the list or page it summarises.

A condition is both a SQL clause (for the count) and the list filter that applies it (for
the link), so a figure and its list cannot disagree.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from flask import url_for
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_babel import gettext as _

from models.dashboard import count
from models.unit_scope import visible_units
from portal.report_charts import Drawn
from views.base import money
from views.dashboard_kept import kept_rows
from views.stock_lists import view_of


@dataclass(frozen=True)
class Row:
    """One line of a panel as the template shows it."""

    key: str
    label: object
    value: object
    url: str | None
    count: int | None = None      # the number of rows the linked list shows, if it is one
    details: tuple = ()
    info: bool = False            # for information: nothing to do about it today
    chart: Drawn | None = None    # a chart instead of a figure
    as_of: dt.datetime | None = None  # when a kept figure was counted (views.dashboard_kept)


@dataclass(frozen=True)
class Cond:
    """One condition of a counted figure: its clause and the list filter that applies it."""

    clause: Callable
    selector: object              # a filter class, or a column (its "equals" filter)
    value: str = "1"


def equals(column, value: str) -> Cond:
    """Return the condition ``column == value``, listed by the column's "equals" filter."""
    return Cond(lambda user: column == value, column, value)


def flag(filter_class, clause: Callable, value: str = "1") -> Cond:
    """Return the condition a custom list filter applies (``clause(user)`` for the count)."""
    return Cond(clause, filter_class, value)


def list_url(admin, endpoint: str, conds=()) -> str | None:
    """Return the list URL of ``endpoint`` with ``conds``' filters, if the user may read it."""
    view = view_of(admin, endpoint)
    if view is None or not view.is_accessible():
        return None
    args = {}
    for position, cond in enumerate(conds):
        index, flt = next(
            (i, f) for i, f in enumerate(view._filters or [])
            if (isinstance(f, cond.selector) if isinstance(cond.selector, type) else
                type(f) is FilterEqual and str(f.column) == str(cond.selector.expression)))
        args[f"flt{position}_{view.get_filter_arg(index, flt)}"] = cond.value
    return url_for(f"{endpoint}.index_view", **args)


def page_url(admin, endpoint: str, route: str) -> str | None:
    """Return the URL of a page of ``endpoint``, if the user may read it."""
    view = view_of(admin, endpoint)
    return url_for(f"{endpoint}.{route}") if view and view.is_accessible() else None


@dataclass(frozen=True)
class Counted:
    """A figure that counts ``model`` rows meeting ``conds``, linked to the filtered list
    (``kept``: a count over all the files, kept for a few minutes)."""

    key: str
    label: object
    roles: tuple
    endpoint: str
    model: type
    conds: tuple
    info: bool = False
    kept: bool = False

    def rows(self, admin, user) -> list[Row]:
        url = list_url(admin, self.endpoint, self.conds)
        if url is None:
            return []
        if self.kept:
            return kept_rows(self.key, user, lambda: self._rows(url, user))
        return self._rows(url, user)

    def _rows(self, url: str, user) -> list[Row]:
        n = count(self.model, *(c.clause(user) for c in self.conds), units=visible_units(user))
        return [Row(self.key, self.label, n, url, n, info=self.info)]


@dataclass(frozen=True)
class Custom:
    """A figure computed by ``make(admin, user)``, shown when ``endpoint`` is readable
    (``kept``: kept for a few minutes under this key)."""

    roles: tuple
    endpoint: str
    make: Callable
    kept: str = ""

    def rows(self, admin, user) -> list[Row]:
        view = view_of(admin, self.endpoint)
        if not (view and view.is_accessible()):
            return []
        if self.kept:
            return kept_rows(self.kept, user, lambda: self.make(admin, user))
        return self.make(admin, user)


def yuan(value) -> str:
    """Return an amount as the page shows it: yuan with two decimals."""
    return _("%(amount)s yuan", amount=money(value))


@dataclass(frozen=True)
class Panel:
    """A card of the start page: a title and the figures it may hold (``wide``: a chart)."""

    key: str
    title: object
    figures: tuple
    wide: bool = False


def shown_panels(panels, admin, user) -> list[tuple[Panel, list[Row]]]:
    """Return the ``panels`` ``user`` sees, each with its rows (panels with none left out)."""
    shown = []
    for panel in panels:
        rows = [row for figure in panel.figures
                if user.role == "admin" or user.role in figure.roles
                for row in figure.rows(admin, user)]
        if rows:
            shown.append((panel, rows))
    return shown
