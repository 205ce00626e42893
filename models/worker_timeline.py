"""A household's file as one story (一户一档): every record that touched it, newest first.

``entries`` reads each record type once (one statement per type, whatever the number
of records), kept to the user's units (``models.unit_scope.scope``), as plain rows: no
record is loaded as an object, so nothing is lazily loaded per row later.
``household_file`` groups them by year with the count and the money of each kind, as a
role may see them: a role that sees the file's ID numbers masked (the clerk's lookup,
``models.permissions.MASKED_IDENTITY``) gets the yearly figures only, no rows and no
links; the others get each row, linked to its record's details page when the role may
read that record type.

Money totals count what moved: aid paid, loans disbursed, repayments (a reversal is
negative), card points (top-ups, refunds and reversals, signed) and redemptions done.
Notices and objections carry no total (a notice's amounts are the aid already counted).
Goods handed out to the worker (hand-outs, issue 18) are listed, without money; so are
the job referrals and placements of the file's person (issue 19), for roles reading them.

The service desk's cases and legal cases of the people linked to the file
(``Person.worker_id``) are here too, for the roles that read the desk: a role without
it (the clerk) gets neither rows nor figures of them, and they are not even read.
A legal case's money recovered is shown, not totalled: it is not the centre's money.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from contextvars import ContextVar
from dataclasses import dataclass, replace
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from models.assistance import Assistance
from models.base import db, to_local, today
from models.choices import (
    ASSISTANCE_KINDS,
    ASSISTANCE_STATES,
    CARD_ENTRY_KINDS,
    CARD_STATUSES,
    ENROLMENT_STATES,
    EPISODE_CLOSE_KINDS,
    EXIT_CAUSES,
    HANDOUT_STATES,
    LOAN_STATES,
    NOTICE_STATES,
    OBJECTION_STATES,
    REDEMPTION_STATES,
    REVIEW_CONCLUSIONS,
    WORKER_STATUSES,
)
from models.desk_choices import CASE_STATES, CASE_TYPES
from models.employment import REFERRAL_STATES, Referral
from models.employment_person import referrals_statement
from models.handout import Handout, HandoutLine
from models.inventory import Item
from models.legal_case import DISPUTE_TYPES, LEGAL_STATES, OUTCOMES, ROUTES, LegalCase
from models.loans import Loan, Repayment
from models.lovecard import CardEntry, LoveCard
from models.notice import Notice, NoticeLine, Objection
from models.pairing import Pairing
from models.permissions import allows, sees_masked_identity
from models.person import Person
from models.redemption import Redemption
from models.service_case import ServiceCase
from models.training import Enrolment, TrainingClass
from models.unit_scope import ACTING, scope
from models.visit import VISIT_KINDS, Visit
from models.worker_certificate import CERTIFICATE_KINDS, END_CAUSES, WorkerCertificate
from models.worker_episode import WorkerEpisode
from models.worker_review import WorkerReview

# Timeline kinds, in the order their yearly figures are listed.
KINDS = {
    "file": _l("File"), "certificate": _l("Hardship certificate"), "aid": _l("Assistance"),
    "loan": _l("Micro-loan"),
    "repayment": _l("Loan repayment"), "training": _l("Skills training"),
    "card": _l("Love card"), "points": _l("Card points"),
    "redemption": _l("Love supermarket redemption"), "handout": _l("Goods hand-out"),
    "notice": _l("Public notice"),
    "objection": _l("Objection to a notice"),
    "desk": _l("Desk case"), "legal": _l("Legal case"),
    "visit": _l("Visit"), "pairing": _l("Pairing"),
    "referral": _l("Job referral"),
}
MONEY_KINDS = frozenset({"aid", "loan", "repayment", "points", "redemption"})
ORDER = {kind: n for n, kind in enumerate(KINDS)}


@dataclass(frozen=True)
class Entry:
    """One thing that happened to the household."""
    on: dt.date
    kind: str
    title: str
    amount: Decimal | None = None   # yuan (points: 1 point = 1 yuan)
    state: str = ""                 # the record's state, in words
    endpoint: str | None = None     # whose details page shows the record (None: no link)
    record_id: int | None = None
    counted: bool = False           # whether ``amount`` goes into the year's total

    @property
    def kind_label(self) -> str:
        return str(KINDS[self.kind])


@dataclass(frozen=True)
class KindTotal:
    kind: str
    label: str
    count: int
    amount: Decimal | None          # None for kinds that carry no money


@dataclass(frozen=True)
class Year:
    year: int
    totals: tuple[KindTotal, ...]
    entries: tuple[Entry, ...]      # empty for a role that sees the summary only


@dataclass(frozen=True)
class HouseholdFile:
    years: tuple[Year, ...]
    summary_only: bool


def _day(value: dt.datetime | dt.date | None) -> dt.date | None:
    """Return the centre's date of a stored UTC time (a date passes through)."""
    if isinstance(value, dt.datetime):
        return to_local(value).date()
    return value


# While set (by ``_readers_with_rows``), ``_rows`` runs nothing: it notes whether its
# statement would find a row, for one statement asking that of every reader.
_probe: ContextVar[list | None] = ContextVar("timeline_probe", default=None)


def _rows(query, model, units):
    """Run ``query`` (one statement) over ``model``'s rows of the user's units."""
    scoped = scope(query, model, units)
    probe = _probe.get()
    if probe is not None:
        probe.append(scoped.exists())
        return []
    return db.session.execute(scoped).all()


def _readers_with_rows(readers, worker_id, units) -> list:
    """Return the ``readers`` that find anything for the file, asked in one statement
    (EXISTS of each reader's statements): most households have a few kinds of record,
    and a statement per kind was most of a file page's time. Every reader reads by
    ``_rows``; one that asked nothing of it would be kept."""
    probes = []
    for read in readers:
        token = _probe.set(found := [])
        try:
            read(worker_id, units)
        finally:
            _probe.reset(token)
        probes.append(found)
    asked = [exists.label(f"p{n}") for n, exists in enumerate(e for f in probes for e in f)]
    flags = iter(db.session.execute(select(*asked)).one() if asked else ())
    kept = []
    for read, found in zip(readers, probes, strict=True):
        hits = [next(flags) for _exists in found]  # each reader's own flags, in order
        if not found or any(hits):
            kept.append(read)
    return kept


def _file(worker, units) -> list[Entry]:
    """Return the file's own story: its episodes (filed or back in hardship, then out of
    hardship or withdrawn) and its approved reviews; a file never approved, its filing."""
    e, r = WorkerEpisode, WorkerReview
    found = []
    for row in _rows(select(e.id, e.opened_on, e.returned, e.closed_on, e.close_kind,
                            e.exit_cause, e.close_reason).where(e.worker_id == worker.id),
                     e, units):
        found.append(Entry(row.opened_on, "file", _("Back in hardship, filed again")
                           if row.returned else _("On record"),
                           endpoint="workerepisode", record_id=row.id))
        if row.closed_on is not None:
            cause = f"（{EXIT_CAUSES[row.exit_cause]}）" if row.exit_cause else ""
            found.append(Entry(row.closed_on, "file", f"{row.close_reason}{cause}",
                               state=str(EPISODE_CLOSE_KINDS[row.close_kind]),
                               endpoint="workerepisode", record_id=row.id))
    for row in _rows(select(r.id, r.approved_at, r.conclusion).where(
            r.worker_id == worker.id, r.state == "approved"), r, units):
        found.append(Entry(_day(row.approved_at), "file", _("Review approved"),
                           state=str(REVIEW_CONCLUSIONS[row.conclusion]),
                           endpoint="workerreview", record_id=row.id))
    if not found and worker.filed_on:
        found.append(Entry(worker.filed_on, "file", _("Filed"),
                           state=str(WORKER_STATUSES[worker.status])))
    return found


def _aid(worker_id, units) -> list[Entry]:
    """Return the household's aid records."""
    a = Assistance
    rows = _rows(select(a.id, a.kind, a.year, a.campaign, a.cash_amount, a.goods_value,
                        a.state, a.applied_at, a.paid_at, a.rejected_at, a.reversed_at)
                 .where(a.worker_id == worker_id), a, units)
    return [Entry(_day(r.reversed_at or r.paid_at or r.rejected_at or r.applied_at), "aid",
                  f"{ASSISTANCE_KINDS[r.kind]}（{r.campaign or r.year}）",
                  (r.cash_amount or 0) + (r.goods_value or 0), str(ASSISTANCE_STATES[r.state]),
                  "assistance", r.id, r.state == "paid") for r in rows]


def _loans(worker_id, units) -> list[Entry]:
    """Return the household's loans."""
    rows = _rows(select(Loan.id, Loan.amount, Loan.purpose, Loan.state, Loan.issued_on,
                        Loan.applied_at).where(Loan.worker_id == worker_id), Loan, units)
    return [Entry(r.issued_on or _day(r.applied_at), "loan",
                  _("Loan JK-%(id)s: %(purpose)s", id=r.id, purpose=r.purpose), r.amount,
                  str(LOAN_STATES[r.state]), "loan", r.id,
                  r.state in ("disbursed", "repaid", "written_off")) for r in rows]


def _repayments(worker_id, units) -> list[Entry]:
    """Return the household's repayments of the household's loans."""
    rows = _rows(select(Repayment.id, Repayment.loan_id, Repayment.amount, Repayment.paid_on,
                        Repayment.reverses_id).join(Loan, Repayment.loan_id == Loan.id)
                 .where(Loan.worker_id == worker_id), Repayment, units)
    return [Entry(r.paid_on, "repayment",
                  _("Reversal of a repayment of loan JK-%(id)s", id=r.loan_id)
                  if r.reverses_id else _("Repayment of loan JK-%(id)s", id=r.loan_id),
                  r.amount, "", "repayment", r.id, True) for r in rows]


def _training(worker_id, units) -> list[Entry]:
    """Return the household's training enrolments."""
    rows = _rows(select(Enrolment.id, Enrolment.state, Enrolment.enrolled_on,
                        TrainingClass.name).join(TrainingClass)
                 .where(Enrolment.worker_id == worker_id), Enrolment, units)
    return [Entry(r.enrolled_on, "training", r.name, None, str(ENROLMENT_STATES[r.state]),
                  "enrolment", r.id) for r in rows]


def _cards(worker_id, units) -> list[Entry]:
    """Return the household's love cards."""
    rows = _rows(select(LoveCard.id, LoveCard.card_no, LoveCard.status, LoveCard.issued_on)
                 .where(LoveCard.worker_id == worker_id), LoveCard, units)
    return [Entry(r.issued_on, "card", _("Card %(no)s issued", no=r.card_no), None,
                  str(CARD_STATUSES[r.status]), "lovecard", r.id) for r in rows]


def _points(worker_id, units) -> list[Entry]:
    """Return the household's card points entries."""
    # Redemptions are listed as such; their ledger entries would show them twice.
    rows = _rows(select(CardEntry.id, CardEntry.kind, CardEntry.points, CardEntry.at,
                        LoveCard.card_no).join(LoveCard, CardEntry.card_id == LoveCard.id)
                 .where(LoveCard.worker_id == worker_id, CardEntry.kind != "redemption"),
                 CardEntry, units)
    return [Entry(_day(r.at), "points", f"{CARD_ENTRY_KINDS[r.kind]}（{r.card_no}）", r.points,
                  "", "cardentry", r.id, True) for r in rows]


def _redemptions(worker_id, units) -> list[Entry]:
    """Return the household's redemptions."""
    r_ = Redemption
    rows = _rows(select(r_.id, r_.number, r_.points, r_.state, r_.at)
                 .where(r_.worker_id == worker_id), r_, units)
    return [Entry(_day(r.at), "redemption", _("Redemption %(no)s", no=r.number), r.points,
                  str(REDEMPTION_STATES[r.state]), "redemption", r.id, r.state == "done")
            for r in rows]


def _handouts(worker_id, units) -> list[Entry]:
    """Return the goods handed out to the worker, each hand-out with its goods."""
    h, line = Handout, HandoutLine
    rows = _rows(select(h.id, h.number, h.state, h.handed_out_at, Item.name, Item.unit,
                        line.quantity).join(line, line.handout_id == h.id)
                 .join(Item, Item.id == line.item_id).where(h.worker_id == worker_id)
                 .order_by(h.id, line.id), h, units)
    goods: dict[int, list] = {}
    for r in rows:
        goods.setdefault(r.id, [r]).append(f"{r.name}×{r.quantity}{r.unit}")
    return [Entry(_day(first.handed_out_at), "handout", _(
        "Hand-out %(no)s: %(goods)s", no=first.number, goods="、".join(names)[:80]),
        state=str(HANDOUT_STATES[first.state]), endpoint="handout", record_id=first.id)
        for first, *names in goods.values()]


def _notices(worker_id, units) -> list[Entry]:
    """Return the household's published notices that listed the worker."""
    rows = _rows(select(NoticeLine.amount, Notice.id, Notice.title, Notice.state,
                        Notice.starts_on, Notice.ends_on).join(Notice)
                 .where(NoticeLine.worker_id == worker_id, Notice.state != "draft"),
                 NoticeLine, units)
    return [Entry(r.starts_on, "notice", r.title, r.amount, str(NOTICE_STATES[_status(r)]),
                  "notice", r.id) for r in rows]


def _status(row) -> str:
    """Return a notice's state as of today: a published one past its period has ended."""
    return "ended" if row.state == "published" and row.ends_on < today() else row.state


def _objections(worker_id, units) -> list[Entry]:
    """Return the household's objections to notices that listed the worker."""
    listed = select(NoticeLine.notice_id).where(NoticeLine.worker_id == worker_id)
    rows = _rows(select(Objection.id, Objection.filed_at, Objection.state, Notice.title)
                 .join(Notice).where(Objection.notice_id.in_(listed),
                                     Notice.state != "draft"), Objection, units)
    return [Entry(_day(r.filed_at), "objection", _("Objection to “%(title)s”", title=r.title),
                  None, str(OBJECTION_STATES[r.state]), "objection", r.id) for r in rows]


def _certificates(worker_id, units) -> list[Entry]:
    """Return the household's hardship certificates: each card issued, and each returned."""
    c = WorkerCertificate
    found = []
    for r in _rows(select(c.id, c.number, c.edition, c.kind, c.issued_on, c.ended_on,
                          c.end_cause).where(c.worker_id == worker_id), c, units):
        title = f"{CERTIFICATE_KINDS[r.kind]} {r.number}" + (
            f"（{r.edition}）" if r.edition > 1 else "")
        found.append(Entry(r.issued_on, "certificate", title,
                           state=_("Valid") if r.ended_on is None else "",
                           endpoint="workercertificate", record_id=r.id))
        if r.ended_on is not None and r.end_cause != "replaced":  # a re-issue says it itself
            found.append(Entry(r.ended_on, "certificate", r.number,
                               state=str(END_CAUSES[r.end_cause]),
                               endpoint="workercertificate", record_id=r.id))
    return found


def _desk(worker_id, units) -> list[Entry]:
    """Return the desk cases of the people linked to the file."""
    c = ServiceCase
    rows = _rows(select(c.id, c.received_at, c.case_type, c.state, c.summary).join(Person)
                 .where(Person.worker_id == worker_id), c, units)
    return [Entry(_day(r.received_at), "desk", f"{CASE_TYPES[r.case_type]}：{r.summary[:40]}",
                  None, str(CASE_STATES[r.state]), "servicecase", r.id) for r in rows]


def _legal(worker_id, units) -> list[Entry]:
    """Return the legal cases of the people linked to the file (recovered money shown)."""
    c = LegalCase
    rows = _rows(select(c.id, c.opened_at, c.closed_on, c.dispute_type, c.route, c.state,
                        c.outcome, c.amount_recovered).join(Person)
                 .where(Person.worker_id == worker_id), c, units)
    return [Entry(r.closed_on or _day(r.opened_at), "legal",
                  f"{DISPUTE_TYPES[r.dispute_type]}（{ROUTES[r.route]}）",
                  r.amount_recovered or None,
                  str(OUTCOMES[r.outcome] if r.outcome else LEGAL_STATES[r.state]),
                  "legalcase", r.id) for r in rows]


def _visits(worker_id, units) -> list[Entry]:
    """Return the visits to the household (走访慰问, issue 18)."""
    v = Visit
    rows = _rows(select(v.id, v.visited_on, v.kind, v.visitors, v.follow_up)
                 .where(v.worker_id == worker_id), v, units)
    return [Entry(r.visited_on, "visit", f"{VISIT_KINDS[r.kind]}：{r.visitors[:40]}", None,
                  _("Follow-up needed") if r.follow_up else "", "visit", r.id) for r in rows]


def _pairings(worker_id, units) -> list[Entry]:
    """Return the household's pairs (结对帮扶): each start, and each end."""
    p = Pairing
    found = []
    for r in _rows(select(p.id, p.kind, p.cadre_name, p.partner_unit, p.starts_on, p.ended_on,
                          p.end_reason).where(p.worker_id == worker_id), p, units):
        who = r.cadre_name if r.kind == "cadre" else r.partner_unit
        found.append(Entry(r.starts_on, "pairing", _("Paired with %(who)s", who=who),
                           endpoint="pairing", record_id=r.id))
        if r.ended_on is not None:
            found.append(Entry(r.ended_on, "pairing", r.end_reason, state=_("Pair ended"),
                               endpoint="pairing", record_id=r.id))
    return found


def _referrals(worker_id, units) -> list[Entry]:
    """Return the job referrals of the file's person (issue 19): each referral, and each
    placement on the day work starts."""
    found = []
    for r in _rows(referrals_statement(worker_id), Referral, units):
        found.append(Entry(r.referred_on, "referral", _("Referred to %(job)s", job=r.title),
                           state=str(REFERRAL_STATES[r.state]), endpoint="referral",
                           record_id=r.id))
        if r.start_date is not None:
            found.append(Entry(r.start_date, "referral", _(
                "Placed as %(job)s, %(wage)s yuan a month", job=r.title, wage=f"{r.wage:,.2f}"),
                state=str(REFERRAL_STATES[r.state]), endpoint="referral", record_id=r.id))
    return found


# The desk's readers (and the visits'), and the record type a role must read to see their
# rows at all.
DESK_READERS = {_desk: "servicecase", _legal: "legalcase", _visits: "visit",
                _pairings: "pairing", _referrals: "referral"}

READERS = (_certificates, _aid, _loans, _repayments, _training, _cards, _points, _redemptions,
           _handouts, _notices, _objections, _desk, _legal, _visits, _pairings, _referrals)


def entries(worker, units=ACTING, role=None) -> list[Entry]:
    """Return everything that touched ``worker``'s household, newest first (of the desk,
    only what ``role`` reads; None: everything)."""
    found = _file(worker, units)
    readers = [read for read in READERS if not (
        read in DESK_READERS and role is not None
        and not allows(role, DESK_READERS[read], "R"))]
    for read in _readers_with_rows(readers, worker.id, units):
        found += read(worker.id, units)
    return sorted(found, key=lambda e: (e.on, -ORDER[e.kind], e.record_id or 0), reverse=True)


def aid_history(worker, units=ACTING) -> tuple[list[Entry], Decimal]:
    """Return the household's aid, oldest first, and the total paid (the 档案卡's table)."""
    rows = sorted(_aid(worker.id, units), key=lambda e: (e.on, e.record_id))
    return rows, sum((e.amount for e in rows if e.counted), Decimal("0.00"))


def by_year(found: list[Entry], with_rows: bool = True) -> tuple[Year, ...]:
    """Group ``found`` (newest first) by year, with each kind's count and money total."""
    years: dict[int, list[Entry]] = defaultdict(list)
    for entry in found:
        years[entry.on.year].append(entry)
    return tuple(Year(year, _totals(rows), tuple(rows) if with_rows else ())
                 for year, rows in sorted(years.items(), reverse=True))


def _totals(rows: list[Entry]) -> tuple[KindTotal, ...]:
    counts: dict[str, int] = defaultdict(int)
    money: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for entry in rows:
        counts[entry.kind] += 1
        if entry.counted:
            money[entry.kind] += entry.amount
    return tuple(KindTotal(kind, str(label), counts[kind],
                           money[kind] if kind in MONEY_KINDS else None)
                 for kind, label in KINDS.items() if counts[kind])


def summary_only(role) -> bool:
    """Tell whether ``role`` sees only the yearly figures of a household (no rows, no links)."""
    return sees_masked_identity(role, "worker")


def household_file(worker, role, units=ACTING) -> HouseholdFile:
    """Return ``worker``'s timeline by year as ``role`` may see it."""
    found = entries(worker, units, role)
    if summary_only(role):
        return HouseholdFile(by_year(found, with_rows=False), True)
    readable = {e.endpoint: allows(role, e.endpoint, "R") for e in found if e.endpoint}
    return HouseholdFile(by_year([e if e.endpoint is None or readable[e.endpoint]
                                  else replace(e, endpoint=None, record_id=None)
                                  for e in found]), False)
