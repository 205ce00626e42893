"""Every list filter has an index that starts with the column it filters on (issue 14).

A filter over a big list without one scans the table. Boolean and few-valued columns are
allowed without: an index on them would not be used (see ``UNINDEXED``).
"""
from __future__ import annotations

from sqlalchemy import Column, inspect

from models import db
from portal.registry import record_types

# (table, column) filters that go without an index, each for its reason.
UNINDEXED = {
    # A handful of values, each a large share of the rows: the planner would scan anyway.
    ("assistance", "kind"): "7 kinds of aid",
    ("notice", "kind"): "batch or free",
    ("notice", "source"): "3 sources",
    ("donation", "donor_kind"): "person or organisation",
    ("family_member", "relation"): "a few relations",
    ("family_member", "health"): "a few health states",
    ("fund", "source"): "3 sources",
    ("objection", "state"): "3 states",
    ("user", "role"): "4 roles",
    # Yes/no.
    ("fund", "active"): "boolean",
    ("item", "active"): "boolean",
    ("user", "active"): "boolean",
    # "Low stock" compares on_hand with each item's own low_stock: no index serves that.
    ("item", "on_hand"): "compared with another column",
}


def _filtered_columns(app) -> set[tuple[str, str, str]]:
    """Return ``(endpoint, table, column)`` of every filter of every registered list."""
    found = set()
    views = {v.endpoint: v for v in app.extensions["admin"][0]._views}
    for record_type in record_types():
        view = views[record_type.endpoint]
        for flt in view._filters or ():
            column = getattr(flt, "column", None)
            if hasattr(column, "property"):  # a mapped attribute: its column
                column = column.property.columns[0]
            assert isinstance(column, Column) and column.table is not None, (
                record_type.endpoint, flt)
            found.add((record_type.endpoint, column.table.name, column.name))
    return found


def _leading_columns(inspector, table: str) -> set[str]:
    """Return the columns some index, unique constraint or primary key of ``table`` leads with."""
    lists = [index["column_names"] for index in inspector.get_indexes(table)]
    lists += [unique["column_names"] for unique in inspector.get_unique_constraints(table)]
    lists.append(inspector.get_pk_constraint(table)["constrained_columns"])
    return {names[0] for names in lists if names and names[0]}


def test_every_filter_has_an_index(app):
    """Each filter's column leads an index in the database (or is allowed without)."""
    with app.app_context():
        inspector = inspect(db.engine)
        missing = sorted((endpoint, table, column) for endpoint, table, column
                         in _filtered_columns(app)
                         if (table, column) not in UNINDEXED
                         and column not in _leading_columns(inspector, table))
    assert missing == [], "\n".join(map(str, missing))


def test_allow_list_holds_only_filters(app):
    """Every allowed exception is still a filter (the list does not outlive its reasons)."""
    filtered = {(table, column) for _endpoint, table, column in _filtered_columns(app)}
    assert set(UNINDEXED) <= filtered
