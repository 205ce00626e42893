"""The year-end figures issue 16 added — money raised, school aid by level, 低保 households,
files by base union, aid by month — the five years side by side with 累计, and the work
summary paragraph: each against counts made here with plain SQL, on a built world and on
the demo centre."""
from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import text

from models import db
from models.base import freeze_now
from models.ledger import post_entry, reverse_entry
from models.orgunit import OrgUnit, root_unit_id
from models.report import year_figures
from models.report_breakdowns import years_table
from models.report_summary import summary_paragraph
from models.report_units import report_of_unit
from tests.factories import make_assistance, make_fund, make_worker, user
from tests.factories_inventory import make_donation
from tests.test_report import YEAR, build_world

D = Decimal
# China's calendar year 2025 in stored UTC times.
START, END = dt.datetime(2024, 12, 31, 16), dt.datetime(2025, 12, 31, 16)


def at(moment: dt.datetime, make):
    """Run ``make()`` with the clock held at ``moment`` (UTC): ledger rows take that time."""
    freeze_now(moment)
    try:
        return make()
    finally:
        freeze_now(None)


def _money_raised():
    government = make_fund(name="区财政帮扶资金", source="government", balance="0")
    union = make_fund(name="工会帮扶专项资金", source="union", balance="0")
    admin = user("admin")

    def allocate(fund, amount, moment):
        return at(moment, lambda: post_entry(fund.id, "allocation_in", D(amount), admin))

    allocate(government, "50000.00", dt.datetime(2025, 2, 10, 2))
    allocate(government, "20000.00", dt.datetime(2024, 12, 31, 17))  # 1 Jan 2025 in China
    allocate(government, "9999.00", dt.datetime(2025, 12, 31, 17))   # 1 Jan 2026 in China
    allocate(union, "30000.00", dt.datetime(2025, 3, 1, 2))
    wrong = allocate(union, "1000.00", dt.datetime(2025, 4, 1, 2))
    at(dt.datetime(2025, 4, 2, 2), lambda: reverse_entry(wrong, admin, "重复拨款"))
    # A loan repaid into the fund is the centre's own money coming back: not raised.
    at(dt.datetime(2025, 5, 1, 2), lambda: post_entry(union.id, "repayment_in", D("500"), admin))
    at(dt.datetime(2025, 6, 1, 2), lambda: make_donation(money="2000.00",
                                                         received_on=dt.date(2025, 6, 1)))
    db.session.commit()


def _school_and_files():
    first = make_worker(name="甲户", on_dibao=True, household_size=3, base_union="甲厂工会",
                        filed_on=dt.date(2025, 5, 1))
    second = make_worker(name="乙户", on_dibao=True, household_size=2, base_union="甲厂工会",
                         filed_on=dt.date(2024, 3, 1))
    make_worker(name="丙户", base_union="乙街道联合工会", filed_on=dt.date(2025, 7, 1))
    make_worker(name="丁户", on_dibao=True, household_size=4, base_union="",
                filed_on=dt.date(2025, 8, 1), status="pending")

    def school(worker, level, cash, moment, goods="0"):
        make_assistance(worker=worker, kind="education", state="paid", school_level=level,
                        cash_amount=D(cash), goods_value=D(goods), paid_at=moment,
                        school="实验中学", student_name="小明", campaign=f"助学{moment:%m%d%H}")

    school(first, "university", "1500.00", dt.datetime(2025, 9, 1, 2))
    school(second, "university", "1000.00", dt.datetime(2025, 9, 2, 2), goods="200.00")
    school(first, "senior", "800.00", dt.datetime(2025, 9, 3, 2))
    school(second, None, "500.00", dt.datetime(2025, 10, 1, 2))
    school(second, "senior", "700.00", dt.datetime(2024, 9, 1, 2))   # the year before


def build_more():
    """Build the known world of ``tests.test_report`` and the records issue 16 counts."""
    build_world()
    _money_raised()
    _school_and_files()


@pytest.fixture
def more(app):
    with app.test_request_context():
        build_more()
    return app


def _rows(sql: str, **params) -> list:
    return db.session.execute(text(sql), {"start": START, "end": END, **params}).all()


def sql_income() -> dict:
    """Money raised in 2025 by source, counted here from the ledger."""
    rows = _rows("""
        SELECT f.source, ROUND(SUM(e.amount), 2) FROM fund_entry e JOIN fund f ON f.id = e.fund_id
        WHERE e.kind IN ('allocation_in', 'donation_in') AND e.at >= :start AND e.at < :end
          AND e.id NOT IN (SELECT reverses_id FROM fund_entry WHERE reverses_id IS NOT NULL)
        GROUP BY f.source""")
    return {source: D(str(amount)).quantize(D("0.01")) for source, amount in rows}


def sql_school() -> dict:
    rows = _rows("""
        SELECT school_level, COUNT(*), ROUND(SUM(cash_amount + goods_value), 2)
        FROM assistance WHERE kind = 'education' AND state = 'paid'
          AND paid_at >= :start AND paid_at < :end GROUP BY school_level""")
    return {level: (n, D(str(amount)).quantize(D("0.01"))) for level, n, amount in rows}


def sql_dibao() -> tuple[int, int]:
    (n, persons), = _rows("""
        SELECT COUNT(*), COALESCE(SUM(household_size), 0) FROM worker
        WHERE on_dibao AND filed_on >= :first AND filed_on <= :last""",
                          first=dt.date(YEAR, 1, 1), last=dt.date(YEAR, 12, 31))
    return n, int(persons)


def sql_unions(as_of: dt.date) -> dict:
    rows = _rows("""
        SELECT base_union, COUNT(*) FROM worker WHERE filed_on <= :as_of
          AND (status = 'active' OR (status IN ('exited', 'removed') AND exit_date > :as_of))
        GROUP BY base_union""", as_of=as_of)
    return {union: n for union, n in rows}


def test_new_figures_are_exact_and_equal_plain_sql(more):
    with more.test_request_context():
        f = year_figures(YEAR)
        income, school, dibao, unions = sql_income(), sql_school(), sql_dibao(), sql_unions(
            f["as_of"])
    funds = f["funds"]
    assert funds["by_source"] == {"government": D("70000.00"), "union": D("30000.00"),
                                  "donation": D("2000.00")}
    assert funds["total"] == D("102000.00")
    assert {k: v for k, v in funds["by_source"].items() if v} == income
    assert funds["by_fund"]["区财政帮扶资金"]["allocation_in"] == D("70000.00")
    assert funds["by_fund"]["工会帮扶专项资金"]["entries"] == 1

    levels = f["education"]
    assert {k: (v["count"], v["amount"]) for k, v in levels.items()} == school == {
        "university": (2, D("2700.00")), "senior": (1, D("800.00")), None: (1, D("500.00"))}
    assert levels["university"]["workers"] == 2
    education = f["assistance"]["by_kind"]["education"]
    assert education["count"] == sum(v["count"] for v in levels.values())

    # 甲户 and the pending 丁户 were filed in 2025 on 低保; 乙户 was filed in 2024.
    assert (f["dibao"]["new_households"], f["dibao"]["new_persons"]) == dibao == (2, 7)
    assert (f["dibao"]["households"], f["dibao"]["persons"]) == (2, 5)   # 甲户, 乙户

    assert {u: g["on_file"] for u, g in f["unions"].items() if g["on_file"]} == unions
    assert f["unions"]["甲厂工会"] == {"on_file": 2, "new": 1, "exited": 0, "removed": 0}
    assert f["unions"][""]["new"] == 1   # 丁户, pending: filed, not yet on file

    months = f["monthly"]["education"]
    assert months[8] == (3, D("3500.00")) and months[9] == (1, D("500.00"))
    assert sum(n for n, _a in months) == education["count"]
    total = sum((a for kind in f["monthly"].values() for _n, a in kind), D("0"))
    assert total == f["assistance"]["total"]["cash"] + f["assistance"]["total"]["goods"]


def test_five_years_side_by_side_add_up(more):
    with more.test_request_context():
        figures = report_of_unit(YEAR, None)
        table = years_table(figures["years"])
        headers = [str(h) for h in table.headers]
        rows = {str(row[0]): row[1:] for row in table.rows}
        aid_2024 = _rows("SELECT ROUND(SUM(cash_amount + goods_value), 2) FROM assistance "
                         "WHERE state = 'paid' AND paid_at >= :s AND paid_at < :e",
                         s=dt.datetime(2023, 12, 31, 16), e=START)[0][0]
    assert [year for year, _f in figures["years"]] == [2021, 2022, 2023, 2024, 2025]
    assert figures["years"][-1][1]["assistance"] == figures["assistance"]
    assert headers[1:] == ["2021年", "2022年", "2023年", "2024年", "2025年", "累计"]
    for label, cells in rows.items():
        if cells[-1] != "":
            assert cells[-1] == sum(cells[:-1], type(cells[0])(0)), label
    assert rows["年末在档困难职工（户）"][-1] == ""     # a position has no 累计
    assert rows["帮扶金额（元）"][3] == D(str(aid_2024)) == D("1500.00")  # 800 + 700 助学
    assert rows["帮扶金额（元）"][4] == D("6900.00")
    assert rows["筹集帮扶资金（元）"][4] == D("102000.00")
    assert rows["其中：政府拨款（元）"][-1] == D("70000.00")
    assert rows["新建档低保家庭（户）"][4] == 2


WAN = r"([\d.]+)万元"


def wan(yuan) -> str:
    return str((D(yuan) / 10000).quantize(D("0.01"), ROUND_HALF_UP))


def check_paragraph(paragraph: str, f: dict) -> None:
    """Assert that every number of the paragraph is its figure (and each is there)."""
    aid = f["assistance"]
    head = re.search(r"全年共救助困难职工(\d+)人次，发放救助金及物品折合人民币" + WAN, paragraph)
    assert head, paragraph
    assert int(head.group(1)) == aid["total"]["count"]
    assert head.group(2) == wan(aid["total"]["cash"] + aid["total"]["goods"])
    from models.choices import ASSISTANCE_KINDS

    for kind, g in aid["by_kind"].items():
        label = re.escape(str(ASSISTANCE_KINDS[kind]))
        found = re.search(label + r"(\d+)人次、" + WAN, paragraph)
        assert found and int(found.group(1)) == g["count"], kind
        assert found.group(2) == wan(g["cash"] + g["goods"]), kind
    funds = f["funds"]
    if funds["total"]:
        raised = re.search(r"筹集帮扶资金" + WAN, paragraph)
        assert raised.group(1) == wan(funds["total"])
    w, d = f["workers"], f["dibao"]
    files = re.search(r"年末在档困难职工(\d+)户；全年新建档(\d+)户，其中低保家庭(\d+)户(\d+)人；"
                      r"(\d+)户实现脱困", paragraph)
    assert [int(n) for n in files.groups()] == [w["on_file"], w["new"], d["new_households"],
                                               d["new_persons"], w["exited"]]
    if f["loans"]["disbursed"]:
        loans = re.search(r"发放小额借款(\d+)笔、" + WAN, paragraph)
        assert int(loans.group(1)) == f["loans"]["disbursed"]
        assert loans.group(2) == wan(f["loans"]["amount"])
    # No number is left unaccounted for: every one is a figure quoted above or the year.
    assert paragraph.startswith(f"{f['year']}年全年共救助")


def test_paragraph_numbers_are_the_figures_and_plain_sql(more, client, auth):
    with more.test_request_context():
        f = year_figures(YEAR)
        paragraph = summary_paragraph(f)
        check_paragraph(paragraph, f)
        (times, amount), = _rows("SELECT COUNT(*), ROUND(SUM(cash_amount + goods_value), 2) "
                                 "FROM assistance WHERE state = 'paid' AND paid_at >= :start "
                                 "AND paid_at < :end")
    assert f"全年共救助困难职工{times}人次，发放救助金及物品折合人民币{wan(str(amount))}万元" \
        in paragraph
    assert "筹集帮扶资金10.20万元，其中政府拨款7.00万元；工会经费3.00万元；社会捐赠0.20万元。" \
        in paragraph
    assert "本科2人次、0.27万元" in paragraph and "未填学段1人次、0.05万元" in paragraph
    auth.login("manager")
    page = client.get(f"/admin/report/?year={YEAR}").get_data(as_text=True)
    shown = re.search(r'<p id="summary-text" class="summary-text">(.*?)</p>', page, re.S)
    assert shown.group(1) == paragraph
    for key in ("years", "funds"):
        assert f'id="report-{key}"' in page
    assert page.count("<svg") == 6 and 'id="chart-aid-months"' in page
    assert 'src="/static/report.js"' in page and 'href="/static/report.css"' in page


def test_a_station_raises_only_its_donations(more):
    """Funds are the centre's: a station's report counts the money its donations brought."""
    with more.test_request_context():
        station = OrgUnit(name="甲街道帮扶站", kind="station",
                          parent=db.session.get(OrgUnit, root_unit_id()))
        db.session.add(station)
        db.session.flush()
        at(dt.datetime(2025, 7, 1, 2), lambda: make_donation(
            money="300.00", received_on=dt.date(2025, 7, 1), unit_id=station.id))
        db.session.commit()
        mine = report_of_unit(YEAR, station)
        whole = report_of_unit(YEAR, None)
    assert mine["funds"]["total"] == D("300.00")
    assert mine["funds"]["by_source"] == {"government": 0, "union": 0, "donation": D("300.00")}
    assert whole["funds"]["total"] == D("102300.00")
    assert [y for y, _f in mine["years"]] == [2021, 2022, 2023, 2024, 2025]


def test_demo_figures_equal_plain_sql(app, client, auth, demo):
    """The seeded centre: the new figures, the years and the paragraph agree with SQL."""
    from seed.demo import AS_OF

    global START, END
    saved = START, END
    START = dt.datetime(AS_OF.year - 1, 12, 31, 16)
    END = dt.datetime(AS_OF.year, 12, 31, 16)
    try:
        with app.test_request_context():
            f = report_of_unit(AS_OF.year, None)
            income, school = sql_income(), sql_school()
            paragraph = summary_paragraph(f)
            check_paragraph(paragraph, f)
    finally:
        START, END = saved
    assert f["funds"]["total"] > 0 and f["education"]
    assert {k: v for k, v in f["funds"]["by_source"].items() if v} == income
    assert {k: (v["count"], v["amount"]) for k, v in f["education"].items()} == school
    table = years_table(f["years"])
    for row in table.rows:
        if row[-1] != "":
            assert row[-1] == sum(row[1:-1], type(row[1])(0)), row[0]
    auth.login("manager")
    page = client.get(f"/admin/report/?year={AS_OF.year}").get_data(as_text=True)
    assert paragraph in page and page.count("<svg") == 6
