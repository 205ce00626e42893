"""List filters: integers that fit the database, and filters that apply one clause of
the rules, "yes" only, or "yes" and "no".

A start-page figure and its list share the clause (``views.dashboard.flag``), so the
figure and the filtered list's count cannot drift apart. Subclass and name the clause:

    class OverdueFilter(ClauseFilter):
        clause = staticmethod(overdue_clause)
"""
from __future__ import annotations

from flask_admin.contrib.sqla import filters as sqla
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_babel import lazy_gettext as _l

from portal.safety import LARGEST_INTEGER


def fitting(number: int) -> int:
    """Return ``number`` if the databases can compare a column with it, else raise
    ValueError, which makes Flask-Admin leave the filter out as it does any bad value
    (a larger number made SQLite's driver overflow: a 500)."""
    if not -LARGEST_INTEGER - 1 <= number <= LARGEST_INTEGER:
        raise ValueError(number)
    return number


class FittingInteger:
    """Mixin of an integer filter whose value is ``fitting``."""

    def clean(self, value):
        return fitting(super().clean(value))


class FittingIntegers:
    """Mixin of an integer list filter whose every value is ``fitting``."""

    def clean(self, value):
        return [fitting(number) for number in super().clean(value)]


class IntEqualFilter(FittingInteger, sqla.IntEqualFilter):
    pass


class IntNotEqualFilter(FittingInteger, sqla.IntNotEqualFilter):
    pass


class IntGreaterFilter(FittingInteger, sqla.IntGreaterFilter):
    pass


class IntSmallerFilter(FittingInteger, sqla.IntSmallerFilter):
    pass


class IntInListFilter(FittingIntegers, sqla.IntInListFilter):
    pass


class IntNotInListFilter(FittingIntegers, sqla.IntNotInListFilter):
    pass


class FilterConverter(sqla.FilterConverter):
    """Flask-Admin's filters of a model's columns, integers only as ``fitting``."""

    int_filters = (IntEqualFilter, IntNotEqualFilter, IntGreaterFilter, IntSmallerFilter,
                   sqla.FilterEmpty, IntInListFilter, IntNotInListFilter)


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
