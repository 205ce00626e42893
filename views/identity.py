"""ID and bank-card numbers a role sees masked: it may use only what the mask shows.

A view declares the columns that hold such numbers (``identity_columns``) and those read
from their hidden digits (``identity_derived``: the birth date), each with the endpoint
whose line in ``models.permissions.MASKED_IDENTITY`` says who sees it masked. For those
roles the view

- shows the numbers masked and the derived columns not at all (list, details);
- matches a search or lookup term against a number by its last four characters only,
  the part the mask shows (``masked_number_pattern``): were the digits before them
  compared, every search would answer whether a guess of hidden digits is right, and
  some sixty searches rebuild the number (issue 12);
- neither offers nor applies a filter or a sort on any of these columns;
- may not export (``SecuredModelView.allows``), unless the view declares that its export
  masks them as the list does (``export_masks_identity``: ``portal.excel.specs`` then
  writes each number masked and leaves the derived columns out).

Every other role searches, filters and sorts as Flask-Admin does.
"""
from __future__ import annotations

from collections import OrderedDict
from functools import cached_property

from flask_admin.contrib.sqla.tools import (
    get_columns_for_field,
    get_field_with_path,
    parse_like_term,
)
from flask_admin.model.ajax import DEFAULT_PAGE_SIZE
from flask_admin.tools import rec_getattr
from flask_babel import gettext as _
from jinja2 import pass_context
from sqlalchemy import Table, Unicode, and_, cast, false, or_, text

from models.idnumber import mask_id_number
from models.permissions import masked_number_pattern, sees_masked_identity
from views.pickers import ScopedLookup


def column_key(thing) -> tuple[str, str] | None:
    """Return (table, column) of a column or a mapped column attribute, else None."""
    columns = getattr(getattr(thing, "property", None), "columns", None)
    column = columns[0] if columns else thing
    table = getattr(column, "table", None)
    return (table.name, column.name) if isinstance(table, Table) else None


class IdentityColumns:
    """Keep a masked role's search, filters, sorts, lookups and pages to what it sees.

    Mixed into ``views.base.SecuredModelView``, whose ``role`` it reads.
    """

    # "column" or "relation.column" -> the endpoint whose masking rule applies to it.
    identity_columns: dict[str, str] = {}
    identity_derived: dict[str, str] = {}
    # True where the export's columns carry these names (checked by tests/test_desk_excel.py).
    export_masks_identity: bool = False

    @cached_property
    def _identity(self) -> dict[tuple[str, str], tuple[str, bool]]:
        """Map each declared column's (table, column) to (its endpoint, derived?)."""
        found = {}
        for declared, derived in ((self.identity_columns, False),
                                  (self.identity_derived, True)):
            for path, endpoint in declared.items():
                attr, _joins = get_field_with_path(self.model, path)
                for column in get_columns_for_field(attr):
                    found[column_key(column)] = (endpoint, derived)
        return found

    def masks_identity(self) -> bool:
        """Tell whether the current user's role sees any of this view's numbers masked."""
        endpoints = {**self.identity_columns, **self.identity_derived}.values()
        return any(sees_masked_identity(self.role, e) for e in endpoints)

    def masked_kind(self, column) -> str | None:
        """Return "number" or "derived" if the user's role sees ``column`` masked, else None."""
        found = self._identity.get(column_key(column))
        if found is None or not sees_masked_identity(self.role, found[0]):
            return None
        return "derived" if found[1] else "number"

    def term_match(self, field, column, term: str, like: str):
        """Return the condition by which a search or lookup ``term`` matches ``field``.

        ``column`` is ``field`` as the query joins it (maybe through an alias); ``like``
        is the pattern for a role that sees the field as it is.
        """
        kind = self.masked_kind(field)
        if kind is None:
            return cast(column, Unicode).ilike(like)
        pattern = masked_number_pattern(term) if kind == "number" else None
        return column.like(pattern) if pattern else false()

    # --- search (list and export) --------------------------------------------------------
    def _apply_search(self, query, count_query, joins, count_joins, search):
        terms = [term for term in search.split(" ") if term]
        query, joins = self._search(query, joins, terms)
        if count_query is not None:
            count_query, count_joins = self._search(count_query, count_joins, terms)
        return query, count_query, joins, count_joins

    def _search(self, query, joins, terms):
        """Filter ``query`` as Flask-Admin does: each term, in any searchable column."""
        for term in terms:
            matches = []
            for field, path in self._search_fields:
                query, joins, alias = self._apply_path_joins(query, joins, path,
                                                             inner_join=False)
                column = field if alias is None else getattr(alias, field.key)
                matches.append(self.term_match(field, column, term, parse_like_term(term)))
            query = query.filter(or_(*matches))
        return query, joins

    def search_placeholder(self):
        if not self.column_searchable_list:
            return None
        labels = []
        for name in self.column_searchable_list:
            label = str(self.column_labels.get(name, name))
            attr, _joins = get_field_with_path(self.model, name)
            if self.masked_kind(attr) == "number":
                label = _("%(label)s (last 4 digits)", label=label)
            labels.append(label)
        return ", ".join(labels)

    # --- filters and sorting ---------------------------------------------------------------
    def _refuses_filter(self, index: int) -> bool:
        return self.masked_kind(getattr(self._filters[index], "column", None)) is not None

    def _get_list_filter_args(self):
        filters = super()._get_list_filter_args()
        return filters and [f for f in filters if not self._refuses_filter(f[0])]

    def _get_filter_groups(self):
        groups = super()._get_filter_groups() or {}
        kept = OrderedDict((name, [i for i in items if not self._refuses_filter(i["index"])])
                           for name, items in groups.items())
        return OrderedDict((name, items) for name, items in kept.items() if items) or None

    def _refuses_sort(self, name) -> bool:
        """Tell whether the user's role may not sort by column ``name`` (it sees it masked);
        worked out once per role and column (the list header asks for each column)."""
        cache = self.__dict__.setdefault("_refused_sorts", {})
        key = (self.role, name)
        if key not in cache:
            column = self._sortable_columns.get(name)
            cache[key] = any(self.masked_kind(c) for c in (column if isinstance(column, list)
                                                          else [column]))
        return cache[key]

    def is_sortable(self, name):
        return super().is_sortable(name) and not self._refuses_sort(name)

    def _apply_sorting(self, query, joins, sort_column, sort_desc):
        if sort_column is not None and self._refuses_sort(sort_column):
            sort_column = None  # the default order tells nothing of hidden digits
        return super()._apply_sorting(query, joins, sort_column, sort_desc)

    def _get_default_order(self):
        return [(attr, joins, desc) for attr, joins, desc in super()._get_default_order()
                if not self.masked_kind(attr)]

    # --- what the pages show ------------------------------------------------------------
    def _name_kind(self, name) -> str | None:
        """Return ``masked_kind`` of the declared list or details column called ``name``."""
        endpoint = self.identity_columns.get(name) or self.identity_derived.get(name)
        if endpoint is None or not sees_masked_identity(self.role, endpoint):
            return None
        return "number" if name in self.identity_columns else "derived"

    def _as_seen(self, model, name):
        """Return what the user's role sees of column ``name``, or None if it sees it as is."""
        kind = self._name_kind(name)
        if kind == "number":
            return mask_id_number(rec_getattr(model, name))
        return "" if kind == "derived" else None

    @pass_context
    def get_list_value(self, context, model, name):
        seen = self._as_seen(model, name)
        return super().get_list_value(context, model, name) if seen is None else seen

    def list_cell(self, context, name):
        """A list cell's reader (``views.listing``), the column masked as ``_as_seen`` says."""
        plain = super().list_cell(context, name)
        if self._name_kind(name) is None:
            return plain
        return lambda row: seen if (seen := self._as_seen(row, name)) is not None else plain(row)

    @pass_context
    def get_detail_value(self, context, model, name):
        seen = self._as_seen(model, name)
        return super().get_detail_value(context, model, name) if seen is None else seen

    def render(self, template, **kwargs):
        if "details_columns" in kwargs:
            kwargs["details_columns"] = [
                (name, label) for name, label in kwargs["details_columns"]
                if self._name_kind(name) != "derived"]
        return super().render(template, **kwargs)

    # --- ajax lookups (form_ajax_refs) ------------------------------------------------------
    def _create_ajax_loader(self, name, options):
        loader = super()._create_ajax_loader(name, options)
        if any(column_key(f) in self._identity for f in loader._cached_fields):
            return MaskedLookup(self, name, self.session, loader.model, **options)
        return loader


class MaskedLookup(ScopedLookup):
    """An ajax lookup matching each field by ``view.term_match`` (masked numbers by tail)."""

    def __init__(self, view, name, session, model, **options):
        self.view = view
        super().__init__(name, session, model, **options)

    def get_list(self, term, offset=0, limit=DEFAULT_PAGE_SIZE):
        term = term or ""
        query = self.get_query().filter(or_(*[self.view.term_match(f, f, term, f"%{term}%")
                                             for f in self._cached_fields]))
        if self.filters:
            table = self.model.__tablename__.lower()
            query = query.filter(and_(*[text(f"{table}.{value}") for value in self.filters]))
        if self.order_by:
            query = query.order_by(self.order_by)
        return query.offset(offset).limit(limit).all()
