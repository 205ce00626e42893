"""Lay the year-end figures out as labelled tables, the same for the page and the workbook.

A cell's type says how it is shown: ``int`` a count, ``Decimal`` yuan with two decimals,
anything else text. Labels come from the choices declared once in ``models.choices``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from models.choices import (
    ASSISTANCE_KINDS,
    DONOR_KINDS,
    HARDSHIP_CAUSES,
    NOTICE_KINDS,
    NOTICE_SOURCES,
    TRAINING_CATEGORIES,
    WORKER_CATEGORIES,
)

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Chart:
    """A bar chart drawn over a table, on the page (SVG) and in the workbook (Excel).

    By column (default): each column of ``series`` is a series, the rows (but a total
    row) its categories, labelled by their first cell. By row: each row of ``series`` is
    a series over the columns ``columns`` (1, stop: from right after the label column),
    labelled by their headers.
    """

    key: str
    title: object
    series: tuple[int, ...]
    by_row: bool = False
    columns: tuple[int, int] | None = None
    stacked: bool = False


@dataclass
class Table:
    title: object
    headers: list
    rows: list[list] = field(default_factory=list)
    total: bool = False     # the last row is a total (shown bold)
    chart: Chart | None = None


@dataclass
class Section:
    key: str
    title: object
    tables: list[Table]


def _facts(title, pairs) -> Table:
    """Return a two-column table of (what, figure) rows."""
    return Table(title, [_l("Statistic"), _l("Figure")], [[label, value] for label, value in pairs])


def _workers(f: dict, day: str) -> list[Table]:
    categories = list(WORKER_CATEGORIES)
    if any(category is None for _cause, category in f["grid"]):
        categories.append(None)
    headers = [_l("Main hardship cause"),
               *[WORKER_CATEGORIES.get(c, _l("Not set")) for c in categories], _l("Total")]
    rows = []
    for cause, label in HARDSHIP_CAUSES.items():
        counts = [f["grid"].get((cause, c), 0) for c in categories]
        rows.append([label, *counts, sum(counts)])
    column_sums = [sum(row[i] for row in rows) for i in range(1, len(headers))]
    return [
        _facts(_l("Worker files"), [
            (_("Workers on file on %(day)s", day=day), f["on_file"]),
            (_l("Newly filed in the year"), f["new"]),
            (_l("Out of hardship in the year"), f["exited"]),
            (_l("Files withdrawn in the year"), f["removed"])]),
        Table(_("On file on %(day)s by category and main cause", day=day), headers,
              [*rows, [_l("Total"), *column_sums]], total=True),
    ]


def _assistance(f: dict) -> list[Table]:
    empty = {"count": 0, "workers": 0, "cash": ZERO, "goods": ZERO}
    rows = [[label, *_aid_cells(f["by_kind"].get(kind, empty))]
            for kind, label in ASSISTANCE_KINDS.items()]
    return [Table(_l("Assistance paid, by kind"),
                  [_l("Kind of aid"), _l("Times aided"), _l("Workers aided"),
                   _l("Cash (yuan)"), _l("Goods value (yuan)"), _l("Total (yuan)")],
                  [*rows, [_l("Total"), *_aid_cells(f["total"])]], total=True,
                  chart=Chart("aid-kinds", _l("Aid paid by kind (yuan)"), (5,)))]


def _aid_cells(g: dict) -> list:
    return [g["count"], g["workers"], g["cash"], g["goods"], g["cash"] + g["goods"]]


def _donations(f: dict) -> list[Table]:
    empty = {"count": 0, "donors": 0, "money": ZERO, "goods": ZERO, "lines": 0, "units": 0}

    def cells(g):
        return [g["count"], g["donors"], g["money"], g["goods"], g["lines"], g["units"]]

    rows = [[label, *cells(f["by_kind"].get(kind, empty))] for kind, label in DONOR_KINDS.items()]
    return [
        Table(_l("Donations recorded, by donor type"),
              [_l("Donor type"), _l("Number of donations"), _l("Donors"), _l("Money (yuan)"),
               _l("Goods value (yuan)"), _l("Lines of goods"), _l("Units of goods")],
              [*rows, [_l("Total"), *cells(f["total"])]], total=True),
        _facts(_l("Not counted"), [(_l("Voided donations"), f["voided"])]),
    ]


def _redemptions(f: dict) -> list[Table]:
    return [_facts(_l("Love supermarket redemptions"), [
        (_l("Redemptions done"), f["count"]),
        (_l("Points redeemed (1 point = 1 yuan)"), f["points"]),
        (_l("Workers served"), f["workers"]), (_l("Units of goods handed out"), f["units"]),
        (_l("Voided redemptions (not counted)"), f["voided"])])]


def _training(f: dict) -> list[Table]:
    def cells(g):
        return [g["classes"], g["total"], g["completed"], g["dropped"], g["found_work"]]

    rows = [[TRAINING_CATEGORIES.get(category, category), *cells(g)]
            for category, g in f["by_category"].items()]
    return [Table(_l("Classes starting in the year, by category"),
                  [_l("Training category"), _l("Classes"), _l("Trainees enrolled"),
                   _l("Completed"), _l("Dropped out"), _l("Re-employed or started a business")],
                  [*rows, [_l("Total"), *cells(f["total"])]], total=True)]


def _loans(f: dict, day: str) -> list[Table]:
    return [
        _facts(_l("Loans in the year"), [
            (_l("Loans disbursed"), f["disbursed"]), (_l("Amount disbursed (yuan)"), f["amount"]),
            (_l("Borrowers"), f["borrowers"]), (_l("Repayments received"), f["repayments"]),
            (_l("Amount repaid (yuan)"), f["repaid"]),
            (_l("Loans repaid in full"), f["settled"]),
            (_l("Loans written off"), f["written_off"]),
            (_l("Amount written off (yuan)"), f["written_off_amount"])]),
        _facts(_("Position on %(day)s", day=day), [
            (_l("Loans outstanding"), f["outstanding_count"]),
            (_l("Amount outstanding (yuan)"), f["outstanding"]),
            (_l("Loans overdue"), f["overdue_count"]),
            (_l("Arrears fallen due and unpaid (yuan)"), f["arrears"]),
            (_l("Outstanding on overdue loans (yuan)"), f["overdue_outstanding"])]),
    ]


def _notices(f: dict) -> list[Table]:
    kinds = {**NOTICE_SOURCES, "free": NOTICE_KINDS["free"]}
    empty = {"count": 0, "lines": 0}
    rows = [[label, *(f["by_source"].get(key, empty)[k] for k in ("count", "lines"))]
            for key, label in kinds.items()]
    return [
        Table(_l("Notices published, by what they list"),
              [_l("Listed records"), _l("Notices published"), _l("Lines listed")],
              [*rows, [_l("Total"), f["published"], f["lines"]]], total=True),
        _facts(_l("Withdrawals and objections"), [
            (_l("Notices withdrawn"), f["withdrawn"]),
            (_l("Objections filed"), f["objections"]),
            (_l("Objections resolved"), f["objections_resolved"])]),
    ]


# The parts of a year's figures (``models.report.PARTS``) a per-unit row reads.
UNIT_PARTS = frozenset({"workers", "assistance", "donations", "redemptions", "training",
                        "loans", "notices"})


def unit_cells(f: dict) -> list:
    """Return the figures of one row of the per-unit table (each one adds up across units)."""
    aid, gifts, loans = f["assistance"]["total"], f["donations"]["total"], f["loans"]
    return [f["workers"]["on_file"], f["workers"]["new"], aid["count"],
            aid["cash"] + aid["goods"], gifts["money"] + gifts["goods"],
            f["redemptions"]["count"], f["training"]["total"]["total"], loans["disbursed"],
            loans["amount"], loans["overdue_count"], f["notices"]["published"]]


def _units(figures: dict, day: str) -> list[Table]:
    headers = [_l("Unit"), _("Workers on file on %(day)s", day=day), _l("Newly filed in the year"),
               _l("Times aided"), _l("Aid paid (yuan)"), _l("Donations of money and goods (yuan)"),
               _l("Redemptions done"), _l("Trainees enrolled"), _l("Loans disbursed"),
               _l("Amount disbursed (yuan)"), _l("Loans overdue"), _l("Notices published")]
    rows = [[label, *unit_cells(f)] for label, f in figures["by_unit"]]
    return [Table(_("%(unit)s and the units below it", unit=figures["unit"]), headers,
                  [*rows, [_l("Total"), *unit_cells(figures)]], total=True)]


def report_sections(figures: dict) -> list[Section]:
    """Return the sections of the year-end statistics, in the order a summary quotes them:
    first, for a unit with units below it, each unit's figures and the total, and, when
    the figures carry them, the last five years side by side."""
    from models.report_breakdowns import (
        file_tables,
        funds_tables,
        monthly_table,
        school_table,
        years_table,
    )
    from models.report_campaigns import campaign_tables
    from models.report_desk import desk_tables
    from models.report_employment import employment_tables
    from models.report_handouts import handout_tables
    from models.report_legal import legal_tables
    from models.report_visits import visit_tables

    day = figures["as_of"].isoformat()
    by_unit = ([Section("units", _l("Figures by unit"), _units(figures, day))]
               if figures.get("by_unit") else [])
    years = ([Section("years", _l("Five years"), [years_table(figures["years"])])]
             if figures.get("years") else [])
    aid = figures["assistance"]
    return [
        *by_unit,
        *years,
        Section("workers", _l("Hardship workers on file"),
                [*_workers(figures["workers"], day), *file_tables(figures, day)]),
        Section("assistance", _l("Assistance"), [
            *_assistance(aid), monthly_table(figures["monthly"]),
            school_table(figures["education"], aid["by_kind"].get("education"))]),
        Section("funds", _l("Money raised"), funds_tables(figures["funds"])),
        Section("donations", _l("Donations"), _donations(figures["donations"])),
        Section("redemptions", _l("Love supermarket"), _redemptions(figures["redemptions"])),
        Section("training", _l("Skills training"), _training(figures["training"])),
        Section("loans", _l("Micro-loans"), _loans(figures["loans"], day)),
        Section("notices", _l("Public notices"), _notices(figures["notices"])),
        Section("desk", _l("Service desk"), desk_tables(figures["desk"])),
        Section("legal", _l("Legal aid and mediation"), legal_tables(figures["legal"])),
        *([Section("employment", _l("Employment services"),
                   employment_tables(figures["employment"]))] if "employment" in figures else []),
        Section("visits", _l("Visits and pairing"), visit_tables(figures["visits"])),
        *([Section("handouts", _l("Goods hand-outs"), handout_tables(figures["handouts"]))]
          if "handouts" in figures else []),
        *([Section("campaigns", _l("Campaigns and love-card top-ups"),
                   campaign_tables(figures["campaigns"]))] if "campaigns" in figures else []),
    ]
