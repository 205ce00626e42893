"""Import small record types row by row through their domain rules, all or nothing.

Goods, stock-in lines and enrolments arrive in hundreds of rows, not hundreds of
thousands, and their rules live in domain functions with guarded updates (stock,
class places). So each row goes through those same functions, as the form would, and
leaves the same audit entries. The dry run applies every row and rolls back: the
preview reports exactly what confirming will do, including limits that only show
when rows add up (places left in a class). Confirming applies the file again and
keeps it only when no row failed.

A type subclasses :class:`RowImporter`, names the columns that identify a row in
the file (``key``) and implements ``apply``.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from models import db
from models.base import DomainError
from portal.excel.importer import parse_rows

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


class RowError(DomainError):
    """A row is refused because of one of its columns (``column`` is the spec key)."""

    def __init__(self, column: str, message) -> None:
        super().__init__(str(message), field=column)
        self.column = column


class RowImporter:
    """Validate and write a sheet one row at a time inside one transaction."""

    key: tuple[str, ...] = ()

    def prepare(self, rows: list[dict], spec) -> None:
        """Load what every row needs (lookups by name, …) once per file."""

    def apply(self, row: dict, user) -> str:
        """Create or update the row's record; return CREATED, UPDATED or UNCHANGED.

        Raise RowError (naming the column) or DomainError to refuse the row.
        """
        raise NotImplementedError

    # The interface run_import drives -------------------------------------------------

    def validate(self, book, spec, report, user=None):
        """Parse the sheet, apply every row, report, and roll everything back."""
        rows = parse_rows(book, spec, report, first=True) or []
        report.rows = len(rows)
        self._check_keys(rows, spec, report)
        if report.ok:
            self._apply_all(rows, spec, report, user)
        db.session.rollback()
        return {"rows": rows, "spec": spec, "report": report}

    def write(self, plan, user) -> None:
        """Apply the rows again for real; any refusal is reported and nothing is kept."""
        report = plan["report"]
        report.created = report.updated = report.unchanged = 0
        self._apply_all(plan["rows"], plan["spec"], report, user)

    # Helpers -----------------------------------------------------------------------

    def _check_keys(self, rows, spec, report) -> None:
        if not self.key:
            return
        seen: dict[tuple, int] = {}
        label = spec.column(self.key[-1]).label
        for row in rows:
            key = tuple(row.get(k) for k in self.key)
            if any(part in (None, "") for part in key):
                continue
            if key in seen:
                report.error(spec.title, row["_row"], label,
                             _("Same as row %(row)d.", row=seen[key]))
            else:
                seen[key] = row["_row"]

    def _apply_all(self, rows, spec, report, user) -> None:
        self.prepare(rows, spec)
        for row in rows:
            try:
                with db.session.begin_nested():
                    outcome = self.apply(row, user)
                    db.session.flush()
            except DomainError as exc:  # a RowError, or a rule naming a field (or not)
                column = next((c.label for c in spec.columns if c.key == exc.field), "")
                report.error(spec.title, row["_row"], column, exc)
            except IntegrityError:
                report.error(spec.title, row["_row"], "", _(
                    "Conflicts with a record saved meanwhile; check the list and try again."))
            else:
                setattr(report, outcome, getattr(report, outcome) + 1)
            if report.progress:
                report.progress(1)
