"""The year-end statistics: exact figures from a known world, the page, the workbook, the CLI."""
from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import select, update

from models import AuditLog, Objection, Redemption, db
from models.base import freeze_today
from models.donation_rules import void_donation
from models.loan_rules import record_repayment, reverse_repayment, write_off
from models.notice_rules import withdraw
from models.redemption_rules import void_redemption
from models.report import year_figures
from tests.factories import make_assistance, make_worker, user
from tests.factories_inventory import donation_fund, make_card, make_donation, make_item
from tests.factories_inventory import make_redemption as redeem_on
from tests.factories_loans import disbursed_loan, make_loan
from tests.factories_notices import make_notice, make_objection, make_published
from tests.factories_training import make_class, make_enrolment

YEAR = 2025
TODAY = dt.date(2026, 3, 1)   # the world is built as of this day; 2025 is over
D = Decimal

# The workbook of one unit: five years, then a sheet per section (the desk and legal aid
# since issue 17); a county adds its per-unit summary first.
YEAR_SHEETS = 11
YEAR_SHEETS += 1  # visits and pairing (issue 18)
YEAR_SHEETS += 1  # employment services (issue 19)
YEAR_SHEETS += 1  # campaigns and love-card top-ups (issue 18)
YEAR_SHEETS += 1  # goods hand-outs to named people (issue 18)


def utc(*args) -> dt.datetime:
    return dt.datetime(*args)


def _workers():
    # On file at the end of 2025: w1, w2 and w3 (exited only in 2026).
    w1 = make_worker(category="deep", main_cause="illness", filed_on=dt.date(2024, 5, 1))
    w2 = make_worker(category="relative", main_cause="laid_off", filed_on=dt.date(2025, 3, 1))
    make_worker(category="deep", main_cause="illness", filed_on=dt.date(2023, 1, 1),
                status="exited", exit_date=dt.date(2026, 2, 1), exit_reason="脱困")
    make_worker(category="relative", main_cause="illness", filed_on=dt.date(2023, 1, 1),
                status="exited", exit_date=dt.date(2025, 6, 1), exit_reason="脱困")
    make_worker(category="migrant", main_cause="other", filed_on=dt.date(2025, 2, 1),
                status="removed", exit_date=dt.date(2025, 4, 1), exit_reason="不符合条件")
    make_worker(category="relative", main_cause="illness", filed_on=dt.date(2025, 11, 1),
                status="pending")
    return w1, w2


def _assistance(w1, w2):
    def paid(worker, kind, at, cash, goods="0", state="paid", campaign=None):
        return make_assistance(worker=worker, kind=kind, state=state, cash_amount=D(cash),
                               goods_value=D(goods), paid_at=at,
                               campaign=campaign or f"{kind}-{at:%Y%m%d%H}")

    paid(w1, "living", utc(2025, 3, 10, 4), "500.00")
    paid(w2, "living", utc(2025, 7, 1, 4), "300.00", "100.00")
    paid(w2, "medical", utc(2024, 12, 31, 17), "2000.00")   # 2025-01-01 01:00 in China
    paid(w1, "living", utc(2025, 12, 31, 17), "900.00")     # 2026-01-01 01:00 in China
    paid(w1, "living", utc(2024, 6, 1, 4), "800.00")        # the year before
    paid(w1, "festival", utc(2025, 5, 1, 4), "400.00", state="reversed")
    return make_assistance(worker=w1, kind="education", state="approved",
                           approved_by_id=user("manager").id, campaign="2025年金秋助学")


def _donations():
    donation_fund()
    rice, oil = make_item(), make_item()
    make_donation([(rice, 10, "200.00")], money="1000.00", received_on=dt.date(2025, 4, 1))
    make_donation([(rice, 5, "50.00"), (oil, 2, "30.00")], donor_kind="person",
                  donor_name="李四", received_on=dt.date(2025, 9, 1))
    voided = make_donation(money="500.00", received_on=dt.date(2025, 5, 1))
    void_donation(voided, user("clerk"), "重复登记")
    make_donation(money="700.00", received_on=dt.date(2024, 12, 31))
    make_donation([(oil, 1, "9.00")], record=False, received_on=dt.date(2025, 6, 1))
    db.session.commit()


def _redemptions():
    item = make_item(stock=20, price="10.00")
    first, second = make_card("200"), make_card("200")
    done = [(first, 2, utc(2025, 5, 1, 2)), (first, 1, utc(2025, 6, 1, 2)),
            (second, 3, utc(2025, 7, 1, 2)), (second, 1, utc(2025, 8, 1, 2)),
            (first, 1, utc(2024, 12, 1, 2))]
    made = [(redeem_on(card, item, n), at) for card, n, at in done]
    void_redemption(made[3][0], user("clerk"), "顾客退回")
    db.session.commit()
    for redemption, at in made:
        db.session.execute(update(Redemption).where(Redemption.id == redemption.id)
                           .values(at=at))
    db.session.commit()


def _training():
    welding = make_class(start_date=dt.date(2025, 3, 2), end_date=dt.date(2025, 4, 30),
                         state="finished")
    found = dict(employer="济南重工", outcome_on=dt.date(2025, 6, 1))
    make_enrolment(welding, state="completed", outcome="reemployed", **found)
    make_enrolment(welding, state="completed", outcome="business", **found)
    make_enrolment(welding, state="completed")
    make_enrolment(welding, state="dropped")
    computer = make_class(name="电脑班", category="computer", start_date=dt.date(2025, 10, 1),
                          end_date=dt.date(2026, 3, 31), state="running")
    make_enrolment(computer)
    old = make_class(name="旧班", start_date=dt.date(2024, 9, 1), end_date=dt.date(2024, 10, 1),
                     state="finished")
    make_enrolment(old, state="completed")


def _loans():
    manager = user("manager")
    first = disbursed_loan("7000.00", 7, dt.date(2025, 3, 15))   # due 15 Apr .. 15 Oct 2025
    record_repayment(first, manager, "1000.00", dt.date(2025, 4, 15))
    record_repayment(first, manager, "1000.00", dt.date(2025, 5, 15))
    wrong = record_repayment(first, manager, "2000.00", dt.date(2025, 6, 20))
    reverse_repayment(wrong, manager, "金额录错")
    second = disbursed_loan("3000.00", 3, dt.date(2025, 11, 20))  # due 20 Dec, Jan, Feb
    record_repayment(second, manager, "1000.00", dt.date(2025, 12, 20))
    settled = disbursed_loan("2000.00", 2, dt.date(2024, 10, 10))
    record_repayment(settled, manager, "2000.00", dt.date(2025, 2, 1))
    settled.repaid_at = utc(2025, 2, 1, 4)
    lost = disbursed_loan("1200.00", 12, dt.date(2024, 1, 5))
    write_off(lost, manager, "借款人去世")
    lost.written_off_at = utc(2025, 9, 1, 4)
    make_loan()
    db.session.commit()


def _notices(approved):
    def on(day, make):
        freeze_today(day)
        try:
            return make()
        finally:
            freeze_today(TODAY)

    listed = on(dt.date(2025, 5, 1), lambda: make_published([approved],
                                                            starts_on=dt.date(2025, 5, 1)))
    on(dt.date(2025, 8, 1), lambda: make_published(kind="free", title="申请办法"))
    taken_down = on(dt.date(2025, 9, 1), lambda: make_published(kind="free", title="撤回的"))
    on(dt.date(2025, 9, 2), lambda: (withdraw(taken_down, user("manager"), "有误"),
                                     db.session.commit()))
    old = on(dt.date(2024, 12, 1), lambda: make_published(kind="free", title="去年"))
    make_notice(kind="free", title="草稿", body="<p>草稿</p>")
    for notice, filed, state in ((listed, utc(2025, 5, 3, 2), "open"),
                                 (listed, utc(2025, 5, 4, 2), "resolved"),
                                 (old, utc(2024, 12, 3, 2), "open")):
        objection = make_objection(notice, state=state)
        db.session.execute(update(Objection).where(Objection.id == objection.id)
                           .values(filed_at=filed))
    db.session.commit()


def build_world():
    """Make the known world of 2025 (and records around it that must not count)."""
    freeze_today(TODAY)
    w1, w2 = _workers()
    approved = _assistance(w1, w2)
    _donations()
    _redemptions()
    _training()
    _loans()
    _notices(approved)


EXPECTED = {
    "workers": {"on_file": 3, "new": 3, "exited": 1, "removed": 1,
                "grid": {("illness", "deep"): 2, ("laid_off", "relative"): 1}},
    "assistance": {
        "by_kind": {"living": {"count": 2, "workers": 2, "cash": D("800.00"),
                               "goods": D("100.00")},
                    "medical": {"count": 1, "workers": 1, "cash": D("2000.00"),
                                "goods": D("0.00")}},
        "total": {"count": 3, "workers": 2, "cash": D("2800.00"), "goods": D("100.00")}},
    "donations": {
        "by_kind": {"organisation": {"count": 1, "donors": 1, "money": D("1000.00"),
                                     "goods": D("200.00"), "lines": 1, "units": 10},
                    "person": {"count": 1, "donors": 1, "money": D("0.00"),
                               "goods": D("80.00"), "lines": 2, "units": 7}},
        "total": {"count": 2, "donors": 2, "money": D("1000.00"), "goods": D("280.00"),
                  "lines": 3, "units": 17},
        "voided": 1},
    "redemptions": {"count": 3, "points": D("60.00"), "workers": 2, "units": 6, "voided": 1},
    "training": {
        "by_category": {"computer": {"classes": 1, "total": 1, "completed": 0, "dropped": 0,
                                     "found_work": 0},
                        "welding": {"classes": 1, "total": 4, "completed": 3, "dropped": 1,
                                    "found_work": 2}},
        "total": {"classes": 2, "total": 5, "completed": 3, "dropped": 1, "found_work": 2}},
    "loans": {"disbursed": 2, "amount": D("10000.00"), "borrowers": 2, "repayments": 4,
              "repaid": D("5000.00"), "settled": 1, "written_off": 1,
              "written_off_amount": D("1200.00"), "outstanding_count": 2,
              "outstanding": D("7000.00"), "overdue_count": 1, "arrears": D("5000.00"),
              "overdue_outstanding": D("5000.00")},
    "notices": {"by_source": {"assistance": {"count": 1, "lines": 1},
                              "free": {"count": 1, "lines": 0}},
                "published": 2, "lines": 1, "withdrawn": 1, "objections": 2,
                "objections_resolved": 1},
}


@pytest.fixture
def world(app):
    with app.test_request_context():
        build_world()
    return app


def test_figures_are_exact(world):
    """Each definition picks exactly the records it names, and nothing around them."""
    with world.test_request_context():
        figures = year_figures(YEAR)
    assert figures["as_of"] == dt.date(2025, 12, 31)
    for section, expected in EXPECTED.items():
        assert figures[section] == expected, section


def test_current_year_is_taken_as_of_today(world):
    """While the year runs, the position is today's: the loans' own overdue figures."""
    with world.test_request_context():
        figures = year_figures(2026)
    assert figures["as_of"] == TODAY
    # On 1 March 2026 the second loan's January and February instalments are unpaid too.
    assert figures["loans"]["overdue_count"] == 2
    assert figures["loans"]["arrears"] == D("7000.00")
    assert figures["workers"]["exited"] == 1 and figures["loans"]["disbursed"] == 0


def test_page_shows_the_figures_to_a_manager(world, client, auth):
    auth.login("manager")
    page = client.get(f"/admin/report/?year={YEAR}").get_data(as_text=True)
    assert "2025年度统计" in page and "统计截至 2025-12-31" in page
    for key in ("workers", "assistance", "donations", "redemptions", "training", "loans",
                "notices"):
        assert f'id="report-{key}"' in page
    assistance = page.split('id="report-assistance"')[1].split("</section>")[0]
    total = re.search(r'<tr class="font-weight-bold">(.*?)</tr>', assistance, re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", total)
    assert cells == ["合计", "3", "2", "2,800.00", "100.00", "2,900.00"]
    assert 'href="/admin/report/"' in client.get("/admin/").get_data(as_text=True)


@pytest.mark.parametrize("role", ["staff", "clerk"])
def test_other_roles_get_403_and_no_menu_item(world, client, auth, role):
    auth.login(role)
    assert client.get("/admin/report/").status_code == 403
    assert client.get(f"/admin/report/xlsx/?year={YEAR}").status_code == 403
    assert "/admin/report/" not in client.get("/admin/").get_data(as_text=True)


def test_anonymous_is_sent_to_login(client):
    response = client.get("/admin/report/xlsx/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def _rows(sheet) -> dict:
    """Return the sheet's rows keyed by their first cell (the first one wins: the first
    table's total is the sheet's main one)."""
    rows: dict = {}
    for row in sheet.iter_rows():
        if row and row[0].value:
            rows.setdefault(row[0].value, row)
    return rows


def test_workbook_has_typed_cells_and_the_same_figures(world, client, auth):
    auth.login("admin")
    response = client.get(f"/admin/report/xlsx/?year={YEAR}")
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    assert "%E5%B9%B4%E5%BA%A6%E7%BB%9F%E8%AE%A1-2025.xlsx" in (
        response.headers["Content-Disposition"])   # 年度统计-2025.xlsx
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert len(book.sheetnames) == YEAR_SHEETS
    total = _rows(book["帮扶救助"])["合计"]
    assert [c.value for c in total[1:6]] == [3, 2, 2800, 100, 2900]
    assert total[1].data_type == "n" and total[1].number_format == "#,##0"
    assert total[3].data_type == "n" and total[3].number_format == "#,##0.00"
    loans = _rows(book["借款管理"])
    assert loans["还款金额（元）"][1].value == 5000
    assert loans["逾期借款（笔）"][1].value == 1
    with world.app_context():
        entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "export")).one()
    assert entry.record_type == "report" and entry.username == "admin" and "2025" in entry.note


def test_cli_writes_the_workbook(world, tmp_path):
    target = tmp_path / "年度统计.xlsx"
    result = world.test_cli_runner().invoke(args=["report", str(YEAR), str(target)])
    assert result.exit_code == 0, result.output
    assert "在档困难职工 3 户" in result.output and "3 人次" in result.output
    book = openpyxl.load_workbook(target)
    assert _rows(book["捐赠登记"])["合计"][3].value == 1000


def test_demo_data_gives_figures_in_every_section(app, client, auth, demo):
    """The seeded centre's report has something in every section, on the page too."""
    from seed.demo import AS_OF

    with app.test_request_context():
        figures = year_figures(AS_OF.year)
    assert figures["workers"]["on_file"] > 0
    assert figures["assistance"]["total"]["count"] > 0
    assert figures["donations"]["total"]["count"] > 0
    assert figures["redemptions"]["count"] > 0
    assert figures["training"]["total"]["classes"] > 0
    assert figures["loans"]["disbursed"] > 0 and figures["loans"]["repaid"] > 0
    assert figures["notices"]["published"] > 0
    auth.login("manager")
    assert client.get(f"/admin/report/?year={AS_OF.year}").status_code == 200
    assert client.get(f"/admin/report/xlsx/?year={AS_OF.year}").data[:2] == b"PK"
