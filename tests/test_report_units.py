"""The year-end statistics and the start page roll up by org unit.

The known world of ``tests.test_report`` is spread over a county centre and two stations;
each unit's figures are then counted here by plain queries of their own (not by the
report's functions) and compared with the report's per-unit rows, its total, a station's
own report (page, workbook, CLI) and the start page.
"""
from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import and_, func, or_, select, update

from models import (
    Assistance,
    Donation,
    Enrolment,
    Item,
    Loan,
    LoveCard,
    Notice,
    Redemption,
    TrainingClass,
    User,
    Worker,
    db,
)
from models.orgunit import OrgUnit, root_unit_id
from models.report_tables import unit_cells
from models.report_units import report_of_unit
from tests.conftest import HASHES
from tests.test_report import YEAR, YEAR_SHEETS, build_world

D = Decimal
SPREAD = (Worker, Assistance, Donation, Redemption, LoveCard, Loan, TrainingClass, Notice, Item)
# China's calendar year 2025 in stored UTC times.
START, END = dt.datetime(2024, 12, 31, 16), dt.datetime(2025, 12, 31, 16)
AS_OF = dt.date(2025, 12, 31)


def _units() -> list[int]:
    """Make two stations under the top unit; return [county, station A, station B] ids."""
    county = db.session.get(OrgUnit, root_unit_id())
    county.name = "测试区总工会帮扶中心"
    stations = [OrgUnit(name=name, kind="station", parent=county)
                for name in ("甲街道帮扶站", "乙镇帮扶站")]
    db.session.add_all(stations)
    db.session.flush()
    return [county.id, *(s.id for s in stations)]


def _spread(units: list[int]) -> None:
    """Give every record a unit by its id, so that each unit holds some of every kind."""
    for model in SPREAD:
        for slot, unit in enumerate(units):
            db.session.execute(update(model).where(model.id % len(units) == slot)
                               .values(unit_id=unit))
    db.session.commit()


def _user(username: str, role: str, unit_id: int) -> None:
    person = User(username=username, full_name=username, role=role, unit_id=unit_id)
    person.password_hash = HASHES[role]
    db.session.add(person)
    db.session.commit()


@pytest.fixture
def network(app):
    """The known world of 2025 over a county (own records) and stations A and B."""
    with app.test_request_context():
        build_world()
        units = _units()
        _spread(units)
        _user("manager_a", "manager", units[1])
    return units


def _sum(column):
    return func.coalesce(func.sum(column), 0)


def independent(ids) -> dict[int, object]:
    """Count the figures of units ``ids`` by plain queries: column index -> figure."""
    ids = sorted(ids)

    def one(statement):
        return db.session.scalar(statement)

    on_file = one(select(func.count()).select_from(Worker).where(
        Worker.unit_id.in_(ids), Worker.filed_on <= AS_OF,
        or_(Worker.status == "active", and_(Worker.status.in_(("exited", "removed")),
                                            Worker.exit_date > AS_OF))))
    new = one(select(func.count()).select_from(Worker).where(
        Worker.unit_id.in_(ids), Worker.filed_on.between(dt.date(2025, 1, 1), AS_OF)))
    paid = (Assistance.unit_id.in_(ids), Assistance.state == "paid",
            Assistance.paid_at >= START, Assistance.paid_at < END)
    aid_times = one(select(func.count()).select_from(Assistance).where(*paid))
    aid_amount = one(select(_sum(Assistance.cash_amount) + _sum(Assistance.goods_value))
                     .where(*paid))
    gifts = one(select(_sum(Donation.money_amount) + _sum(Donation.goods_value)).where(
        Donation.unit_id.in_(ids), Donation.state == "recorded",
        Donation.received_on.between(dt.date(2025, 1, 1), AS_OF)))
    redeemed = one(select(func.count()).select_from(Redemption).where(
        Redemption.unit_id.in_(ids), Redemption.state == "done",
        Redemption.at >= START, Redemption.at < END))
    trainees = one(select(func.count()).select_from(Enrolment).join(
        TrainingClass, TrainingClass.id == Enrolment.class_id).where(
        TrainingClass.unit_id.in_(ids),
        TrainingClass.start_date.between(dt.date(2025, 1, 1), AS_OF)))
    issued = (Loan.unit_id.in_(ids), Loan.issued_on.between(dt.date(2025, 1, 1), AS_OF))
    loans = one(select(func.count()).select_from(Loan).where(*issued))
    lent = one(select(_sum(Loan.amount)).where(*issued))
    notices = one(select(func.count()).select_from(Notice).where(
        Notice.unit_id.in_(ids), Notice.state.in_(("published", "ended")),
        Notice.starts_on.between(dt.date(2025, 1, 1), AS_OF)))
    money = [D(str(v)).quantize(D("0.01")) for v in (aid_amount, gifts, lent)]
    return {0: on_file, 1: new, 2: aid_times, 3: money[0], 4: money[1], 5: redeemed,
            6: trainees, 7: loans, 8: money[2], 10: notices}


def _picked(cells: list) -> dict[int, object]:
    return {i: cells[i] for i in (0, 1, 2, 3, 4, 5, 6, 7, 8, 10)}


def test_rows_are_each_units_own_figures_and_add_up_to_the_total(app, network):
    county, a, b = network
    with app.test_request_context():
        figures = report_of_unit(YEAR, db.session.get(OrgUnit, county))
        rows = [(label, unit_cells(f)) for label, f in figures["by_unit"]]
        expected = [independent({county}), independent({a}), independent({b})]
        everything = independent({county, a, b})
    assert [label for label, _cells in rows] == [
        "测试区总工会帮扶中心（本级）", "甲街道帮扶站", "乙镇帮扶站"]
    for (label, cells), counted in zip(rows, expected, strict=True):
        assert _picked(cells) == counted, label
    total = unit_cells(figures)
    assert total == [sum(cells[i] for _label, cells in rows) for i in range(len(total))]
    assert _picked(total) == everything
    # Each unit holds some of the world: no row is all zero, and nothing was lost.
    assert all(any(cells[:8]) for _label, cells in rows)
    assert total[:4] == [3, 3, 3, D("2900.00")]


def test_a_station_report_is_its_own(app, client, auth, network):
    """A station's manager reads only the station's figures: no per-unit table, no others'."""
    _county, a, _b = network
    with app.app_context():
        mine = independent({a})
    auth.login("manager", username="manager_a")
    page = client.get(f"/admin/report/?year={YEAR}").get_data(as_text=True)
    assert "甲街道帮扶站" in page and 'id="report-units"' not in page
    assert "乙镇帮扶站" not in page
    assistance = page.split('id="report-assistance"')[1].split("</section>")[0]
    total = re.search(r'<tr class="font-weight-bold">(.*?)</tr>', assistance, re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", total)
    assert cells[1] == str(mine[2]) and cells[5] == f"{mine[3]:,.2f}"
    book = openpyxl.load_workbook(io.BytesIO(
        client.get(f"/admin/report/xlsx/?year={YEAR}").data))
    assert len(book.sheetnames) == YEAR_SHEETS
    aid = next(row for row in book["帮扶救助"].iter_rows() if row[0].value == "合计")
    assert aid[1].value == mine[2] and D(str(aid[5].value)) == mine[3]
    assert str(book["帮扶救助"]["A1"].value).startswith("甲街道帮扶站")


def test_county_page_shows_the_per_unit_table(app, client, auth, network):
    county, a, b = network
    with app.app_context():
        counted = [independent({county}), independent({a}), independent({b})]
    auth.login("manager")
    page = client.get(f"/admin/report/?year={YEAR}").get_data(as_text=True)
    section = page.split('id="report-units"')[1].split("</section>")[0]
    rows = [re.findall(r"<td[^>]*>(.*?)</td>", row)
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", section, re.S)[1:]]
    assert [row[0] for row in rows] == ["测试区总工会帮扶中心（本级）", "甲街道帮扶站",
                                        "乙镇帮扶站", "合计"]
    for row, mine in zip(rows, counted, strict=False):
        assert row[1] == str(mine[0]) and row[3] == str(mine[2])
        assert row[4] == f"{mine[3]:,.2f}"
    assert rows[-1][1] == "3" and rows[-1][4] == "2,900.00"
    book = openpyxl.load_workbook(io.BytesIO(
        client.get(f"/admin/report/xlsx/?year={YEAR}").data))
    assert book.sheetnames[0] == "各单位汇总" and len(book.sheetnames) == YEAR_SHEETS + 1


def test_cli_writes_a_units_workbook(app, network, tmp_path):
    county, a, _b = network
    with app.app_context():
        mine = independent({a})
    runner = app.test_cli_runner()
    target = tmp_path / "甲.xlsx"
    result = runner.invoke(args=["report", str(YEAR), str(target), "--unit", "甲街道帮扶站"])
    assert result.exit_code == 0, result.output
    assert f"在档困难职工 {mine[0]} 户" in result.output and "甲街道帮扶站" in result.output
    book = openpyxl.load_workbook(target)
    assert len(book.sheetnames) == YEAR_SHEETS
    whole = tmp_path / "全部.xlsx"
    result = runner.invoke(args=["report", str(YEAR), str(whole), "--unit", str(county)])
    assert result.exit_code == 0 and "在档困难职工 3 户" in result.output
    assert openpyxl.load_workbook(whole).sheetnames[0] == "各单位汇总"
    result = runner.invoke(args=["report", str(YEAR), str(whole), "--unit", "无此单位"])
    assert result.exit_code != 0 and "无此单位" in result.output


def _figure(page: str, key: str) -> str:
    block = page.split(f'id="fig-{key}"')[1].split("</a>")[0].split("</div>")[0]
    return re.findall(r'dash-value">\s*([^<]*?)\s*<', block)[-1]


def test_start_page_counts_the_units_and_rolls_up(app, client, auth, network):
    county, a, b = network
    with app.app_context():
        active = {unit: db.session.scalar(select(func.count()).select_from(Worker).where(
            Worker.unit_id == unit, Worker.status == "active")) for unit in network}
    auth.login("manager")
    page = client.get("/admin/").get_data(as_text=True)
    assert 'id="panel-by-unit"' in page
    assert [_figure(page, key) for key in ("unit-1", "unit-2", "unit-3", "unit-total")] == [
        str(active[county]), str(active[a]), str(active[b]), str(sum(active.values()))]
    client.post("/logout", data={"csrf_token": auth.token()})
    auth.login("manager", username="manager_a")
    page = client.get("/admin/").get_data(as_text=True)
    assert 'id="panel-by-unit"' not in page
    assert re.search(r'id="fig-status-active"[^>]*data-count="(\d+)"', page).group(1) == str(
        active[a])
