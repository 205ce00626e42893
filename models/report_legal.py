"""Year-end figures of legal aid and mediation (法律援助与劳动争议调解).

Cases count by the year they were opened (local time); outcomes, money recovered and
workers who benefited by the year they were closed. Money recovered is the workers', not
the centre's: it is reported beside the funds, never added to them. Wage claims (欠薪)
recovered are counted apart as well: the work summary's "追讨拖欠工资".
"""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from models.base import db
from models.legal_case import DISPUTE_TYPES, OUTCOMES, ROUTES, LegalCase
from models.report_tables import Table, _facts
from models.report_time import in_year
from models.unit_scope import ALL, scope


def legal_figures(year: int, units=ALL) -> dict:
    """Return the year's legal cases by type and route, outcomes, recovered and benefited."""
    c = LegalCase
    opened, closed = in_year(c.opened_at, year, timed=True), in_year(c.closed_on, year)

    def counts(column, when):
        return dict(db.session.execute(scope(select(column, func.count()).where(when)
                                             .group_by(column), c, units)).all())
    wages = c.dispute_type == "wages"
    money, people, wage_money, wage_people = db.session.execute(scope(select(
        func.coalesce(func.sum(c.amount_recovered), 0),
        func.coalesce(func.sum(c.workers_benefited), 0),
        func.coalesce(func.sum(case((wages, c.amount_recovered), else_=0)), 0),
        func.coalesce(func.sum(case((wages, c.workers_benefited), else_=0)), 0),
    ).where(closed), c, units)).one()
    return {"by_type": counts(c.dispute_type, opened), "by_route": counts(c.route, opened),
            "by_outcome": counts(c.outcome, closed),
            "recovered": Decimal(money).quantize(Decimal("0.01")),
            "workers_benefited": int(people),
            "wages_recovered": Decimal(wage_money).quantize(Decimal("0.01")),
            "wage_workers": int(wage_people)}


def legal_tables(f: dict) -> list[Table]:
    """Return the section's tables: cases by dispute type and by route, how they ended."""
    def by(title, header, codes, counts):
        rows = [[label, counts.get(code, 0)] for code, label in codes.items()]
        return Table(title, [header, _l("Cases")],
                     [*rows, [_l("Total"), sum(counts.values())]], total=True)
    return [
        by(_l("Legal cases opened, by dispute type"), _l("Dispute type"), DISPUTE_TYPES,
           f["by_type"]),
        by(_l("Legal cases opened, by route"), _l("Route"), ROUTES, f["by_route"]),
        by(_l("Legal cases closed, by outcome"), _l("Outcome"), OUTCOMES, f["by_outcome"]),
        _facts(_l("Money recovered for workers"), [
            (_l("Amount recovered (yuan)"), f["recovered"]),
            (_l("Workers benefited"), f["workers_benefited"]),
            (_l("of which wage arrears recovered (yuan)"), f["wages_recovered"]),
            (_l("Workers whose wage arrears were recovered"), f["wage_workers"])]),
    ]
