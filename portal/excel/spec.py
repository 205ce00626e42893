"""Column specs: one per record type, driving the template, the import and the export."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, Numeric, inspect

EPOCH = dt.date(1899, 12, 30)
TRUE_WORDS = {"是", "yes", "y", "true", "1", "√"}
FALSE_WORDS = {"否", "no", "n", "false", "0", ""}


class CellError(ValueError):
    """A cell's value cannot be read as its column's kind; the message is for the user."""


@dataclass(frozen=True)
class Column:
    key: str
    label: object
    kind: str = "text"          # text, int, money, number, date, datetime, bool, choice, multi
    choices: dict | None = None
    required: bool = False
    export_only: bool = False   # derived values: exported, never imported
    expr: object = None         # SQL expression exported (default: the model attribute)
    width: int = 14
    limit: int | None = None    # most choices in a ``multi`` cell

    @property
    def header(self) -> str:
        return str(self.label)

    def to_cell(self, value):
        """Return the value as written in a spreadsheet cell."""
        if value is None:
            return None
        if self.kind == "choice":
            return str(self.choices.get(value, value))
        if self.kind == "multi":
            return "、".join(str(self.choices.get(v, v)) for v in value or [])
        if self.kind == "money":
            return Decimal(value).quantize(Decimal("0.01"))
        return value

    def parse(self, value):
        """Return the cell's value as this column's Python value, or raise CellError."""
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "":
            if self.required:
                raise CellError(_("Required."))
            return [] if self.kind == "multi" else None
        return getattr(self, "_parse_" + self.kind)(value)

    def _parse_text(self, value):
        if isinstance(value, float) and value.is_integer():
            return str(int(value))  # a phone or ID typed into a number cell
        if isinstance(value, (dt.date, dt.datetime)):
            return value.strftime("%Y-%m-%d")
        return str(value)

    def _parse_int(self, value):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise CellError(_("Not a whole number.")) from None
        if number != number.to_integral_value():
            raise CellError(_("Not a whole number."))
        return int(number)

    def _parse_money(self, value):
        try:
            number = Decimal(str(value)).quantize(Decimal("0.01"))
        except InvalidOperation:
            raise CellError(_("Not an amount.")) from None
        if number < 0:
            raise CellError(_("Cannot be negative."))
        return number

    _parse_number = _parse_money

    def _parse_date(self, value):
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, (int, float)) and 1 <= value < 2958466:
            return EPOCH + dt.timedelta(days=int(value))  # an Excel serial
        for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"):
            try:
                return dt.datetime.strptime(str(value), fmt).date()
            except ValueError:
                continue
        raise CellError(_("Not a date (use YYYY-MM-DD)."))

    def _parse_datetime(self, value):
        if isinstance(value, dt.datetime):
            return value
        return dt.datetime.combine(self._parse_date(value), dt.time())

    def _parse_bool(self, value):
        word = str(value).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise CellError(_("Use 是 or 否."))

    def _code(self, text: str) -> str:
        by_label = {str(label): code for code, label in self.choices.items()}
        if text in self.choices:
            return text
        if text in by_label:
            return by_label[text]
        raise CellError(_("Not one of: %(list)s", list="、".join(by_label)))

    def _parse_choice(self, value):
        return self._code(self._parse_text(value))

    def _parse_multi(self, value):
        parts = [p.strip() for p in str(value).replace("，", "、").replace(",", "、").split("、")]
        codes = [self._code(p) for p in parts if p]
        if self.limit is not None and len(codes) > self.limit:
            raise CellError(_("Choose at most %(n)d.", n=self.limit))
        return codes


@dataclass
class Spec:
    endpoint: str
    model: type
    title: object
    columns: list[Column]
    key: str | None = None                  # upsert key for imports
    children: Spec | None = None            # a second sheet (e.g. household members)
    parent_key: str | None = None           # on a child spec: column naming the parent
    importer: object = None                 # module with validate(...) and write(...)
    extra: dict = field(default_factory=dict)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def select(self, keys: list[str] | None):
        """Return the spec limited to ``keys`` (unknown keys are ignored), in spec order."""
        if not keys:
            return self
        wanted = set(keys)
        return Spec(self.endpoint, self.model, self.title,
                    [c for c in self.columns if c.key in wanted] or self.columns,
                    self.key, self.children, self.parent_key, self.importer, self.extra)


def kind_of(column) -> str:
    """Return the spec kind of a SQLAlchemy column."""
    if "choices" in column.info:
        return "multi" if isinstance(column.type, JSON) else "choice"
    for sql_type, kind in ((Boolean, "bool"), (DateTime, "datetime"), (Date, "date"),
                           (Integer, "int"), (Numeric, "money")):
        if isinstance(column.type, sql_type):
            return kind
    return "text"


def columns_of(model, keys: list[str], **overrides) -> list[Column]:
    """Build columns from the model's declared labels, kinds and choices."""
    mapper = inspect(model)
    result = []
    for key in keys:
        column = mapper.columns[key]
        options = dict(label=column.info.get("label", key), kind=kind_of(column),
                       choices=column.info.get("choices"), expr=getattr(model, key),
                       required=not column.nullable and column.default is None
                       and not column.primary_key)
        options.update(overrides.get(key, {}))
        result.append(Column(key, **options))
    return result
