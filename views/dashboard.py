"""The start page, declared: per panel, what needs doing today, each figure linked to its list.

A figure counts the rows its list shows: a counted figure is a model and conditions, each
condition both a SQL clause (for the count) and the list filter that applies it (for the
link). Who sees a figure: the roles whose morning work it is (``roles``; admin sees all),
and only if the registry lets the role read the page it links to. Every figure counts the
records of the user's unit and those below it (``visible_units``, as the lists do); a
user above a station also sees each unit below theirs and the total.
"""
from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from models import (
    Assistance,
    Donation,
    Enrolment,
    Fund,
    Loan,
    Notice,
    Objection,
    Worker,
    WorkerReview,
)
from models.assistance_rules import awaiting_approval_by
from models.base import today
from models.choices import WORKER_CATEGORIES, WORKER_STATUSES
from models.dashboard import (
    aid_paid,
    files_on_record,
    fund_balances,
    overdue_loans,
    redemptions_today,
    workers_by_category,
    workers_by_status,
)
from models.desk_figures import month_figures, overdue_by_assignee
from models.inventory import Item, StockLot
from models.inventory_rules import EXPIRING_DAYS, expired_clause, expiring_clause, low_stock_clause
from models.report_aid import monthly_aid
from models.report_breakdowns import category_table, files_years_table, monthly_table
from models.report_units import unit_groups, users_unit
from models.report_years import files_by_year, span
from models.service_case import ServiceCase
from models.service_case_rules import (
    due_soon_clause,
    mine_clause,
    open_clause,
    overdue_clause,
    supervised_clause,
    visit_due_clause,
)
from models.stocktake import Stocktake
from models.training_rules import follow_up_missing
from models.unit_scope import visible_units
from models.worker_review_rules import awaiting_approval_by as review_awaiting_approval_by
from models.worker_review_rules import overdue_clause as review_past_due_clause
from models.worker_rules import review_overdue_clause
from portal.report_charts import draw
from views.assistance import AwaitingMyApprovalFilter
from views.base import money
from views.dashboard_parts import (
    Cond,
    Counted,
    Custom,
    Panel,
    Row,
    equals,
    flag,
    list_url,
    page_url,
    shown_panels,
    yuan,
)
from views.employment_panel import employment_panel
from views.service_cases import (
    AssigneeFilter,
    DueSoonFilter,
    MineFilter,
    OpenFilter,
    OverdueFilter,
    SupervisedFilter,
    VisitDueFilter,
)
from views.stock_lists import ExpiryFilter, LowStockFilter, RedeemedTodayFilter
from views.training import EnrolmentFollowUpMissingFilter
from views.visits import visits_panel
from views.worker_reviews import ReviewAwaitingMyApprovalFilter, ReviewPastDueFilter
from views.workers import ReviewOverdueFilter

STAFF, MANAGER, CLERK = ("staff",), ("manager",), ("clerk",)
EVERYONE = ("admin", "staff", "clerk", "manager")


def _by_status(admin, user):
    counts = workers_by_status(visible_units(user))
    return [Row(f"status-{code}", label, counts.get(code, 0),
                list_url(admin, "worker", (equals(Worker.status, code),)), counts.get(code, 0))
            for code, label in WORKER_STATUSES.items()]


def _by_category(admin, user):
    counts = workers_by_category(visible_units(user))
    return [Row(f"category-{code}", label, counts.get(code, 0),
                list_url(admin, "worker", (equals(Worker.status, "active"),
                                           equals(Worker.category, code))), counts.get(code, 0))
            for code, label in WORKER_CATEGORIES.items()]


def _overdue(admin, user):
    n, arrears, owed = overdue_loans(units=visible_units(user))
    return [Row("loans-overdue", _l("Overdue loans"), n, page_url(admin, "loan", "overdue_view"),
                n, ((_l("Arrears"), yuan(arrears)), (_l("Outstanding"), yuan(owed))))]


def _funds(admin, user):
    return [Row(f"fund-{pk}", name, yuan(balance),
                list_url(admin, "fundentry", (equals(Fund.name, name),)) or
                page_url(admin, "fund", "index_view"))
            for pk, name, balance in fund_balances()]


def _aid_paid(admin, user):
    n, cash, goods = aid_paid(units=visible_units(user))
    return [Row("aid-paid", _l("Aid paid this year (times)"), n,
                page_url(admin, "report", "index"), n,
                ((_l("Cash"), yuan(cash)), (_l("Goods value"), yuan(goods))), info=True)]


def _redeemed(admin, user):
    n, points = redemptions_today(visible_units(user))
    return [Row("redeemed-today", _l("Redemptions today"), n,
                list_url(admin, "redemption", (Cond(None, RedeemedTodayFilter),)), n,
                ((_l("Points"), money(points)),))]


def _by_unit(admin, user):
    unit, units = users_unit(user)
    groups = unit_groups(unit)
    if not groups:
        return []
    report, year = page_url(admin, "report", "index"), today().year
    rows = []
    for key, label, ids in [*((f"unit-{n}", label, ids) for n, (label, ids) in
                              enumerate(groups, start=1)), ("unit-total", _l("Total"), units)]:
        times, cash, goods = aid_paid(year, ids)
        rows.append(Row(key, label, files_on_record(ids), report, details=(
            (_l("Aid paid this year (times)"), times),
            (_l("Aid amount"), yuan(cash + goods)))))
    return rows


def _overdue_cases(admin, user):
    """Rows of the overdue cases per assignee (not yet assigned first), each to its list."""
    late = flag(OverdueFilter, lambda u: overdue_clause())
    rows = []
    for pk, name, n in overdue_by_assignee(visible_units(user)):
        if pk is None:
            key, label, conds = ("desk-overdue-unassigned", _l("Overdue, not yet assigned"),
                                 (equals(ServiceCase.state, "received"), late))
        else:
            key, label = f"desk-overdue-by-{pk}", _("Overdue with %(name)s", name=name)
            conds = (Cond(lambda u, pk=pk: ServiceCase.assignee_id == pk, AssigneeFilter,
                          str(pk)), late)
        rows.append(Row(key, label, n, list_url(admin, "servicecase", conds), n))
    return rows


def _rate(value) -> str:
    return "—" if value is None else f"{value}%"


def _desk_rates(admin, user):
    """This month's 办结率 and on-time rate (``models.desk_figures``), linked to the report."""
    month = month_figures(visible_units(user))
    done, timely = month["resolution"], month["on_time"]
    report = page_url(admin, "report", "index")
    return [Row("desk-done-rate", _l("Resolution rate this month"), _rate(done["rate"]), report,
                details=((_l("Resolved of them"), done["done"]),
                         (_l("Received this month"), done["received"])),
                info=True),
            Row("desk-on-time-rate", _l("Resolved on time this month"), _rate(timely["rate"]),
                report, details=((_l("On time"), timely["on_time"]),
                                 (_l("Resolved this month"), timely["resolved"])), info=True)]


def _chart(key: str, table) -> Callable:
    """Return the maker of a row drawing ``table(units)``'s chart, linked to the report."""
    def make(admin, user):
        drawn = draw(table(visible_units(user)))
        return [Row(key, drawn.title, None, page_url(admin, "report", "index"), chart=drawn)]
    return make


def _aid_months(units):
    return monthly_table(monthly_aid(today().year, units))


def _categories(units):
    return category_table(workers_by_category(units))


def _years(units):
    return files_years_table(files_by_year(span(today().year), units))


PANELS = (
    Panel("files", _l("Worker files to see to"), (
        Counted("files-pending", _l("Files awaiting approval"), STAFF, "worker", Worker,
                (equals(Worker.status, "pending"),)),
        # 年度复核到期: no review within the interval, one is to be started.
        Counted("files-review-due", _l("Files due for annual review"), STAFF, "worker", Worker,
                (flag(ReviewOverdueFilter, lambda u: review_overdue_clause()),), kept=True),
    )),
    Panel("reviews", _l("File reviews"), (
        # 逾期未完成的复核: a review assigned to someone and past its due date.
        Counted("reviews-past-due", _l("Reviews past their due date"), STAFF + MANAGER,
                "workerreview", WorkerReview,
                (flag(ReviewPastDueFilter, lambda u: review_past_due_clause()),)),
        Counted("reviews-to-approve", _l("Reviews waiting for my approval"), MANAGER,
                "workerreview", WorkerReview,
                (flag(ReviewAwaitingMyApprovalFilter,
                      lambda u: review_awaiting_approval_by(u.id)),)),
    )),
    Panel("training", _l("Training"), (
        Counted("follow-up-missing", _l("Trainees without follow-up"), STAFF, "enrolment",
                Enrolment, (flag(EnrolmentFollowUpMissingFilter,
                                 lambda u: follow_up_missing()),)),
    )),
    Panel("assistance", _l("Assistance"), (
        Counted("aid-applied", _l("Applied, awaiting verification"), STAFF, "assistance",
                Assistance, (equals(Assistance.state, "applied"),)),
        Counted("aid-verified", _l("Verified, awaiting approval"), STAFF, "assistance",
                Assistance, (equals(Assistance.state, "verified"),), info=True),
        Counted("aid-to-approve", _l("Awaiting my approval"), MANAGER, "assistance",
                Assistance, (flag(AwaitingMyApprovalFilter,
                                  lambda u: awaiting_approval_by(u.id)),)),
        Custom(MANAGER, "report", _aid_paid),
    )),
    Panel("loans", _l("Micro-loans"), (
        Counted("loans-applied", _l("Applications awaiting approval"), STAFF + MANAGER, "loan",
                Loan, (equals(Loan.state, "applied"),)),
        Custom(MANAGER, "loan", _overdue),
    )),
    Panel("notices", _l("Public notices"), (
        Counted("notices-draft", _l("Drafts awaiting publishing"), MANAGER, "notice", Notice,
                (equals(Notice.state, "draft"),)),
        # Staff answer objections; managers hold payments while one is open.
        Counted("objections-open", _l("Open objections"), STAFF + MANAGER, "objection",
                Objection,
                (equals(Objection.state, "open"),)),
    )),
    # The service desk (issue 17): staff their own cases, managers supervision and delays.
    Panel("desk", _l("Service desk cases"), (
        Counted("desk-mine", _l("My open cases"), STAFF, "servicecase", ServiceCase,
                (flag(MineFilter, mine_clause), flag(OpenFilter, lambda u: open_clause()))),
        Counted("desk-due-soon", _l("My cases due within 3 days"), STAFF, "servicecase",
                ServiceCase, (flag(MineFilter, mine_clause),
                              flag(DueSoonFilter, lambda u: due_soon_clause()))),
        Counted("desk-overdue-mine", _l("My overdue cases"), STAFF, "servicecase",
                ServiceCase, (flag(MineFilter, mine_clause),
                              flag(OverdueFilter, lambda u: overdue_clause()))),
        Counted("desk-visits", _l("Return visits due"), STAFF, "servicecase", ServiceCase,
                (flag(VisitDueFilter, lambda u: visit_due_clause()),)),
        Counted("desk-unassigned", _l("Received, awaiting assignment"), MANAGER,
                "servicecase", ServiceCase, (equals(ServiceCase.state, "received"),)),
        Counted("desk-supervised", _l("Cases under supervision"), MANAGER, "servicecase",
                ServiceCase, (flag(SupervisedFilter, lambda u: supervised_clause()),)),
        Counted("desk-overdue", _l("Overdue cases"), MANAGER, "servicecase", ServiceCase,
                (flag(OverdueFilter, lambda u: overdue_clause()),)),
        Custom(MANAGER, "servicecase", _overdue_cases),
        Custom(MANAGER, "servicecase", _desk_rates),
    )),
    visits_panel(),  # visits and pairing (issue 18, views.visits)
    employment_panel(),  # employment services (issue 19, views.employment_panel)
    Panel("funds", _l("Fund balances"), (Custom(MANAGER, "fund", _funds),)),
    Panel("warehouse", _l("Warehouse"), (
        Counted("low-stock", _l("At or below low stock"), CLERK, "item", Item,
                (flag(LowStockFilter, lambda u: low_stock_clause()),)),
        Counted("lots-expired", _l("Lots expired"), CLERK, "stocklot", StockLot,
                (flag(ExpiryFilter, lambda u: expired_clause(), "expired"),)),
        Counted("lots-expiring", _l("Lots expiring within %(n)d days", n=EXPIRING_DAYS), CLERK,
                "stocklot", StockLot, (flag(ExpiryFilter, lambda u: expiring_clause(), "soon"),)),
        Counted("donations-draft", _l("Donations not yet recorded"), CLERK, "donation",
                Donation, (equals(Donation.state, "draft"),)),
        Counted("stocktakes-open", _l("Stocktakes open"), CLERK, "stocktake", Stocktake,
                (equals(Stocktake.state, "open"),)),
    )),
    Panel("counter", _l("Love supermarket"), (Custom(CLERK, "redemption", _redeemed),)),
    # Counts over all the files: kept for a few minutes (views.dashboard_kept).
    Panel("by-status", _l("Files by status"),
          (Custom(EVERYONE, "worker", _by_status, kept="by-status"),)),
    Panel("by-category", _l("Files on record by category"),
          (Custom(EVERYONE, "worker", _by_category, kept="by-category"),)),
    Panel("by-unit", _l("Files on record by unit"),
          (Custom(EVERYONE, "worker", _by_unit, kept="by-unit"),)),
    # Charts for who reads the year-end statistics: the same tables and charts.
    Panel("chart-aid-months", _l("Aid paid this year, by month"),
          (Custom(MANAGER, "report", _chart("chart-aid-months", _aid_months)),), wide=True),
    Panel("chart-years", _l("Files by year"),
          (Custom(MANAGER, "report", _chart("chart-years", _years), kept="chart-years"),),
          wide=True),
    Panel("chart-categories", _l("Files on record by category"),
          (Custom(MANAGER, "report", _chart("chart-categories", _categories),
                  kept="chart-categories"),), wide=True),
)


def dashboard(admin, user) -> list[tuple[Panel, list[Row]]]:
    """Return the panels ``user`` sees, each with its rows (panels with none left out)."""
    return shown_panels(PANELS, admin, user)
