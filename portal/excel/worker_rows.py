"""The worker a row of a record import names, by ID number (and the name, checked).

Shared by the imports of records that belong to a file (enrolments, assistance): the
files are loaded once for the sheet, among those the importing user may see, and each
row's number finds its file or is refused naming the column.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from models import Worker, db
from models.idnumber import InvalidIdNumber, normalize_id_number
from models.unit_scope import scope
from portal.excel.record_import import RowError

CHUNK = 500  # ID numbers per IN (...)


def same_name(given: str, on_file: str) -> bool:
    """Tell whether a typed name is the file's, whatever spaces were typed."""
    return "".join(given.split()) == "".join((on_file or "").split())


class WorkerRows:
    """Find the file each row names by its ``number`` column, checking its ``name`` one."""

    def __init__(self, number: str, name: str) -> None:
        self.number, self.name = number, name
        self.workers: dict[str, Worker] = {}

    def load(self, rows: list[dict]) -> None:
        """Load the files the sheet's valid ID numbers name, among those the user sees."""
        numbers = set()
        for row in rows:
            try:
                numbers.add(normalize_id_number(row.get(self.number) or ""))
            except InvalidIdNumber:
                continue
        ordered = sorted(numbers)
        for start in range(0, len(ordered), CHUNK):
            self.workers.update((w.id_number, w) for w in db.session.scalars(
                scope(select(Worker).where(Worker.id_number.in_(ordered[start:start + CHUNK])),
                      Worker)))

    def find(self, row: dict) -> Worker:
        """Return the row's file; refuse a bad or unknown number, or another's name."""
        try:
            number = normalize_id_number(row.get(self.number) or "")
        except InvalidIdNumber as exc:
            raise RowError(self.number, exc) from None
        worker = self.workers.get(number)
        if worker is None:
            raise RowError(self.number, _("No worker file has this ID number."))
        given = row.get(self.name)
        if given and not same_name(given, worker.name):
            raise RowError(self.name, _(
                "The file with this ID number is in the name of %(name)s; check the ID "
                "number.", name=worker.name))
        return worker
