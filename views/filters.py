"""List filters that apply one clause of the rules: "yes" only, or "yes" and "no".

A start-page figure and its list share the clause (``views.dashboard.flag``), so the
figure and the filtered list's count cannot drift apart. Subclass and name the clause:

    class OverdueFilter(ClauseFilter):
        clause = staticmethod(overdue_clause)
"""
from __future__ import annotations

from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_babel import lazy_gettext as _l


class ClauseFilter(BaseSQLAFilter):
    """A filter with the single option "yes" that applies ``clause()`` (one clause, or a
    tuple of them)."""

    @staticmethod
    def clause():
        raise NotImplementedError

    def apply(self, query, value, alias=None):
        found = type(self).clause()
        return query.filter(*found) if isinstance(found, tuple) else query.filter(found)

    def operation(self):
        return _l("is")

    def get_options(self, view):
        return [("1", _l("Yes"))]


class YesNoFilter(ClauseFilter):
    """A filter applying ``clause()`` for "yes" and its negation for "no"."""

    def apply(self, query, value, alias=None):
        found = type(self).clause()
        return query.filter(found if value == "1" else ~found)

    def get_options(self, view):
        return [("1", _l("Yes")), ("0", _l("No"))]
