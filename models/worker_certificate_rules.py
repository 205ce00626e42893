"""Rules of the hardship certificate (特困职工证): issue, re-issue, return, print.

The certificate follows the file: while a file is on record (active) in a category the
setting ``certificate_categories`` names, it holds one valid card; otherwise none.
``models.worker_rules`` brings it in line whenever it acts on a file (approval, an edit of
a file on record, an approved review, closing), so a category changed by a form or a
review, or a changed setting, takes effect the next time the rules touch the file.

- Issue: the next number of the year from the gap-free sequence (``models.numbering``,
  prefix ``TK``: ``TK-2026-000123``), taken in the caller's transaction: the counter row
  stays locked until it commits, and a rollback gives the number back.
- Re-issue (补发 when lost, 换发 when damaged, changed or other): the same number, the
  next edition, with the reason; the card before it is void (``replaced``). The number
  is what the holder, the clinics and the supermarket know the household by.
- Return (收回): closing the file ends its card (``exited`` or ``removed``); leaving a
  qualifying category ends it too (``category``). A later return to hardship (返困)
  issues a new number: the old one is never handed out again.
- Printing a card counts the print and stamps the time (and so the audit log's row).
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import Integer, Text, and_, case, cast, extract, func, insert, literal, select

from models.base import DomainError, db, today, utcnow
from models.lookup import chunks
from models.numbering import DocCounter, document_no
from models.settings import get_setting, setting_codes
from models.unit_scope import ALL, unit_clause
from models.worker_certificate import REISSUE_REASONS, WorkerCertificate

PREFIX = "TK"
WIDTH = 6


def qualifying_categories() -> set[str]:
    """Return the worker categories whose files on record hold a certificate (a setting)."""
    return set(setting_codes("certificate_categories", get_setting("certificate_categories")))


def valid_certificate(worker) -> WorkerCertificate | None:
    """Return the file's valid card, or None."""
    if worker.id is None:
        return None
    return db.session.scalar(select(WorkerCertificate).where(
        WorkerCertificate.worker_id == worker.id, WorkerCertificate.ended_on.is_(None)))


def certificates_of(worker_id: int) -> list[WorkerCertificate]:
    """Return every card the file was given, newest first."""
    return list(db.session.scalars(select(WorkerCertificate).where(
        WorkerCertificate.worker_id == worker_id).order_by(WorkerCertificate.id.desc())))


def issue(worker, user) -> WorkerCertificate:
    """Give the file a new certificate with the year's next number (first edition)."""
    on = today()
    certificate = WorkerCertificate(
        worker=worker, number=document_no(PREFIX, on.year, WIDTH), edition=1, kind="issue",
        issued_on=on, issued_by_id=getattr(user, "id", None))
    db.session.add(certificate)
    worker.certificate_no = certificate.number
    return certificate


def _end(certificate: WorkerCertificate, worker, cause: str, on=None) -> None:
    # A file closed as of a day before the card was issued returns it the day it was issued.
    certificate.ended_on = max(on or today(), certificate.issued_on)
    certificate.end_cause = cause
    worker.certificate_no = ""


def follow_file(worker, user) -> WorkerCertificate | None:
    """Bring the file's certificate in line with its status and category; return a new card.

    A file on record in a qualifying category without a valid card gets one; a file on
    record whose category no longer qualifies returns its card.
    """
    if worker.status != "active":
        return None
    current = valid_certificate(worker)
    qualifies = worker.category in qualifying_categories()
    if current is None and qualifies:
        return issue(worker, user)
    if current is not None and not qualifies:
        _end(current, worker, "category")
    return None


def return_certificate(worker, kind: str, on=None) -> WorkerCertificate | None:
    """Mark the file's valid card returned as the file closes (``exited`` or ``removed``)."""
    current = valid_certificate(worker)
    if current is not None:
        _end(current, worker, kind, on)
    return current


def reissue(worker, user, reason: str, note: str = "") -> WorkerCertificate:
    """Re-issue the file's valid card under its number: the next edition, the old one void.

    A lost card is re-issued (补发); damaged, changed details or other, exchanged (换发).
    """
    if reason not in REISSUE_REASONS:
        raise DomainError(_("Choose the reason for the re-issue."))
    note = (note or "").strip()
    if reason == "other" and not note:
        raise DomainError(_("Say why the card is re-issued."))
    if len(note) > 200:
        raise DomainError(_("The note is too long (at most 200 characters)."))
    if worker.status != "active":
        raise DomainError(_("Only a file on record holds a certificate."))
    current = valid_certificate(worker)
    if current is None:
        raise DomainError(_("This file holds no valid certificate to re-issue."))
    on = today()
    _end(current, worker, "replaced", on)
    db.session.flush()  # the old card is void before its successor is valid (one per file)
    successor = WorkerCertificate(
        worker=worker, number=current.number, edition=current.edition + 1,
        kind="reissue" if reason == "lost" else "renew", reason=reason, note=note,
        issued_on=on, issued_by_id=getattr(user, "id", None))
    db.session.add(successor)
    worker.certificate_no = successor.number
    return successor


def record_print(certificate: WorkerCertificate, user) -> None:
    """Count one print of a valid card (the audit log records who printed it, and when)."""
    if not certificate.is_valid:
        raise DomainError(_("Only a valid certificate can be printed."))
    certificate.print_count = (certificate.print_count or 0) + 1
    certificate.last_printed_at = utcnow()


# --- files written in bulk (the demo seed) --------------------------------------------

def _reserve(year: int, count: int) -> int:
    """Take ``count`` numbers of ``year`` at once; return the first (bulk writes only)."""
    table = DocCounter.__table__
    row = db.session.execute(select(table.c.last).where(
        table.c.prefix == PREFIX, table.c.year == year).with_for_update()).first()
    if row is None:
        db.session.execute(table.insert().values(prefix=PREFIX, year=year, last=count))
        return 1
    db.session.execute(table.update().where(table.c.prefix == PREFIX, table.c.year == year)
                       .values(last=table.c.last + count))
    return row.last + 1


def _padded(serial, dialect: str):
    """Return SQL writing ``serial`` with at least ``WIDTH`` digits, as f"{n:06d}" does."""
    if dialect == "postgresql":
        digits = cast(serial, Text)
        return func.lpad(digits, func.greatest(WIDTH, func.length(digits)), "0")
    return func.printf(f"%0{WIDTH}d", serial)


def add_missing_certificates(units=ALL) -> list[int]:
    """Give every file on record in a qualifying category without a card its first one,
    issued the day its episode opened, numbered in that order; return the new cards' ids.

    For files written in bulk (the seed, an Excel import), which never went through
    ``activate`` (an import audits the new cards: ``portal.audit.log_created_since``).
    ``units`` limits it to the files of those units (an import: the importer's).

    The cards are written by one INSERT … SELECT that numbers them with row_number()
    from each year's first reserved number: fetching 50,000 files, numbering them here
    and sending the cards back cost more than the database's writing them.
    """
    from models.worker import Worker
    from models.worker_episode import WorkerEpisode

    categories = qualifying_categories()
    if not categories:
        return []
    has_card = select(WorkerCertificate.id).where(
        WorkerCertificate.worker_id == Worker.id, WorkerCertificate.ended_on.is_(None))
    # A file has at most one open episode (uq_worker_episode_open): joined, not a
    # correlated max() per file, which read each file's episodes one by one.
    due = (select(Worker.id.label("worker_id"),
                  func.coalesce(WorkerEpisode.opened_on, Worker.filed_on).label("opened"))
           .outerjoin(WorkerEpisode, and_(WorkerEpisode.worker_id == Worker.id,
                                          WorkerEpisode.closed_on.is_(None)))
           .where(Worker.status == "active", Worker.category.in_(categories),
                  ~has_card.exists(), unit_clause(Worker, units))
           .subquery())
    year = cast(extract("year", due.c.opened), Integer)
    counts = db.session.execute(select(year, func.count()).group_by(year).order_by(year)).all()
    if not counts:
        return []
    first = {int(y): _reserve(int(y), n) for y, n in counts}
    serial = case(first, value=year) - 1 + func.row_number().over(
        partition_by=year, order_by=(due.c.opened, due.c.worker_id))
    dialect = db.session.connection().dialect.name
    number = literal(f"{PREFIX}-") + cast(year, Text) + "-" + _padded(serial, dialect)
    table = WorkerCertificate.__table__
    cards = select(due.c.worker_id, number, literal(1), literal("issue"), literal(""),
                   due.c.opened, literal(0)).order_by(due.c.opened, due.c.worker_id)
    # The new cards' ids: each of these files now has one open card, the one just issued.
    cards = insert(table).from_select(
        ["worker_id", "number", "edition", "kind", "note", "issued_on", "print_count"], cards)
    files = Worker.__table__
    if dialect == "postgresql":
        # The files take their card's number in the same statement, from the cards it
        # returns: an UPDATE by chunks of file ids, each finding its card by a subquery,
        # took longer than writing the cards. (The time of change is set here: SQLAlchemy
        # bound None for the onupdate of an UPDATE beneath a data-modifying WITH.)
        made_cards = cards.returning(table.c.id, table.c.worker_id, table.c.number).cte("made")
        made = db.session.execute(files.update().where(files.c.id == made_cards.c.worker_id)
                                  .values(certificate_no=made_cards.c.number,
                                          updated_at=utcnow())
                                  .returning(made_cards.c.id, files.c.id)).all()
    else:
        made = db.session.execute(cards.returning(table.c.id, table.c.worker_id)).all()
    if len(made) != sum(n for _year, n in counts):
        # A file was given its card by another transaction between the count and the
        # insert: the numbers reserved would leave a gap. Refused, as a second card of
        # the file would be (uq_worker_certificate_valid): the caller rolls back.
        raise DomainError(_("Some files changed while their certificates were being "
                            "issued: nothing was saved, please try again."))
    if dialect != "postgresql":
        # Only the files just given a card, each from its open card (uq_worker_certificate_valid
        # finds it), set-wise by chunks of file ids: an executemany of one UPDATE a file
        # took 11 s for 50,000 files of an import. (Not "the newest card by id": the
        # cards were read backwards by id for each file.)
        number = select(table.c.number).where(table.c.worker_id == files.c.id,
                                              table.c.ended_on.is_(None)).scalar_subquery()
        for chunk in chunks([worker_id for _card_id, worker_id in made]):
            db.session.execute(files.update().where(files.c.id.in_(chunk))
                               .values(certificate_no=number))
    return sorted(card_id for card_id, _worker_id in made)
