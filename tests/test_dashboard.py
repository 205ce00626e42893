"""The start page: per role, what needs doing today; every figure equals the list it links to."""
from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from models import Redemption, Worker, db
from models.assistance_rules import pay
from models.base import freeze_today, today
from models.dashboard import overdue_loans
from models.inventory_rules import local_day_start
from models.loan_rules import record_repayment
from models.redemption_rules import void_redemption
from models.stocktake_rules import start_stocktake
from tests.factories import make_assistance, make_fund, make_worker, user
from tests.factories_inventory import make_card, make_donation, make_item, make_redemption
from tests.factories_loans import disbursed_loan, make_loan
from tests.factories_notices import make_notice, make_objection, make_published
from tests.factories_training import make_class, make_enrolment

STAFF_FIGURES = {"files-pending", "files-review-due", "reviews-past-due",
                 "follow-up-missing", "aid-applied", "aid-verified", "loans-applied",
                 "objections-open"}
MANAGER_FIGURES = {"reviews-past-due", "reviews-to-approve", "aid-to-approve", "aid-paid",
                   "loans-applied", "loans-overdue", "notices-draft", "objections-open"}
CLERK_FIGURES = {"low-stock", "lots-expired", "lots-expiring", "donations-draft",
                 "stocktakes-open", "redeemed-today"}
PANELS = {
    "staff": {"files", "reviews", "assistance", "training", "loans", "notices", "by-status",
              "by-category"},
    "manager": {"reviews", "assistance", "loans", "notices", "funds", "by-status", "by-category",
                "chart-aid-months", "chart-years", "chart-categories"},
    "clerk": {"warehouse", "counter", "by-status", "by-category"},
}
# The service desk's panel (issue 17); tests/test_service_desk.py checks its figures.
PANELS["staff"] |= {"desk"}
PANELS["manager"] |= {"desk"}
# Visits and pairing (issue 18); tests/test_pairings_visits.py checks its figures.
PANELS["staff"] |= {"visits"}
PANELS["manager"] |= {"visits"}
# Employment services (issue 19); tests/test_employment_views.py checks its figures.
PANELS["staff"] |= {"employment"}
PANELS["manager"] |= {"employment"}
PANELS["admin"] = set().union(*PANELS.values())


def figures(page: str) -> dict[str, dict]:
    """Return each figure of the start page: its link, count (if any), value and details."""
    found = {}
    for key, block in re.findall(r'id="fig-([a-z0-9-]+)"(.*?)</(?:a|div)>', page, re.S):
        href = re.search(r'href="([^"]*)"', block)
        number = re.search(r'data-count="(\d+)"', block)
        found[key] = {"url": html.unescape(href.group(1)) if href else None,
                      "count": int(number.group(1)) if number else None,
                      "value": re.search(r'dash-value">([^<]*)<', block).group(1).strip(),
                      "details": re.findall(r'dash-detail">([^<]*)<', block)}
    return found


def start_page(client) -> str:
    response = client.get("/admin/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def list_rows(client, url: str) -> int:
    """Return the rows a Flask-Admin list shows, checked against its own record count."""
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.get_data(as_text=True)
    rows = page.count('class="list-buttons-column"')
    header = re.search(r'class="nav-link active">[^<(]*\((\d+)\)', page)
    assert (int(header.group(1)) if header else 0) == rows, url
    return rows


def check_lists(client, found: dict, skip=()) -> None:
    """Assert that every counted figure equals the rows of the list it links to."""
    for key, fig in found.items():
        if fig["count"] is not None and key not in skip:
            assert fig["url"], key
            assert list_rows(client, fig["url"]) == fig["count"], key


@pytest.mark.parametrize("role", ["admin", "staff", "manager", "clerk"])
def test_each_role_sees_its_panels_only(app, client, auth, role):
    """Panels and figures follow the role's work and the registry; links open for the role."""
    with app.app_context():
        make_fund(balance="100.00")
    auth.login(role)
    page = start_page(client)
    panels = set(re.findall(r'id="panel-([a-z-]+)"', page))
    assert panels == PANELS[role]
    shown = set(figures(page))
    mine = {"staff": STAFF_FIGURES, "manager": MANAGER_FIGURES, "clerk": CLERK_FIGURES,
            "admin": STAFF_FIGURES | MANAGER_FIGURES | CLERK_FIGURES}[role]
    others = (STAFF_FIGURES | MANAGER_FIGURES | CLERK_FIGURES) - mine
    assert mine <= shown and not others & shown
    if role == "clerk":  # no assistance or loan figure, no money of the funds
        assert not [k for k in shown if k.startswith(("aid", "loans", "fund"))]
    if role == "staff":
        assert not [k for k in shown if k.startswith("fund")]
    for key, fig in figures(page).items():
        assert fig["url"], key
        assert client.get(fig["url"]).status_code == 200, (key, fig["url"])
        if fig["count"] is not None:  # nothing to do is shown as 0, not hidden
            assert fig["value"] == str(fig["count"])


def test_staff_figures_equal_their_lists(app, client, auth):
    with app.app_context():
        old = today() - dt.timedelta(days=400)
        for _ in range(2):
            make_worker(status="pending")
        make_worker(last_reviewed_on=old, filed_on=old)
        make_worker(filed_on=old)  # never reviewed: filed over a year ago
        make_worker(last_reviewed_on=today())
        make_worker(status="exited", exit_date=today(), exit_reason="再就业",
                    last_reviewed_on=old)
        for state in ("applied", "applied", "applied", "verified", "rejected"):
            make_assistance(state=state)
        finished = make_class(state="finished")
        make_enrolment(finished, state="completed")
        make_enrolment(finished, state="completed", outcome="reemployed")
        make_enrolment(make_class(state="running"), state="completed")
        make_loan()
        make_loan(state="rejected")
        make_objection(make_published(), state="open")
    auth.login("staff")
    found = figures(start_page(client))
    assert {k: found[k]["count"] for k in STAFF_FIGURES} == {
        "files-pending": 2, "files-review-due": 2, "reviews-past-due": 0,
        "follow-up-missing": 1, "aid-applied": 3, "aid-verified": 1, "loans-applied": 1,
        "objections-open": 1}
    check_lists(client, found)


def test_manager_figures_equal_their_lists(app, client, auth):
    freeze_today(dt.date(2026, 5, 20))  # loans issued 2026-01-15: four instalments due
    with app.app_context():
        manager, fund = user("manager"), make_fund(balance="12345.60")
        make_assistance(state="verified")
        make_assistance(state="verified", applied_by_id=None)
        make_assistance(state="verified", applied_by_id=manager.id)  # not theirs to approve
        for amount in ("300.00", "450.50"):
            record = make_assistance(state="approved", fund=fund, cash_amount=Decimal(amount))
            pay(record, manager)
        db.session.commit()
        late = disbursed_loan()
        record_repayment(late, user("staff"), Decimal("500.00"), dt.date(2026, 2, 15))
        loans = [late, disbursed_loan(), disbursed_loan(issued_on=dt.date(2026, 5, 1))]
        make_loan()
        make_notice()
        make_objection(make_published(), state="open")
        make_objection(make_published(), state="resolved")
        db.session.commit()
        expected = overdue_loans()
        for loan in loans:
            db.session.refresh(loan)
        late_ones = [loan for loan in loans if loan.arrears]  # the third is not due yet
        assert expected == (2, sum(loan.arrears for loan in late_ones),
                            sum(loan.outstanding for loan in late_ones))
    auth.login("manager")
    found = figures(start_page(client))
    assert {k: found[k]["count"] for k in MANAGER_FIGURES} == {
        "aid-to-approve": 2, "aid-paid": 2, "loans-applied": 1, "loans-overdue": 2,
        "notices-draft": 1, "objections-open": 1, "reviews-past-due": 0,
        "reviews-to-approve": 0}
    check_lists(client, found, skip=("loans-overdue", "aid-paid"))

    # Overdue loans: count and money as on the overdue list.
    assert found["loans-overdue"]["url"] == "/admin/loan/overdue/"
    overdue_page = client.get("/admin/loan/overdue/").get_data(as_text=True)
    assert overdue_page.count('href="/admin/loan/step/?id=') == expected[0] == 2
    details = " ".join(found["loans-overdue"]["details"])
    assert f"{expected[1]:,.2f}" in details and f"{expected[2]:,.2f}" in details
    assert f"{expected[1]:,.2f}" in overdue_page.replace("\n", "")

    # Aid paid this year, linked to the year-end statistics.
    assert found["aid-paid"]["url"] == "/admin/report/"
    assert "750.50" in " ".join(found["aid-paid"]["details"])
    assert client.get("/admin/report/").status_code == 200

    # Each fund's balance, two decimals, linked to its ledger.
    fund_rows = {k: v for k, v in found.items() if k.startswith("fund-")}
    shown = [v for v in fund_rows.values() if "11,595.10" in v["value"]]  # 12,345.60 - 750.50
    assert len(shown) == 1 and list_rows(client, shown[0]["url"]) == 3


def test_clerk_figures_equal_their_lists(app, client, auth):
    with app.app_context():
        make_item(stock=2)                      # at or below its threshold of 3
        make_item(stock=3)
        make_item(stock=9)
        make_item(stock=0, active=False)        # not on offer: not low stock
        make_item(stock=5, expiry=today() - dt.timedelta(days=1))
        make_item(stock=5, expiry=today())
        make_item(stock=5, expiry=today() + dt.timedelta(days=30))
        make_item(stock=5, expiry=today() + dt.timedelta(days=31))
        make_donation([(make_item(stock=1, low_stock=0), 2, "20")], record=False)
        make_donation([(make_item(low_stock=0), 1, "10")])  # recorded
        start_stocktake(user("clerk"))
        db.session.commit()
    auth.login("clerk")
    found = figures(start_page(client))
    assert {k: found[k]["count"] for k in CLERK_FIGURES} == {
        "low-stock": 2, "lots-expired": 1, "lots-expiring": 2, "donations-draft": 1,
        "stocktakes-open": 1, "redeemed-today": 0}
    check_lists(client, found)


def test_redemptions_today_around_midnight_china_time(app, client, auth):
    """Today is the China day: 16:00 UTC yesterday to 16:00 UTC today; voided ones drop out."""
    start = local_day_start()
    with app.app_context():
        card = make_card("500")
        times = {start - dt.timedelta(seconds=1): False, start: True,
                 start + dt.timedelta(hours=23, minutes=59): True,
                 start + dt.timedelta(days=1): False}
        for at in times:
            make_redemption(card).at = at
        voided = make_redemption(card)
        void_redemption(voided, user("clerk"), "扫错商品")
        voided.at = start + dt.timedelta(hours=1)
        db.session.commit()
        points = sum(r.points for r in db.session.query(Redemption)
                     if times.get(r.at) and r.state == "done")
    auth.login("clerk")
    found = figures(start_page(client))["redeemed-today"]
    assert found["count"] == 2
    assert f"{points:,.2f}" in found["details"][0]
    assert list_rows(client, found["url"]) == 2


def test_zero_is_shown_and_worker_panels_link_their_lists(app, client, auth):
    with app.app_context():
        make_worker(category="deep")
        make_worker(category="deep", status="pending")
        assert db.session.query(Worker).count() == 2
    auth.login("manager")
    found = figures(start_page(client))
    assert found["notices-draft"]["value"] == "0"
    assert found["category-deep"]["count"] == 1 and found["status-pending"]["count"] == 1
    check_lists(client, {k: v for k, v in found.items()
                         if k.startswith(("status-", "category-"))})


def test_review_figures_equal_their_lists_and_do_not_overlap(app, client, auth):
    """年度复核到期 (a file to start a review of), 逾期未完成的复核 (an assigned review past
    its due date) and 待我审批的复核: one definition each, each equal to its list."""
    from models.worker_review_rules import approve, submit
    from tests.factories_reviews import make_review, on_record, review_form

    with app.app_context():
        old = today() - dt.timedelta(days=400)
        for _ in range(2):  # last reviewed over a year ago
            on_record().last_reviewed_on = old
        due, started_file = db.session.scalars(select(Worker).order_by(Worker.id.desc())
                                               .limit(2)).all()
        assert due.last_reviewed_on == started_file.last_reviewed_on == old
        started = make_review(worker=started_file)  # started: no longer due to be started
        started.due_on = today() - dt.timedelta(days=1)  # but past its due date
        late = make_review()
        late.due_on = today() - dt.timedelta(days=3)
        make_review()  # assigned, not yet due
        make_review("submitted")  # waits for a manager
        mine = make_review()
        db.session.commit()
        submit(mine, user("staff"), review_form(mine.worker))
        approve(make_review("submitted"), user("manager"))
        db.session.commit()
    auth.login("staff")
    found = figures(start_page(client))
    assert (found["files-review-due"]["count"], found["reviews-past-due"]["count"]) == (1, 2)
    assert "reviews-to-approve" not in found  # staff do not approve
    check_lists(client, found)
    auth.logout()
    auth.login("manager")
    page = start_page(client)
    found = figures(page)
    assert {k: found[k]["count"] for k in ("reviews-past-due", "reviews-to-approve")} == {
        "reviews-past-due": 2, "reviews-to-approve": 2}
    assert "逾期未完成的复核" in page and "待我审批的复核" in page
    check_lists(client, found)


# --- the manager's desk figures (issue 17) ---------------------------------------------------
def test_manager_desk_figures_overdue_by_assignee_and_month_rates(app, client, auth):
    """Overdue per assignee equals its list; 办结率 and on-time rate equal counts taken here."""
    from sqlalchemy import text

    from models import User
    from models.service_case import ServiceCase
    from tests.factories_desk import make_case

    freeze_today(dt.date(2026, 6, 20))
    utc = dt.datetime
    with app.app_context():
        staff = user("staff")
        other = User(username="staff2", full_name="王小红", role="staff", unit_id=staff.unit_id,
                     password_hash=staff.password_hash)
        db.session.add(other)
        db.session.commit()
        early = utc(2026, 4, 1, 2)

        def case(state, deadline, received_at=early, resolved_at=None, assignee=None):
            made = make_case(state, assignee=assignee)
            made.deadline, made.received_at = deadline, received_at
            if resolved_at:
                made.resolved_at = resolved_at
            db.session.commit()

        # Overdue: one of staff's, two of the other's, one not yet assigned; one due today.
        case("in_progress", dt.date(2026, 6, 18))
        case("assigned", dt.date(2026, 6, 19), assignee=other)
        case("in_progress", dt.date(2026, 6, 1), assignee=other)
        case("received", dt.date(2026, 6, 19))
        case("in_progress", dt.date(2026, 6, 20))
        # June in China: from 2026-05-31 16:00 UTC to 2026-06-30 16:00 UTC.
        case("closed", dt.date(2026, 6, 10), utc(2026, 5, 31, 16, 30), utc(2026, 6, 5, 2))
        case("resolved", dt.date(2026, 6, 10), utc(2026, 5, 31, 15, 59),  # received in May
             utc(2026, 6, 10, 15, 30))                           # the deadline's last hour
        case("resolved", dt.date(2026, 6, 10), utc(2026, 6, 3), utc(2026, 6, 10, 16, 30))
        case("in_progress", dt.date(2026, 7, 1), utc(2026, 6, 4))
        case("received", dt.date(2026, 7, 1), utc(2026, 6, 30, 15, 59))
        case("resolved", dt.date(2026, 5, 25), utc(2026, 5, 2), utc(2026, 5, 20))

        today_ = dt.date(2026, 6, 20)
        late = dict(db.session.execute(text(
            "SELECT assignee_id, count(*) FROM service_case WHERE state IN "
            "('received', 'assigned', 'in_progress') AND deadline < :day GROUP BY assignee_id"),
            {"day": today_}).all())
        bounds = {"s": utc(2026, 5, 31, 16), "e": utc(2026, 6, 30, 16)}
        received = db.session.scalar(text(
            "SELECT count(*) FROM service_case WHERE received_at >= :s AND received_at < :e"),
            bounds)
        done = db.session.scalar(text(
            "SELECT count(*) FROM service_case WHERE received_at >= :s AND received_at < :e "
            "AND state IN ('resolved', 'closed')"), bounds)
        resolved = db.session.execute(
            select(ServiceCase.resolved_at, ServiceCase.deadline).where(
                ServiceCase.state.in_(("resolved", "closed")),
                ServiceCase.resolved_at >= bounds["s"], ServiceCase.resolved_at < bounds["e"])
        ).all()
        in_time = sum((at + dt.timedelta(hours=8)).date() <= due for at, due in resolved)
        staff_id, other_id = staff.id, other.id
    assert late == {None: 1, staff_id: 1, other_id: 2}
    assert (received, done, len(resolved), in_time) == (4, 2, 3, 2)

    auth.login("manager")
    found = figures(start_page(client))
    assert found["desk-overdue-unassigned"]["count"] == late[None]
    assert found[f"desk-overdue-by-{staff_id}"]["count"] == late[staff_id]
    assert found[f"desk-overdue-by-{other_id}"]["count"] == late[other_id]
    per_assignee = {k: v for k, v in found.items()
                    if k.startswith(("desk-overdue-by-", "desk-overdue-unassigned"))}
    assert sum(v["count"] for v in per_assignee.values()) == found["desk-overdue"]["count"]
    check_lists(client, per_assignee)
    assert found["desk-done-rate"]["value"] == f"{100 * done / received:.2f}%" == "50.00%"
    assert found["desk-on-time-rate"]["value"] == f"{100 * in_time / len(resolved):.2f}%"
    assert found["desk-done-rate"]["url"] == "/admin/report/"
    # Staff see neither the per-assignee rows nor the rates.
    auth.logout()
    auth.login("staff")
    managers = ("desk-overdue-by", "desk-overdue-un", "desk-done", "desk-on-time")
    assert not [k for k in figures(start_page(client)) if k.startswith(managers)]
