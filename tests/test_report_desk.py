"""The service desk in the year-end statistics: each figure equals a count written here."""
from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest
from sqlalchemy import select, text

from models import db
from models.base import freeze_today
from models.report_desk import desk_figures
from models.service_case import ServiceCase
from models.service_case_rules import visit
from tests.factories import user
from tests.factories_desk import make_case, make_person

YEAR = 2025
utc = dt.datetime
# 2025 in China: from 2024-12-31 16:00 UTC to 2025-12-31 16:00 UTC.
BOUNDS = {"s": utc(2024, 12, 31, 16), "e": utc(2025, 12, 31, 16)}
IN_YEAR = "received_at >= :s AND received_at < :e"
MAY_DAY = utc(2025, 5, 1, 2)


def _case(state="received", received=MAY_DAY, person=None, resolved=None,
          deadline=dt.date(2025, 6, 1), visited=None, satisfaction=None, **fields):
    made = make_case(state, person=person, **fields)
    made.received_at, made.deadline = received, deadline
    if resolved:
        made.resolved_at = resolved
    if visited:
        made.visited_at, made.satisfaction = visited, satisfaction
    db.session.commit()
    return made


@pytest.fixture
def world(app):
    freeze_today(dt.date(2026, 3, 1))
    with app.app_context():
        migrant, local = make_person(), make_person(name="周丽", is_migrant=False)
        _case(channel="visit", person=migrant)
        _case(channel="visit", person=migrant, case_type="legal_aid")      # the same migrant
        _case(channel="collective", head_count=20, case_type="wages")
        _case(channel="call", hotline=True, person=local, case_type="policy")
        _case(channel="call", case_type="living", person=local)
        _case(channel="letter", case_type="complaint", person=local)
        _case(channel="online", case_type="job", person=local)
        _case(channel="visit", received=utc(2024, 12, 31, 15, 59))           # 2024 in China
        _case(channel="call", hotline=True, received=utc(2025, 12, 31, 16))  # 2026 in China
        _case(channel="call", received=utc(2024, 12, 31, 16))                # 2025-01-01 00:00
        # How they ended: resolved on time, resolved late (by local day), closed, reopened.
        _case("resolved", resolved=utc(2025, 6, 1, 15, 30), channel="visit")
        _case("resolved", resolved=utc(2025, 6, 1, 16, 30), channel="visit")
        _case("closed", resolved=utc(2025, 5, 20), visited=utc(2025, 5, 25),
              satisfaction="basic", channel="letter", person=local)
        _case("closed", resolved=utc(2025, 5, 20), visited=utc(2025, 5, 26),
              satisfaction="satisfied")
        reopened = _case("resolved", resolved=utc(2025, 5, 20))
        visit(reopened, user("staff"), "unsatisfied", "工资未全部到位")
        reopened.visited_at = utc(2025, 5, 28)
        db.session.commit()
        # Last year's case resolved and visited in 2025: counted where it happened.
        _case("closed", received=utc(2024, 12, 1), deadline=dt.date(2025, 1, 10),
              resolved=utc(2025, 1, 5), visited=utc(2025, 1, 8), satisfaction="satisfied")
    yield app
    freeze_today(None)


def _scalar(sql: str, **extra):
    return db.session.scalar(text(sql), {**BOUNDS, **extra})


def expected() -> dict:
    """Count every desk figure of 2025 with SQL of its own."""
    channel = "SELECT count(*) FROM service_case WHERE channel = :c AND " + IN_YEAR
    contacts = {
        "visitors": _scalar("SELECT coalesce(sum(head_count), 0) FROM service_case WHERE "
                            "channel IN ('visit', 'collective') AND " + IN_YEAR),
        "visits": _scalar(channel, c="visit"), "collective": _scalar(channel, c="collective"),
        "calls": _scalar(channel, c="call"),
        "hotline": _scalar(channel + " AND hotline = :t", c="call", t=True),
        "letters": _scalar(channel, c="letter"), "online": _scalar(channel, c="online"),
        "cases": _scalar("SELECT count(*) FROM service_case WHERE " + IN_YEAR)}
    by_type = dict(db.session.execute(text(
        "SELECT case_type, count(*) FROM service_case WHERE " + IN_YEAR +
        " GROUP BY case_type"), BOUNDS).all())
    done = _scalar("SELECT count(*) FROM service_case WHERE state IN ('resolved', 'closed') "
                   "AND " + IN_YEAR)
    resolved = db.session.execute(select(ServiceCase.resolved_at, ServiceCase.deadline).where(
        ServiceCase.state.in_(("resolved", "closed")), ServiceCase.resolved_at >= BOUNDS["s"],
        ServiceCase.resolved_at < BOUNDS["e"])).all()
    in_time = sum((at + dt.timedelta(hours=8)).date() <= due for at, due in resolved)
    answers = list(db.session.scalars(text(
        "SELECT satisfaction FROM service_case WHERE satisfaction IS NOT NULL "
        "AND visited_at >= :s AND visited_at < :e"), BOUNDS))
    migrants = _scalar("SELECT count(DISTINCT c.person_id) FROM service_case c JOIN person p "
                       "ON p.id = c.person_id WHERE p.is_migrant = :t AND c.received_at >= :s "
                       "AND c.received_at < :e", t=True)
    pleased = sum(a in ("satisfied", "basic") for a in answers)
    return {"contacts": contacts, "by_type": by_type, "done": done, "resolved": len(resolved),
            "on_time": in_time, "visits": len(answers), "satisfied": pleased,
            "migrants": migrants}


def test_desk_figures_equal_independent_counts(world):
    with world.app_context():
        want, got = expected(), desk_figures(YEAR)
    assert got["contacts"] == want["contacts"]
    assert got["by_type"] == want["by_type"]
    assert (got["resolution"]["received"], got["resolution"]["done"]) == (
        want["contacts"]["cases"], want["done"])
    assert (got["on_time"]["resolved"], got["on_time"]["on_time"]) == (
        want["resolved"], want["on_time"])
    assert (got["satisfaction"]["visits"], got["satisfaction"]["satisfied"]) == (
        want["visits"], want["satisfied"])
    assert got["migrants"] == want["migrants"]
    # And what the world was built to hold, so the counts above test something.
    assert want["contacts"] == {"visitors": 24, "visits": 4, "collective": 1, "calls": 5,
                                "hotline": 1, "letters": 2, "online": 1, "cases": 13}
    assert (want["done"], want["resolved"], want["on_time"]) == (4, 5, 4)
    assert (want["visits"], want["satisfied"], want["migrants"]) == (4, 3, 7)
    assert str(got["resolution"]["rate"]) == "30.77"
    assert str(got["on_time"]["rate"]) == "80.00"
    assert str(got["satisfaction"]["rate"]) == "75.00"


def _desk_rows(book) -> dict:
    """Return the desk sheet's rows by their first cell."""
    sheet = book["接待服务"]
    return {row[0].value: [c.value for c in row[1:]] for row in sheet.iter_rows(min_row=4)
            if row[0].value is not None}


def test_page_workbook_and_summary_show_the_same_figures(world, client, auth):
    with world.app_context():
        want = expected()
    auth.login("manager")
    page = client.get(f"/admin/report/?year={YEAR}").get_data(as_text=True)
    section = page.split('id="report-desk"')[1].split("</section>")[0]
    cells = dict(re.findall(r"<tr[^>]*>\s*<td[^>]*>(.*?)</td><td[^>]*>(.*?)</td>", section))
    assert cells["来访人次（含集体访人数）"] == str(want["contacts"]["visitors"])
    assert cells["其中：12351热线"] == str(want["contacts"]["hotline"])
    assert cells["办结率（%）"] == "30.77"
    assert cells["满意率（%）"] == "75.00"
    assert cells["服务农民工（人）"] == str(want["migrants"])
    assert cells["农民工维权/讨薪"] == str(want["by_type"]["wages"])

    c = want["contacts"]
    sentence = (f"接待窗口接待来访{c['visitors']}人次、来电{c['calls']}次（其中12351热线"
                f"{c['hotline']}次）、来信{c['letters']}件、网上诉求{c['online']}件；受理的"
                f"{c['cases']}件中已办结{want['done']}件（办结率30.77%），服务农民工"
                f"{want['migrants']}人。")
    assert sentence in page

    response = client.get(f"/admin/report/xlsx/?year={YEAR}")
    rows = _desk_rows(openpyxl.load_workbook(io.BytesIO(response.data)))
    assert rows["来访人次（含集体访人数）"][0] == c["visitors"]
    assert rows["来电次数"][0] == c["calls"]
    assert rows["受理登记（件）"][0] == c["cases"]
    assert float(rows["按期办结率（%）"][0]) == 80.0
    years = _rows_of(openpyxl.load_workbook(io.BytesIO(response.data))["近五年对比"])
    assert years["窗口来访（人次）"][-2] == c["visitors"]   # 2025's column, before 累计


def _rows_of(sheet) -> dict:
    return {row[0].value: [c.value for c in row[1:]] for row in sheet.iter_rows(min_row=4)
            if row[0].value is not None}
