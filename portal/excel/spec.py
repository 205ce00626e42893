"""Column specs: one per record type, driving the template, the import and the export."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, Numeric, inspect

from models.base import CHINA, DomainError, to_local

EPOCH = dt.date(1899, 12, 30)
TRUE_WORDS = {"是", "yes", "y", "true", "1", "√"}
FALSE_WORDS = {"否", "no", "n", "false", "0", ""}


class CellError(ValueError):
    """A cell's value cannot be read as its column's kind; the message is for the user."""


class UnknownColumns(DomainError):
    """Columns were asked for that the record type's export does not have."""


@dataclass(frozen=True)
class Column:
    key: str
    label: object
    kind: str = "text"          # text, int, money, number, date, datetime, bool, choice, multi
    choices: dict | None = None
    required: bool = False
    export_only: bool = False   # derived values: exported, never imported
    expr: object = None         # SQL expression exported (default: the model attribute)
    width: int | None = None    # characters; None: from the kind and header (excel.layout)
    limit: int | None = None    # most choices in a ``multi`` cell
    derive: object = None       # export only: turns the selected value into the shown one

    @property
    def header(self) -> str:
        return str(self.label)

    def to_cell(self, value):
        """Return the value as written in a spreadsheet cell."""
        return self.converter()(value)

    def converter(self):
        """Return a function turning stored values into cell values, labels resolved once."""
        convert = self._converter()
        if self.derive is None:
            return convert
        derive = self.derive
        return lambda v: convert(derive(v))

    def _converter(self):
        if self.kind in ("choice", "multi"):
            labels = {code: str(label) for code, label in self.choices.items()}
            if self.kind == "choice":
                return lambda v: None if v is None else labels.get(v, v)
            return lambda v: None if v is None else "、".join(labels.get(c, c) for c in v)
        if self.kind == "datetime":  # stored in UTC; shown, like the lists, in China time
            return lambda v: None if v is None else to_local(v)
        if self.kind == "money":
            cent = Decimal("0.01")
            return lambda v: None if v is None else Decimal(v).quantize(cent)
        return lambda v: v

    def parse(self, value):
        """Return the cell's value as this column's Python value, or raise CellError."""
        return self.parser()(value)

    def parser(self):
        """Return a function parsing this column's cells, with its lookups prepared once.

        Choice labels are lazy translations; resolving them per cell cost most of an
        import's time, so the label → code map is built here, once per file.
        """
        convert = getattr(self, "_parse_" + self.kind)
        empty = [] if self.kind == "multi" else None
        required = self.required
        codes = None
        if self.kind in ("choice", "multi"):
            codes = {str(label): code for code, label in self.choices.items()}
            codes.update({code: code for code in self.choices})
            convert = (lambda v, c=codes: self._code(self._parse_text(v), c)) \
                if self.kind == "choice" else (lambda v, c=codes: self._parse_multi(v, c))
        if self.kind in ("text", "choice"):
            # Most cells are text: answer them without the general path's calls.
            known = codes if self.kind == "choice" else None

            def parse_text(value):
                if type(value) is str:
                    value = value.strip()
                    if value:
                        if known is None:
                            return value
                        if value in known:
                            return known[value]
                        return convert(value)
                elif value is not None:
                    return convert(value)
                if required:
                    raise CellError(_("Required."))
                return None
            return parse_text

        def parse(value):
            if isinstance(value, str):
                value = value.strip()
            if value is None or value == "":
                if required:
                    raise CellError(_("Required."))
                return empty
            return convert(value)
        return parse

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
        text = str(value)
        if len(text) == 10 and text[4] == text[7] == "-" and text[:4].isdigit():
            try:  # the common form, 40 times faster than strptime
                return dt.date.fromisoformat(text)
            except ValueError:
                pass
        for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"):
            try:
                return dt.datetime.strptime(str(value), fmt).date()
            except ValueError:
                continue
        raise CellError(_("Not a date (use YYYY-MM-DD)."))

    def _parse_datetime(self, value):
        """Read a China-time cell as the stored UTC time (the inverse of the export)."""
        if not isinstance(value, dt.datetime):
            value = dt.datetime.combine(self._parse_date(value), dt.time())
        return value - CHINA

    def _parse_bool(self, value):
        word = str(value).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise CellError(_("Use 是 or 否."))

    def _code(self, text: str, codes: dict) -> str:
        if text in codes:
            return codes[text]
        raise CellError(_("Not one of: %(list)s",
                          list="、".join(str(v) for v in self.choices.values())))

    def _parse_choice(self, value):
        return self.parser()(value)

    def _parse_multi(self, value, codes: dict | None = None):
        if codes is None:
            return self.parser()(value)
        parts = [p.strip() for p in str(value).replace("，", "、").replace(",", "、").split("、")]
        codes = [self._code(p, codes) for p in parts if p]
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
    importer: object = None                 # validate(...) and write(...), or run(...)
    extra: dict = field(default_factory=dict)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def select(self, keys: list[str] | None):
        """Return the spec limited to ``keys``, in spec order; refuse keys it does not have."""
        if not keys:
            return self
        known = {c.key for c in self.columns}
        unknown = [k for k in dict.fromkeys(keys) if k not in known]
        if unknown:
            raise UnknownColumns(_(
                "These columns cannot be exported: %(unknown)s. Columns that can be: "
                "%(known)s.", unknown="、".join(unknown),
                known="、".join(f"{c.key}（{c.header}）" for c in self.columns)))
        wanted = set(keys)
        return Spec(self.endpoint, self.model, self.title,
                    [c for c in self.columns if c.key in wanted],
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
