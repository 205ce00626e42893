"""Jobs created by micro-loans (带动就业人数, issue 19): said at disbursement, counted again
at a follow-up staff record later, and in the year-end figures against an independent count."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from models import db
from models.base import DomainError
from models.funds import FundEntry
from models.loan_rules import follow_up, reject, write_off
from models.loans import Loan
from models.report_employment import employment_figures, employment_tables, loan_jobs
from tests.conftest import flashes
from tests.factories import make_fund, user
from tests.factories_loans import disbursed_loan, make_loan

YEAR = 2026


def step(client, auth, pk, name, confirmed=True, **fields):
    data = {"csrf_token": auth.token(), "step": name, **fields}
    if confirmed:
        data["confirmed"] = "1"
    return client.post(f"/admin/loan/step/?id={pk}", data=data,
                       follow_redirects=True).get_data(as_text=True)


def _approved(app):
    with app.app_context():
        fund = make_fund(name="小额借款周转金", balance="50000.00")
        loan = make_loan(state="approved", approved_by_id=user("manager").id)
        return loan.id, fund.id


def test_the_disburse_step_asks_for_the_jobs_and_records_them(app, client, auth):
    pk, fund_id = _approved(app)
    auth.login("manager")
    form = client.get(f"/admin/loan/step/?id={pk}").get_data(as_text=True)
    assert 'name="jobs_created"' in form and 'type="number" min="0"' in form
    assert "带动就业人数（发放时）" in form
    confirm = step(client, auth, pk, "disburse", confirmed=False, fund_id=fund_id,
                   jobs_created="3")
    assert "带动就业人数（发放时）" in confirm and ">3<" in confirm
    page = step(client, auth, pk, "disburse", fund_id=fund_id, jobs_created="3")
    assert "还款计划已生成" in flashes(page)
    assert 'id="loan-jobs-created">3<' in page
    with app.app_context():
        loan = db.session.get(Loan, pk)
        assert (loan.state, loan.jobs_created, loan.followed_up_on) == ("disbursed", 3, None)


@pytest.mark.parametrize("jobs,message", [
    ("", "请填写该笔借款带动就业人数"), ("-1", "0 或以上的整数"), ("2.5", "0 或以上的整数"),
    ("三", "0 或以上的整数"), ("99999999", "0 或以上的整数")])
@pytest.mark.parametrize("confirmed", [False, True])
def test_a_missing_or_bad_number_of_jobs_disburses_nothing(app, client, auth, jobs, message,
                                                           confirmed):
    pk, fund_id = _approved(app)
    auth.login("manager")
    page = step(client, auth, pk, "disburse", confirmed=confirmed, fund_id=fund_id,
                jobs_created=jobs)
    assert message in flashes(page)
    with app.app_context():
        loan = db.session.get(Loan, pk)
        assert (loan.state, loan.instalments, loan.jobs_created) == ("approved", [], 0)
        assert db.session.scalar(select(func.count()).select_from(FundEntry)) == 1  # the top-up


def test_the_database_refuses_negative_jobs_and_half_a_follow_up(app):
    with app.app_context():
        loan = disbursed_loan(jobs_created=2)
        for values in ({"jobs_created": -1}, {"jobs_followed_up": 2},
                       {"followed_up_on": dt.date(2026, 6, 1)},
                       {"followed_up_on": dt.date(2026, 6, 1), "jobs_followed_up": -1}):
            for name, value in values.items():
                setattr(loan, name, value)
            with pytest.raises(IntegrityError):
                db.session.flush()
            db.session.rollback()


def test_staff_record_the_follow_up_and_may_correct_it(app, client, auth):
    with app.app_context():
        pk = disbursed_loan(jobs_created=3, issued_on=dt.date(2026, 1, 15)).id
    auth.login("staff")
    form = client.get(f"/admin/loan/step/?id={pk}").get_data(as_text=True)
    assert "登记就业回访" in form and 'name="jobs"' in form
    page = step(client, auth, pk, "follow_up", followed_up_on="2026-07-15", jobs="2",
                note="一名帮工已离开")
    assert "就业回访已登记" in flashes(page)
    assert "2（2026-07-15" in page and "一名帮工已离开" in page
    with app.app_context():
        loan = db.session.get(Loan, pk)
        assert (loan.followed_up_on, loan.jobs_followed_up, loan.follow_up_note,
                loan.followed_up_by.username) == (dt.date(2026, 7, 15), 2, "一名帮工已离开",
                                                  "staff")
        assert loan.jobs_created == 3  # what was said at disbursement stays
    step(client, auth, pk, "follow_up", followed_up_on="2026-08-01", jobs="4", note="")
    with app.app_context():
        loan = db.session.get(Loan, pk)
        assert (loan.followed_up_on, loan.jobs_followed_up) == (dt.date(2026, 8, 1), 4)


@pytest.mark.parametrize("day,jobs,message", [
    ("2026-01-01", "2", "回访日期不能早于借款发放日期"),
    ("2999-01-01", "2", "不能晚于今天"),
    ("2026-07-01", "", "请填写该笔借款带动就业人数"),
    ("2026-07-01", "-3", "0 或以上的整数"),
    ("7/1/2026", "2", "YYYY-MM-DD")])
def test_a_bad_follow_up_is_refused_in_chinese(app, client, auth, day, jobs, message):
    with app.app_context():
        pk = disbursed_loan(jobs_created=3, issued_on=dt.date(2026, 1, 15)).id
    auth.login("staff")
    page = step(client, auth, pk, "follow_up", followed_up_on=day, jobs=jobs)
    assert message in flashes(page), flashes(page)
    with app.app_context():
        loan = db.session.get(Loan, pk)
        assert (loan.followed_up_on, loan.jobs_followed_up) == (None, None)


def test_follow_up_only_after_disbursement_and_only_by_staff(app, client, auth):
    with app.app_context():
        applied = make_loan().id
        done = disbursed_loan(jobs_created=1)
        write_off(done, user("manager"), "借款人去世")
        db.session.commit()
        written_off = done.id
    auth.login("staff")
    page = step(client, auth, applied, "follow_up", followed_up_on="2026-07-01", jobs="1")
    assert "不允许" in flashes(page)
    page = step(client, auth, written_off, "follow_up", followed_up_on="2026-07-01", jobs="0")
    assert "就业回访已登记" in flashes(page)  # a written-off business may still employ
    auth.logout()
    auth.login("manager")
    response = client.post(f"/admin/loan/step/?id={written_off}", data={
        "csrf_token": auth.token(), "step": "follow_up", "followed_up_on": "2026-07-02",
        "jobs": "5"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Loan, written_off).jobs_followed_up == 0
        with pytest.raises(DomainError):
            follow_up(db.session.get(Loan, applied), user("staff"), "2026-07-01", 1)


def build_loans():
    """Loans of every kind that must and must not count."""
    staff = user("staff")
    a = disbursed_loan(jobs_created=3, issued_on=dt.date(2026, 2, 1))
    follow_up(a, staff, "2026-08-01", 2, "")
    disbursed_loan(jobs_created=5, issued_on=dt.date(2026, 3, 1))          # not followed up
    c = disbursed_loan(jobs_created=1, issued_on=dt.date(2026, 4, 1))
    write_off(c, user("manager"), "经营失败")                                 # still counts
    follow_up(c, staff, "2026-09-01", 0, "已停业")
    old = disbursed_loan(jobs_created=7, issued_on=dt.date(2025, 6, 1))    # last year's
    follow_up(old, staff, "2026-01-10", 7, "")
    make_loan(jobs_created=9)                                              # applied only
    rejected = make_loan(state="approved", approved_by_id=user("manager").id, jobs_created=4)
    reject(rejected, user("manager"), "担保不足")
    db.session.commit()


def independent(year):
    """Count with plain Python over every loan."""
    counted = [loan for loan in db.session.scalars(select(Loan))
               if loan.state in ("disbursed", "repaid", "written_off")
               and loan.issued_on.year == year]
    followed = [loan for loan in counted if loan.followed_up_on is not None]
    return {"loans": len(counted), "jobs": sum(loan.jobs_created for loan in counted),
            "followed_up": len(followed),
            "jobs_said_followed_up": sum(loan.jobs_created for loan in followed),
            "jobs_found": sum(loan.jobs_followed_up for loan in followed)}


def test_jobs_created_by_loans_match_an_independent_count(app):
    with app.app_context():
        build_loans()
        figures = employment_figures(YEAR)["loan_jobs"]
        assert figures == independent(YEAR)
        assert figures == {"loans": 3, "jobs": 9, "followed_up": 2,
                           "jobs_said_followed_up": 4, "jobs_found": 2}
        assert loan_jobs(2025) == independent(2025) == {
            "loans": 1, "jobs": 7, "followed_up": 1, "jobs_said_followed_up": 7,
            "jobs_found": 7}
        table = next(t for t in employment_tables(employment_figures(YEAR))
                     if str(t.title) == "小额借款带动就业")
        assert [row[1] for row in table.rows] == [3, 9, 2, 4, 2]


def test_report_page_and_workbook_show_jobs_created_by_loans(app, client, auth):
    with app.app_context():
        build_loans()
    auth.login("manager")
    page = client.get(f"/admin/report/?year={YEAR}").get_data(as_text=True)
    assert "小额借款带动就业" in page and "回访实际带动就业人数" in page
    book = openpyxl.load_workbook(io.BytesIO(client.get(
        f"/admin/report/xlsx/?year={YEAR}").data))
    sheet = book["就业服务"]
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    rows = {row[0]: row[1] for row in cells if row and row[0]}
    assert rows["带动就业人数（发放时）"] == 9 and rows["回访实际带动就业人数"] == 2


def test_work_summary_quotes_the_jobs_created_by_loans(app):
    from models.report import year_figures
    from models.report_summary import summary_paragraph
    with app.app_context(), app.test_request_context():
        build_loans()
        assert "全年发放的小额借款带动就业9人。" in summary_paragraph(year_figures(YEAR))
        assert "带动就业" not in summary_paragraph(year_figures(2024))


def test_demo_loans_carry_jobs_created_and_follow_ups(app, demo):
    """The seed's paid-out loans say the jobs they create; the older ones are followed up,
    some finding fewer jobs than said; loans never paid out say none."""
    with app.app_context():
        loans = db.session.scalars(select(Loan)).all()
        paid = [loan for loan in loans if loan.issued_on is not None]
        assert paid and all(loan.jobs_created >= 1 for loan in paid)
        assert all(loan.jobs_created == 0 for loan in loans if loan.issued_on is None)
        followed = [loan for loan in paid if loan.followed_up_on is not None]
        assert followed and all(loan.followed_up_on >= loan.issued_on for loan in followed)
        assert any(loan.jobs_followed_up < loan.jobs_created for loan in followed)
        assert all(loan.follow_up_note.startswith("回访") for loan in followed)
        year = max(loan.issued_on.year for loan in paid)
        assert loan_jobs(year) == independent(year) and loan_jobs(year)["jobs"] > 0
