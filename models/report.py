"""The year-end statistics (年度统计): the figures a union's annual work summary quotes.

Every figure is one SQL aggregate (nothing loops over the records in Python), and the
same on SQLite and PostgreSQL. Times are stored in UTC, so "in the year" for a time
column means the centre's calendar year in China Standard Time; date columns are
compared as they are. Money sums are rounded to the fen in SQL, because SQLite keeps
NUMERIC as binary floating point and a long sum of fen could drift.

The definitions, section by section:

- workers: *on file at the year's end* = an episode of the file open at the end of the
  reference day (``models.worker_episode``: from approval to exit; files still pending
  review are not on file yet); counted by category × main cause. Also: *newly filed*
  (filed in the year, whatever the status now), *exited* (an episode closed as 脱困 in
  the year) and *withdrawn* (closed as 撤档 in the year). Episodes are never rewritten,
  so a file re-filed later does not change an earlier year's figures.
- assistance: records ``paid`` with the payment time in the year, by kind:
  人次 = records, 人数 = distinct workers, cash and goods value apart. A payment later
  reversed is not counted (state ``reversed``): it was undone.
- donations: ``recorded`` (not draft, not voided) with the donation date in the year,
  by donor type: count, distinct donors, money, goods value, goods lines and units.
  Voided donations of the year are counted apart.
- redemptions: ``done`` (not voided) at the counter in the year: count, points, distinct
  workers, units of goods; voided ones counted apart.
- training: classes starting in the year, by category, with their enrolments
  (``models.training_rules.summary``, the training results page's own definitions):
  trainees = enrolments, completed, dropped, re-employed or started a business.
- loans: *disbursed* = issued in the year (count, amount, borrowers); *repaid* = the
  repayments dated in the year that stand (a reversed repayment and its reversing entry
  both drop out, whenever the reversal was made); *settled* = repaid in full in the year;
  *written off* in the year (count, what was written off); and as of the reference day,
  from the schedule and the repayments dated up to it: *outstanding* (loans and amount
  still owed, written-off loans excluded) and *overdue* (loans with an instalment due
  before that day not covered by repayments by then: count, arrears, outstanding).
- notices: published (still public or ended) with the notice period starting in the
  year, by what they list, with their lines; withdrawn ones apart; objections filed
  in the year and how many are resolved.

- money raised (``models.report_funds``): fund income by source and by fund; aid by
  school level and by month (``models.report_aid``); 低保 households brought in and
  files by base union (``models.report_files``); 脱困, 返困 and 脱困率 from the files'
  episodes (``models.report_episodes``); the service desk's contacts, cases and
  rates (``models.report_desk``); legal aid and mediation, money recovered for workers
  (``models.report_legal``). Each module's docstring defines them.

The reference day is 31 December, or today while the year is not over.

Every figure is taken over the records of a set of org units (``units``: the user's
unit and those below it, ``models.unit_scope.visible_units``; ALL for the top unit),
through the one filter ``unit_clause``; ``models.report_units`` lays them out per unit.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, case, distinct, func, literal, select

from models import (
    Assistance,
    Donation,
    DonationLine,
    Instalment,
    Loan,
    Notice,
    NoticeLine,
    Objection,
    Redemption,
    RedemptionLine,
    Repayment,
    Worker,
    db,
)
from models.base import today
from models.report_aid import monthly_aid, school_level_figures
from models.report_campaigns import campaign_figures
from models.report_desk import desk_figures
from models.report_employment import employment_figures
from models.report_episodes import episode_figures
from models.report_files import (
    dibao_figures,
    exited_clause,
    new_clause,
    on_file_clause,
    removed_clause,
    union_figures,
)
from models.report_funds import fund_income
from models.report_handouts import handout_figures
from models.report_legal import legal_figures
from models.report_time import before_end_of, in_year, money, reference_day, total
from models.report_visits import visit_figures
from models.training_rules import summary as training_summary
from models.unit_scope import ALL, unit_clause

# Below half a fen counts as nothing: SQLite's float arithmetic leaves such crumbs.
CRUMB = 0.005
_sum, _in_year, _before_end_of = total, in_year, before_end_of


def worker_figures(year: int, as_of: dt.date, units=ALL) -> dict:
    """Return the files on file at ``as_of`` by category and cause, and the year's moves."""
    mine = unit_clause(Worker, units)
    on_file = and_(mine, on_file_clause(as_of))
    grid = {(cause, category): n for cause, category, n in db.session.execute(
        select(Worker.main_cause, Worker.category, func.count()).where(on_file)
        .group_by(Worker.main_cause, Worker.category)).all()}
    # Each count its own filter (a scalar subquery), not a CASE per file: the episodes'
    # clauses are then read once (``models.report_files._episode``).
    moves = db.session.execute(select(*(
        select(func.count()).select_from(Worker).where(mine, clause).scalar_subquery()
        for clause in (new_clause(year), exited_clause(year), removed_clause(year))))).one()
    return {"on_file": sum(grid.values()), "grid": grid, "new": moves[0],
            "exited": moves[1], "removed": moves[2]}


def assistance_figures(year: int, units=ALL) -> dict:
    """Return the aid paid in the year: per kind and in total, 人次, 人数, cash, goods."""
    columns = (func.count(), func.count(distinct(Assistance.worker_id)),
               _sum(Assistance.cash_amount), _sum(Assistance.goods_value))
    where = (Assistance.state == "paid", _in_year(Assistance.paid_at, year, timed=True),
             unit_clause(Assistance, units))

    def figures(row):
        return {"count": row[0], "workers": row[1], "cash": money(row[2]),
                "goods": money(row[3])}

    by_kind = {row[0]: figures(row[1:]) for row in db.session.execute(
        select(Assistance.kind, *columns).where(*where).group_by(Assistance.kind))}
    return {"by_kind": by_kind,
            "total": figures(db.session.execute(select(*columns).where(*where)).one())}


def donation_figures(year: int, units=ALL) -> dict:
    """Return the donations recorded in the year, by donor type and in total."""
    mine = unit_clause(Donation, units)
    where = (Donation.state == "recorded", _in_year(Donation.received_on, year), mine)
    lines = (select(DonationLine.donation_id, func.count().label("lines"),
                    func.sum(DonationLine.quantity).label("units"))
             .group_by(DonationLine.donation_id).subquery())
    columns = (func.count(), func.count(distinct(Donation.donor_name)),
               _sum(Donation.money_amount), _sum(Donation.goods_value),
               func.coalesce(func.sum(lines.c.lines), 0),
               func.coalesce(func.sum(lines.c.units), 0))

    def query(*extra):
        return (select(*extra, *columns).select_from(Donation)
                .outerjoin(lines, lines.c.donation_id == Donation.id).where(*where))

    def figures(row):
        return {"count": row[0], "donors": row[1], "money": money(row[2]),
                "goods": money(row[3]), "lines": int(row[4]), "units": int(row[5])}

    by_kind = {row[0]: figures(row[1:]) for row in db.session.execute(
        query(Donation.donor_kind).group_by(Donation.donor_kind))}
    voided = db.session.scalar(select(func.count()).where(
        Donation.state == "voided", _in_year(Donation.received_on, year), mine))
    return {"by_kind": by_kind, "total": figures(db.session.execute(query()).one()),
            "voided": voided}


def redemption_figures(year: int, units=ALL) -> dict:
    """Return the love-supermarket redemptions done in the year (voided ones apart)."""
    when = and_(_in_year(Redemption.at, year, timed=True), unit_clause(Redemption, units))
    count, points, workers = db.session.execute(
        select(func.count(), _sum(Redemption.points), func.count(distinct(Redemption.worker_id)))
        .where(Redemption.state == "done", when)).one()
    units = db.session.scalar(
        select(func.coalesce(func.sum(RedemptionLine.quantity), 0))
        .join(Redemption, Redemption.id == RedemptionLine.redemption_id)
        .where(Redemption.state == "done", when))
    voided = db.session.scalar(select(func.count()).where(Redemption.state == "voided", when))
    return {"count": count, "points": money(points), "workers": workers, "units": int(units),
            "voided": voided}


def training_figures(year: int, units=ALL) -> dict:
    """Return the classes starting in the year and their trainees, per category."""
    keys = ("total", "completed", "dropped", "found_work")
    by_category = {category: {"classes": classes, **{k: figures[k] for k in keys}}
                   for category, classes, figures in training_summary(year, units)}
    total = {k: sum(row[k] for row in by_category.values()) for k in ("classes", *keys)}
    return {"by_category": by_category, "total": total}


def _standing_repayments():
    """Return the clause: a repayment that was neither reversed nor a reversal."""
    reversed_ids = select(Repayment.reverses_id).where(Repayment.reverses_id.is_not(None))
    return and_(Repayment.amount > 0, Repayment.id.not_in(reversed_ids))


def loan_position(as_of: dt.date, units=ALL) -> dict:
    """Return what was owed and overdue on ``as_of``, from the schedule and repayments."""
    paid = (select(func.coalesce(func.sum(Repayment.amount), 0))
            .where(Repayment.loan_id == Loan.id, Repayment.paid_on <= as_of,
                   _standing_repayments()).correlate(Loan).scalar_subquery())
    due = (select(func.coalesce(func.sum(Instalment.amount_due), 0))
           .where(Instalment.loan_id == Loan.id, Instalment.due_on < as_of)
           .correlate(Loan).scalar_subquery())
    written_off = and_(Loan.state == "written_off",
                       Loan.written_off_at < _before_end_of(as_of))
    per_loan = (select((Loan.total_due - paid).label("owed"), (due - paid).label("arrears"))
                .where(Loan.issued_on <= as_of, ~written_off, unit_clause(Loan, units))
                .subquery())
    owing, overdue = per_loan.c.owed > CRUMB, per_loan.c.arrears > CRUMB
    row = db.session.execute(select(
        func.count(case((owing, 1))), _sum(case((owing, per_loan.c.owed), else_=literal(0))),
        func.count(case((overdue, 1))),
        _sum(case((overdue, per_loan.c.arrears), else_=literal(0))),
        _sum(case((overdue, per_loan.c.owed), else_=literal(0))))).one()
    return {"outstanding_count": row[0], "outstanding": money(row[1]), "overdue_count": row[2],
            "arrears": money(row[3]), "overdue_outstanding": money(row[4])}


def loan_figures(year: int, as_of: dt.date, units=ALL) -> dict:
    """Return the year's loans: disbursed, repaid, settled, written off; and the position."""
    mine = unit_clause(Loan, units)
    count, amount, borrowers = db.session.execute(
        select(func.count(), _sum(Loan.amount), func.count(distinct(Loan.worker_id)))
        .where(Loan.issued_on.is_not(None), _in_year(Loan.issued_on, year), mine)).one()
    repayments, repaid = db.session.execute(
        select(func.count(), _sum(Repayment.amount))
        .where(_standing_repayments(), _in_year(Repayment.paid_on, year),
               unit_clause(Repayment, units))).one()
    settled = db.session.scalar(select(func.count()).where(
        Loan.state == "repaid", _in_year(Loan.repaid_at, year, timed=True), mine))
    off_count, off_amount = db.session.execute(
        select(func.count(), _sum(Loan.total_due - Loan.repaid_amount))
        .where(Loan.state == "written_off",
               _in_year(Loan.written_off_at, year, timed=True), mine)).one()
    return {"disbursed": count, "amount": money(amount), "borrowers": borrowers,
            "repayments": repayments, "repaid": money(repaid), "settled": settled,
            "written_off": off_count, "written_off_amount": money(off_amount),
            **loan_position(as_of, units)}


def notice_figures(year: int, units=ALL) -> dict:
    """Return the notices published in the year by what they list, and the objections."""
    mine = unit_clause(Notice, units)
    lines = (select(NoticeLine.notice_id, func.count().label("n"))
             .group_by(NoticeLine.notice_id).subquery())
    # A free notice has no source: it is its own row.
    row_key = case((Notice.kind == "free", literal("free")), else_=Notice.source)
    by_source = {key: {"count": n, "lines": int(listed)} for key, n, listed in
                 db.session.execute(
                     select(row_key, func.count(), func.coalesce(func.sum(lines.c.n), 0))
                     .select_from(Notice).outerjoin(lines, lines.c.notice_id == Notice.id)
                     .where(Notice.state.in_(("published", "ended")),
                            _in_year(Notice.starts_on, year), mine)
                     .group_by(row_key))}
    withdrawn = db.session.scalar(select(func.count()).where(
        Notice.state == "withdrawn", _in_year(Notice.starts_on, year), mine))
    filed, resolved = db.session.execute(
        select(func.count(), func.count(case((Objection.state == "resolved", 1))))
        .where(_in_year(Objection.filed_at, year, timed=True),
               unit_clause(Objection, units))).one()
    return {"by_source": by_source,
            "published": sum(v["count"] for v in by_source.values()),
            "lines": sum(v["lines"] for v in by_source.values()),
            "withdrawn": withdrawn, "objections": filed, "objections_resolved": resolved}


def report_years(units=ALL) -> list[int]:
    """Return the years worth offering, newest first: from the first file (at least five)."""
    current = today().year
    first = db.session.scalar(select(func.min(Worker.filed_on)).where(unit_clause(Worker, units)))
    oldest = min(first.year if first else current, current - 4)
    return list(range(current, oldest - 1, -1))


# Each part of a year's figures: its function, and whether it takes the reference day
# after the year (``f(year, as_of, units)``) or not (``f(year, units)``).
PARTS = {
    "workers": (worker_figures, True),
    "assistance": (assistance_figures, False),
    "donations": (donation_figures, False),
    "redemptions": (redemption_figures, False),
    "training": (training_figures, False),
    "loans": (loan_figures, True),
    "notices": (notice_figures, False),
    "episodes": (episode_figures, False),
    "funds": (fund_income, False),
    "education": (school_level_figures, False),
    "monthly": (monthly_aid, False),
    "dibao": (dibao_figures, True),
    "unions": (union_figures, True),
    "desk": (desk_figures, False),
    "legal": (legal_figures, False),
    "employment": (employment_figures, False),
    "visits": (visit_figures, True),
    "handouts": (handout_figures, False),
    "campaigns": (campaign_figures, False),
}


def year_figures(year: int, units=ALL, parts=None) -> dict:
    """Return the year-end figures for ``year`` (see the module docstring for definitions)
    over the records of ``units`` (ids of org units; ALL: every record): every part, or
    only ``parts`` (names of ``PARTS``; a table that shows a few counts no more)."""
    as_of = reference_day(year)
    return {"year": year, "as_of": as_of,
            **{name: make(year, as_of, units) if dated else make(year, units)
               for name, (make, dated) in PARTS.items() if parts is None or name in parts}}
