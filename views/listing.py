"""Capped list counts: a list page never counts every row of a huge table (issue 14).

Flask-Admin runs ``SELECT count(*)`` over the whole filtered list for every page, which
at a million rows costs more than the page itself. Here the count query counts at most
``LIST_COUNT_CAP`` + 1 rows past the page's offset (a ``LIMIT`` subquery): a list that
has fewer shows its exact total, a longer one shows "more than N" and still pages on,
since every page counts from its own offset. On PostgreSQL an unfiltered list over the
cap shows the planner's estimate of its table's rows instead ("约 1,000,000 条").
"""
from __future__ import annotations

import base64
import contextlib
import copy
import datetime as dt
import json
import operator
from collections import OrderedDict
from contextvars import ContextVar
from decimal import Decimal
from urllib.parse import urlencode

from flask import current_app, g, has_request_context, request
from flask_admin import babel as admin_babel
from flask_admin.model.template import (
    DeleteRowAction,
    EditPopupRowAction,
    EditRowAction,
    EndpointLinkRowAction,
    ViewPopupRowAction,
    ViewRowAction,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel.speaklater import LazyString
from jinja2 import pass_context
from markupsafe import Markup, escape
from sqlalchemy import Column, Table, func, inspect, literal, literal_column, select, text, tuple_
from sqlalchemy.orm import Query
from werkzeug.datastructures import iter_multi_items

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
        known = g.get("list_known_rows") if has_request_context() else None
        if known is not None and self.statement.whereclause is known[0]:
            _condition, rows, more, about = known  # the search alone found them
            if about:
                return ListCount.about(rows)
            if not more:
                return ListCount(rows)
            if offset < rows:
                return ListCount.at_least(rows)
        cap = count_cap()
        seek = _seek_count.get()
        if seek is not None:  # a page read by keyset: count from its anchor, by index
            position, condition = seek
            rows = self.filter(condition)._rows_after(0, cap + 1)
            return ListCount(position + rows) if rows <= cap else ListCount.at_least(
                position + rows)
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


def blank_none(value):
    """Return ``value``, or "" for None: an empty cell shows blank, never "None" (a
    choice column's empty value skips the type formatters that would blank it)."""
    return "" if value is None else value


# markupsafe's escapes, by one C call a cell (``escape`` made a Markup of each of ~500).
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "'": "&#39;", '"': "&#34;"})


def html_text(value) -> str:
    """Return ``str(escape(value))``: HTML as it is, anything else as escaped text."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return str(value).translate(_ESCAPES)


def field_reader(name: str):
    """Return a function reading field ``name`` (dotted through relations) of a record,
    None where a step is missing: Flask-Admin's ``rec_getattr``, without splitting the
    name again for every cell."""
    if "." not in name:
        def read_own(record):
            # A loaded column is in the record's __dict__: read without the descriptor.
            try:
                return record.__dict__[name]
            except (KeyError, AttributeError):
                return getattr(record, name, None)
        return read_own
    get = operator.attrgetter(name)

    def read(record):
        try:
            return get(record)
        except AttributeError:
            return None
    return read


def choice_word(words: dict, choices, value):
    """Return the word a choice column shows for ``value`` (its label, translated once
    into ``words``; the value itself when it has none), blank for None."""
    label = choices.get(value)
    if label is None:
        return blank_none(value)
    if value not in words:
        words[value] = str(label)
    return blank_none(words[value] or value)


def known_rows(condition, rows: int, more: bool = False, about: bool = False) -> None:
    """Tell this request's list count that ``condition`` alone keeps ``rows`` rows (at
    least that many if ``more``, about as many if ``about``): a count filtered by it and
    nothing else is not run."""
    g.list_known_rows = (condition, rows, more, about)


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


# --- deep pages by keyset -----------------------------------------------------------------
# A page link from page M carries where M ends (``after=M.a.<key>``) or begins
# (``after=M.b.<key>``): the page asked for is read from that row on through the sort's
# index, however deep, instead of skipping OFFSET rows. A page typed by hand, a sort on a
# column that may be empty or lives in another table, or a link more than ``SEEK_PAGES``
# pages from its anchor pages by OFFSET as Flask-Admin does.
CURSOR = "after"
SEEK_PAGES = 10
# (position of the first row the count reads from, the condition keeping those rows).
_seek_count: ContextVar[tuple[int, object] | None] = ContextVar("list_seek", default=None)


def _encode(values: list) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, dt.date) else
                      str(v) if isinstance(v, Decimal) else v for v in values],
                     ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(text_: str, columns: list) -> list | None:
    try:
        values = json.loads(base64.urlsafe_b64decode(text_ + "=" * (-len(text_) % 4)))
        if not isinstance(values, list) or len(values) != len(columns):
            return None
        out = []
        for value, column in zip(values, columns, strict=True):
            kind = column.type.python_type
            if kind is dt.date:
                out.append(dt.date.fromisoformat(value))
            elif kind is dt.datetime:
                out.append(dt.datetime.fromisoformat(value))
            elif kind is Decimal:
                out.append(Decimal(str(value)))
            elif isinstance(value, kind) and not isinstance(value, bool):
                out.append(value)
            else:
                return None
        return out
    except (ValueError, TypeError, ArithmeticError, NotImplementedError):
        return None


def _after(keys: list, values: list):
    """Return the condition "comes after ``values`` in the order ``keys``" (one direction)."""
    columns = [c for c, _desc in keys]
    row = columns[0] if len(columns) == 1 else tuple_(*columns)
    value = values[0] if len(values) == 1 else tuple_(*[literal(v) for v in values])
    return row < value if keys[0][1] else row > value


class KeysetPaging:
    """Page a list from where the linking page ended, by index, where the sort allows."""

    def _keyset_keys(self, sort_column, sort_desc) -> list | None:
        """Return [(column, desc)] of a total order by model columns, or None."""
        pk = inspect(self.model).primary_key
        if len(pk) != 1:
            return None
        if sort_column is None:
            order = self._get_default_order()
            if len(order) != 1 or order[0][1]:
                return None
            field, desc = order[0][0], bool(order[0][2])
        else:
            field, desc = self._sortable_columns.get(sort_column), bool(sort_desc)
        column = getattr(field, "property", None)
        column = column.columns[0] if hasattr(column, "columns") else field
        if not isinstance(column, Column) or column.table is not self.model.__table__:
            return None
        masked = getattr(self, "masked_kind", None)
        if masked is not None and masked(column):  # a cursor would compare hidden digits
            return None
        if column is pk[0]:
            return [(column, desc)]
        if column.nullable:  # NULLs sort differently on each database: OFFSET
            return None
        return [(column, desc), (pk[0], desc)]

    def _get_list_extra_args(self):
        args = super()._get_list_extra_args()
        g.list_cursor = args.extra_args.pop(CURSOR, None)
        g.list_state = self._list_state(args)
        return args

    def _list_state(self, args) -> tuple:
        return (args.sort, bool(args.sort_desc), args.search or None,
                tuple(tuple(f) for f in args.filters or ()),
                self.get_safe_page_size(args.page_size))

    def _apply_sorting(self, query, joins, sort_column, sort_desc):
        query, joins = super()._apply_sorting(query, joins, sort_column, sort_desc)
        keys = self._keyset_keys(sort_column, sort_desc)
        g.list_keys = keys
        if keys and len(keys) == 2:  # ties in the sort column: by id, so pages never overlap
            pk, desc = keys[1]
            query = query.order_by(pk.desc() if desc else pk)
        return query, joins

    def _seek(self, page, page_size):
        """Return (condition, offset, reverse, count position, count condition) or None."""
        keys, cursor = g.get("list_keys"), g.get("list_cursor")
        if not (keys and cursor and page and page_size):
            return None
        anchor, _dot, rest = cursor.partition(".")
        side, _dot, encoded = rest.partition(".")
        values = _decode(encoded, [c for c, _d in keys])
        if not anchor.isdigit() or side not in ("a", "b") or values is None:
            return None
        anchor = int(anchor)
        if side == "a" and 0 < page - anchor <= SEEK_PAGES:
            return (_after(keys, values), (page - anchor - 1) * page_size, False,
                    (anchor + 1) * page_size, _after(keys, values))
        if side == "b" and 0 < anchor - page <= SEEK_PAGES:
            reverse = [(c, not d) for c, d in keys]
            return (_after(reverse, values), (anchor - page - 1) * page_size, True,
                    anchor * page_size, ~_after(reverse, values))
        return None

    def _apply_pagination(self, query, page, page_size):
        seek = self._seek(page, page_size)
        g.list_reverse = False
        if seek is None:
            return super()._apply_pagination(query, page, page_size)
        condition, offset, reverse, _position, _counted = seek
        query = query.filter(condition)
        if reverse:
            g.list_reverse = True
            query = query.order_by(None).order_by(
                *[c.asc() if d else c.desc() for c, d in g.list_keys])
        return query.offset(offset or None).limit(page_size)

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True,
                 page_size=None):
        size = self.page_size if page_size is None else page_size
        keys = self._keyset_keys(
            None if sort_column is None else sort_column, sort_desc)
        g.list_keys = keys
        seek = self._seek(page, size) if execute else None
        token = _seek_count.set(None if seek is None else (seek[3], seek[4]))
        try:
            count, rows = super().get_list(page, sort_column, sort_desc, search, filters,
                                           execute=execute, page_size=page_size)
        finally:
            _seek_count.reset(token)
        if execute:
            if g.get("list_reverse"):
                rows = list(reversed(rows))
            g.list_page = (page or 0, rows, g.get("list_keys"))
        return count, rows

    def _get_list_url(self, view_args) -> str:
        url = super()._get_list_url(view_args)
        cursor = self._cursor_for(view_args)
        return f"{url}{'&' if '?' in url else '?'}{CURSOR}={cursor}" if cursor else url

    def _cursor_for(self, view_args) -> str | None:
        """Return the cursor of a link to another page of the list being shown."""
        current = g.get("list_page")
        target = view_args.page or 0
        if not current or not current[1] or not current[2] or not target:
            return None
        page, rows, keys = current
        if self._list_state(view_args) != g.get("list_state") or target == page:
            return None
        if target > page and target - page <= SEEK_PAGES:
            side, row = "a", rows[-1]
        elif target < page and page - target <= SEEK_PAGES:
            side, row = "b", rows[0]
        else:
            return None
        return f"{page}.{side}.{_encode([getattr(row, c.key) for c, _d in keys])}"


# --- the list page's rendering ------------------------------------------------------------
# Rendering 50 rows cost more than finding them: each row's buttons built their URLs with
# url_for (~0.1 ms each, 150 a page) and each choice word and button title went through
# Babel again. Within one request these answer the same for every row, so each is made once.
URL_SAFE = "!$'()*,/:;?@"  # what werkzeug leaves unquoted in a query string
_SENTINEL = 918273645546372819  # stands for the row's id in a URL built once per request
# Row buttons whose HTML depends on the row's id alone (not on other fields of the row):
# rendered once a request for a stand-in id, then given each row's id.
_BY_ID_ONLY = (ViewRowAction, ViewPopupRowAction, EditRowAction, EditPopupRowAction,
               DeleteRowAction, EndpointLinkRowAction)


class ListRendering:
    """Make a list page's repeated URLs, button titles and choice words once per request."""

    python_rows = True  # rows by ``list_row_html``; False: Flask-Admin's template block

    def get_url(self, endpoint, **kwargs):
        if endpoint.endswith(".static") and has_request_context():
            return self._static_url(endpoint, kwargs)
        if endpoint == ".index_view" and has_request_context():
            return self._index_url(kwargs)
        ident = str(kwargs.get("id", ""))
        if not (ident.isascii() and ident.isdigit()) or not has_request_context():
            return super().get_url(endpoint, **kwargs)
        try:
            key = (endpoint, frozenset((k, v) for k, v in kwargs.items() if k != "id"))
            hash(key)
        except TypeError:
            return super().get_url(endpoint, **kwargs)
        cache = g.setdefault("list_urls", {})
        url = cache.get(key)
        if url is None:
            url = super().get_url(endpoint, **{**kwargs, "id": _SENTINEL})
            cache[key] = url = url if url.count(str(_SENTINEL)) == 1 else ""
        if not url:
            return super().get_url(endpoint, **kwargs)
        return url.replace(str(_SENTINEL), str(ident))

    def _index_url(self, kwargs: dict) -> str:
        """Return ``url_for(".index_view", **kwargs)``, the list's own URL (some 25 a page:
        sort links, pager, page sizes): its path built once a request, then the query
        string as werkzeug writes it (``tests/test_list_urls.py`` compares the two)."""
        bases = g.setdefault("list_bases", {})
        base = bases.get(request.blueprint)
        if base is None:
            base = bases[request.blueprint] = super().get_url(".index_view")
        query = urlencode([(k, v) for k, v in iter_multi_items(kwargs) if v is not None],
                          safe=URL_SAFE)
        return f"{base}?{query}" if query else base

    def _static_url(self, endpoint: str, kwargs: dict) -> str:
        """Return the URL of a Flask-Admin static file (about 20 a page, the same on every
        page), built once per file, version and script root."""
        key = (endpoint, request.script_root, tuple(sorted(kwargs.items())))
        cache = self.admin.__dict__.setdefault("_portal_static_urls", {})
        url = cache.get(key)
        if url is None:
            url = cache[key] = super().get_url(endpoint, **kwargs)
        return url

    def render(self, template, **kwargs):
        # Flask-Admin's words in the page's language, translated once per process: the
        # catalogs do not change while it runs (each lookup through Babel was ~0.1 ms).
        g.list_language = language = str(get_locale())
        words = self.admin.__dict__.setdefault("_portal_words", {}).setdefault(language, {})

        def gettext(string, **variables):
            try:
                found = words[string]
            except KeyError:
                words[string] = found = admin_babel.gettext(string)
            # Babel's own way with variables: the translation, then ``%`` (Sort by %(name)s).
            return found % variables if variables else found

        self._template_args["_gettext"] = gettext
        return super().render(template, **kwargs)

    def _get_filter_groups(self):
        """Return the filter groups in words: translated once per language, not per page.

        Flask-Admin translates every filter's label, operation and choice on every list
        page (~3 ms); they are fixed when the view is made, so only the language varies.
        Each caller gets its own copies of the filters (views.units changes the options).
        """
        cache = self.__dict__.setdefault("_filter_groups_in", {})
        language = str(get_locale())
        if language not in cache:
            cache[language] = super()._get_filter_groups()
        groups = cache[language]
        if groups is None:
            return None
        return OrderedDict((name, [dict(item) for item in items])
                           for name, items in groups.items())

    def get_list_row_actions(self):
        """Return the row buttons with their titles translated once, not on every row."""
        actions = []
        for action in super().get_list_row_actions():
            if isinstance(getattr(action, "title", None), LazyString):
                action = copy.copy(action)  # extra row actions are the class's own objects
                action.title = str(action.title)
            actions.append(action)
        return actions

    def _get_list_value(self, context, model, name, column_formatters,
                        column_type_formatters):
        choices = self._column_choices_map.get(name)
        if not choices or name in column_formatters:
            return blank_none(super()._get_list_value(
                context, model, name, column_formatters, column_type_formatters))
        # A choice's word, translated once per language for the process (Flask-Admin's
        # ``choices.get(v) or v`` translated it twice a cell).
        return choice_word(self._choice_words(name), choices,
                           self._get_field_value(model, name))

    @pass_context
    def list_rows_html(self, context, data, list_columns, row_actions, actions) -> Markup:
        """Return the list table's rows (``list_row_html`` each), or its empty-list row."""
        if not data:
            return Markup('<tr><td colspan="999"><div class="text-center">'
                          f'{escape(self.get_empty_list_message())}</div></td></tr>')
        return Markup("".join(
            f"<tr>{self.list_row_html(context, row, list_columns, row_actions, actions)}</tr>"
            for row in data))

    # A list row written in Python: Flask-Admin's ``list_row`` block made ~40 template
    # calls a row (a macro for each button, ``is_editable`` and ``get_value`` for each
    # cell), about two thirds of a 50-row page's time. The HTML is the block's own.
    @pass_context
    def list_row_html(self, context, row, list_columns, row_actions, actions) -> Markup:
        """Return the cells of one list row: selection box, row buttons, columns."""
        plan = self._row_plan(context, list_columns)
        pk = self.get_pk_value(row)
        cells = []
        if actions:
            cells.append(f'<td><input type="checkbox" name="rowid" class="action-checkbox" '
                         f'value="{escape(pk)}" title="{plan.title}" /></td>')
        if self.column_display_actions:
            cells.append('<td class="list-buttons-column">')
            for action in row_actions:
                name = getattr(action, "template_name", None)
                if (name == "row_actions.edit_row" and not self.may_edit(row, plan.can_edit)
                        or name == "row_actions.delete_row"
                        and not self.may_delete(row, plan.can_delete)):
                    continue
                cells.append(self._row_button(context, plan.buttons, action, pk, row))
            cells.append("</td>")
        for opening, read in plan.cells:
            cells.append(f"{opening}{html_text(read(row))}</td>")
        return Markup("".join(cells))

    def _row_plan(self, context, list_columns) -> _RowPlan:
        """Return what every row of this page shares, worked out at its first row: each
        column's ``<td …>`` and reader, the role's edit and delete rights, the buttons
        made so far (a page's cells alone were ~550 ``get_list_value`` calls, each
        asking the role and the formatters again)."""
        plans = g.setdefault("list_rows", {})
        key = (self.endpoint, id(list_columns))
        plan = plans.get(key)
        if plan is None:
            plan = plans[key] = _RowPlan(
                [(f'<td class="col-{column}">', self.list_cell(context, column))
                 for column, _name in list_columns],
                escape(context.resolve("_gettext")("Select record")),
                self.can_edit, self.can_delete)
        return plan

    def list_cell(self, context, name):
        """Return a function of a row giving its cell ``name``: ``get_list_value``'s.

        A column with a formatter goes through ``_get_list_value``; a choice column
        gives its words as that does; a plain one is read and given its type's formatter,
        looked up once a type, not by trying each formatter's type in turn on every
        cell."""
        formatters, type_formatters = self.column_formatters, self.column_type_formatters
        choices = self._column_choices_map.get(name)
        if name in formatters:
            return lambda row: self._get_list_value(context, row, name, formatters,
                                                    type_formatters)
        get = field_reader(name)
        if choices:
            words, shown = self._choice_words(name), {}

            def word(row):
                value = get(row)
                try:
                    return shown[value]
                except KeyError:
                    shown[value] = found = choice_word(words, choices, value)
                    return found
            return word
        by_type: dict = {}

        def read(row):
            value = get(row)
            kind = type(value)
            if kind not in by_type:
                by_type[kind] = next((formatter for typeobj, formatter
                                      in type_formatters.items()
                                      if isinstance(value, typeobj)), None)
            formatter = by_type[kind]
            return blank_none(value if formatter is None else formatter(self, value, name))
        return read

    def _choice_words(self, name: str) -> dict:
        """Return the words of choice column ``name`` in the page's language, kept by the
        view: the labels are fixed, so each is translated once per process."""
        cache = self.__dict__.setdefault("_portal_choice_words", {})
        language = g.get("list_language") or str(get_locale())
        return cache.setdefault((language, name), {})

    def _row_button(self, context, made: dict, action, pk, row) -> str:
        """Return a row button's HTML, made once a page (in ``made``) where only the id
        changes."""
        ident = str(pk)
        if type(action) not in _BY_ID_ONLY or not (ident.isascii() and ident.isdigit()):
            return str(action.render_ctx(context, pk, row))
        html = made.get(id(action))
        if html is None:
            stand_in = _StandIn(self._primary_key, _SENTINEL)
            html = made[id(action)] = str(action.render_ctx(context, _SENTINEL, stand_in))
        return html.replace(str(_SENTINEL), ident)


class _RowPlan:
    """What the rows of one list page share (``ListRendering._row_plan``)."""

    def __init__(self, cells: list, title: str, can_edit: bool, can_delete: bool):
        self.cells, self.title = cells, title
        self.can_edit, self.can_delete = can_edit, can_delete
        self.buttons: dict = {}  # a button's HTML for a stand-in id, by the action's id


class _StandIn:
    """A row that has only its id: what the row buttons of ``_BY_ID_ONLY`` read."""

    def __init__(self, key: str, value: int):
        setattr(self, key, value)
