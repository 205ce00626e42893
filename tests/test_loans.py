"""Micro-loans: the workflow, every refusal, repayments and reversals, and the fund behind."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from models import Fund, FundEntry, Loan, Repayment, db
from models.base import DomainError, freeze_today, today
from models.ledger import ledger_differences
from models.loan_queries import loan_differences
from models.loan_rules import record_repayment, reverse_repayment, write_off
from tests.conftest import flashes
from tests.factories import make_fund, make_worker, user
from tests.factories_loans import disbursed_loan, make_loan

D = Decimal


def step(client, auth, pk, name, **fields):
    """Post one step of the loan's workflow page and return the page shown after it."""
    return client.post(f"/admin/loan/step/?id={pk}",
                       data={"csrf_token": auth.token(), "step": name, "confirmed": "1",
                             **fields},
                       follow_redirects=True).get_data(as_text=True)


def snapshot(app, pk):
    """Return what a refused step must leave unchanged: loan, schedule, ledgers, balances."""
    with app.app_context():
        loan = db.session.get(Loan, pk)
        return (loan.state, loan.repaid_amount, loan.total_due, loan.version,
                [(i.amount_paid, i.met_on) for i in loan.instalments],
                db.session.scalar(select(func.count()).select_from(Repayment)),
                db.session.scalar(select(func.count()).select_from(FundEntry)),
                [f.balance for f in db.session.scalars(select(Fund).order_by(Fund.id))])


def test_staff_applies_manager_approves_and_disburses(app, client, auth):
    """Through the forms: the fund drops by the amount and a 7-line schedule appears."""
    with app.app_context():
        fund_id = make_fund(name="小额借款周转金", balance="50000.00").id
        worker_id = make_worker(name="孙桂英").id
    auth.login("staff")
    response = client.post("/admin/loan/new/", data={
        "csrf_token": auth.token(), "worker": worker_id, "amount": "10000.00",
        "purpose": "开办家政服务小店", "guarantor_name": "第一机床厂工会",
        "guarantor_credit_code": "91110000600037341L", "guarantee_letter_no": "DB-01",
        "term_months": "7", "interest_rate": "0", "fund": fund_id})
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    with app.app_context():
        pk = db.session.scalar(select(Loan.id))
    auth.logout()
    auth.login("manager")
    assert "审批通过" in flashes(step(client, auth, pk, "approve"))
    page = step(client, auth, pk, "disburse", fund_id=fund_id, jobs_created="2")
    assert "还款计划已生成" in flashes(page)
    assert "1,428.58" in page and "10,000.00" in page
    with app.app_context():
        loan = db.session.get(Loan, pk)
        assert loan.state == "disbursed" and loan.issued_on is not None
        assert (loan.applied_by.username, loan.approved_by.username,
                loan.disbursed_by.username) == ("staff", "manager", "manager")
        assert [i.amount_due for i in loan.instalments] == [D("1428.57")] * 6 + [D("1428.58")]
        assert loan.total_due == D("10000.00") == loan.outstanding
        entry = loan.disbursement_entry
        assert (entry.kind, entry.amount, entry.fund_id) == ("loan_out", D("-10000.00"), fund_id)
        assert db.session.get(Fund, fund_id).balance == D("40000.00")
        assert ledger_differences() == [] and loan_differences() == []


def test_applicant_cannot_approve_even_as_admin(app, client, auth):
    """The admin who applied is refused; the manager may approve."""
    with app.app_context():
        pk = make_loan(applied_by_id=user("admin").id).id
    auth.login("admin")
    before = snapshot(app, pk)
    assert "申请人不能审批" in flashes(step(client, auth, pk, "approve"))
    assert snapshot(app, pk) == before


def _loan_in(state: str) -> int:
    """Create a loan in ``state`` through the rules and return its id."""
    if state in ("applied", "approved", "rejected"):
        return make_loan(state=state).id
    loan = disbursed_loan()
    if state == "repaid":
        record_repayment(loan, user("staff"), loan.outstanding)
    elif state == "written_off":
        write_off(loan, user("manager"), "借款人去世，无力偿还")
    db.session.commit()
    return loan.id


FORBIDDEN = [
    ("applied", "disburse"), ("applied", "repay"), ("applied", "write_off"),
    ("approved", "approve"), ("approved", "repay"), ("approved", "write_off"),
    ("disbursed", "approve"), ("disbursed", "reject"), ("disbursed", "disburse"),
    ("repaid", "approve"), ("repaid", "repay"), ("repaid", "write_off"), ("repaid", "reject"),
    ("rejected", "approve"), ("rejected", "disburse"), ("rejected", "repay"),
    ("written_off", "repay"), ("written_off", "write_off"), ("written_off", "disburse")]


@pytest.mark.parametrize("start,step_name", FORBIDDEN)
def test_forbidden_transitions_are_refused_and_change_nothing(app, client, auth, start,
                                                               step_name):
    """A step from the wrong state is refused in Chinese; loan, ledgers and funds unchanged."""
    with app.app_context():
        pk = _loan_in(start)
        fund_id = db.session.scalar(select(Fund.id))
    before = snapshot(app, pk)
    auth.login("admin")
    page = step(client, auth, pk, step_name, reason="原因", amount="100.00", fund_id=fund_id)
    assert "不允许" in flashes(page), flashes(page)
    assert snapshot(app, pk) == before


@pytest.mark.parametrize("role,step_name", [
    ("staff", "approve"), ("staff", "reject"), ("staff", "disburse"), ("staff", "write_off"),
    ("staff", "reverse"), ("manager", "repay"), ("clerk", "repay"), ("clerk", "approve")])
def test_a_role_without_the_verb_gets_403(app, client, auth, role, step_name):
    with app.app_context():
        pk = _loan_in("disbursed")
    before = snapshot(app, pk)
    auth.login(role)
    response = client.post(f"/admin/loan/step/?id={pk}", data={
        "csrf_token": auth.token(), "step": step_name, "amount": "100", "reason": "x"})
    assert response.status_code == 403
    assert snapshot(app, pk) == before


def test_disbursing_more_than_the_fund_holds_leaves_no_schedule(app, client, auth):
    """Fund entry and schedule are one transaction: a refused payment leaves neither."""
    with app.app_context():
        fund = make_fund(name="余额不足的资金", balance="5000.00")
        pk, fund_id = make_loan(state="approved", fund=fund).id, fund.id
    auth.login("manager")
    assert "不足" in flashes(step(client, auth, pk, "disburse", fund_id=fund_id,
                                  jobs_created="1"))
    with app.app_context():
        loan = db.session.get(Loan, pk)
        assert (loan.state, loan.instalments, loan.total_due) == ("approved", [], D("0.00"))
        assert db.session.get(Fund, fund_id).balance == D("5000.00")


def test_repayment_goes_to_the_oldest_instalment_and_back_to_the_fund(ctx):
    loan = disbursed_loan()
    fund = loan.fund
    repayment = record_repayment(loan, user("staff"), "2000.00", dt.date(2026, 2, 10), "SJ-1")
    db.session.commit()
    lines = loan.instalments
    assert [i.amount_paid for i in lines[:3]] == [D("1428.57"), D("571.43"), D("0.00")]
    assert lines[0].met_on == dt.date(2026, 2, 10) and lines[1].met_on is None
    assert loan.outstanding == D("8000.00") and loan.next_due_on == lines[1].due_on
    entry = repayment.fund_entry
    assert (entry.kind, entry.amount, entry.document) == ("repayment_in", D("2000.00"), "SJ-1")
    assert fund.balance == D("92000.00")
    assert ledger_differences() == [] and loan_differences() == []


def test_overpayment_is_refused_and_the_exact_amount_repays_the_loan(ctx):
    """One fen too much is refused with what is owed; the exact rest moves it to repaid."""
    loan = disbursed_loan()
    record_repayment(loan, user("staff"), "1000.00")
    db.session.commit()
    with pytest.raises(DomainError, match="9,000.00"):
        record_repayment(loan, user("staff"), "9000.01")
    db.session.rollback()
    assert (loan.repaid_amount, loan.state) == (D("1000.00"), "disbursed")
    assert db.session.scalar(select(func.count()).select_from(Repayment)) == 1
    record_repayment(loan, user("staff"), "9000.00")
    db.session.commit()
    assert (loan.state, loan.outstanding, loan.next_due_on) == ("repaid", D("0.00"), None)
    assert loan.repaid_at is not None and all(i.met_on for i in loan.instalments)
    assert loan.fund.balance == D("100000.00")


@pytest.mark.parametrize("amount,paid_on,message", [
    ("0", None, "大于零"), ("-5", None, "大于零"), ("12.345", None, "两位小数"),
    ("abc", None, "两位小数"), ("100", "2026-01-14", "早于借款发放"),
    ("100", "2999-01-01", "晚于今天"), ("100", "2026/03/01", "YYYY-MM-DD")])
def test_bad_repayments_are_refused(ctx, amount, paid_on, message):
    loan = disbursed_loan()
    with pytest.raises(DomainError, match=message):
        record_repayment(loan, user("staff"), amount, paid_on)


def test_reversal_restores_the_schedule_and_the_fund(app, client, auth):
    """A wrong repayment is reversed, not deleted: both rows stay, the schedule is as before."""
    with app.app_context():
        loan = disbursed_loan()
        record_repayment(loan, user("staff"), "1428.57", dt.date(2026, 2, 14))
        db.session.commit()
        pk, fund_id = loan.id, loan.fund_id
    before = snapshot(app, pk)
    with app.app_context():
        wrong = record_repayment(db.session.get(Loan, pk), user("staff"), "5000.00")
        db.session.commit()
        wrong_id = wrong.id
    auth.login("manager")
    assert "理由" in flashes(step(client, auth, pk, "reverse", repayment_id=wrong_id, reason=" "))
    page = step(client, auth, pk, "reverse", repayment_id=wrong_id, reason="金额录错")
    assert "已冲正" in flashes(page)
    with app.app_context():
        loan = db.session.get(Loan, pk)
        assert [(i.amount_paid, i.met_on) for i in loan.instalments] == before[4]
        assert (loan.repaid_amount, loan.state) == (before[1], "disbursed")
        rows = [(r.amount, r.reverses_id, r.note) for r in loan.repayments]
        assert rows[1:] == [(D("5000.00"), None, ""), (D("-5000.00"), wrong_id, "金额录错")]
        assert db.session.get(Fund, fund_id).balance == before[7][0]
        reversal = db.session.scalar(select(FundEntry).order_by(FundEntry.id.desc()))
        assert (reversal.kind, reversal.amount) == ("reversal", D("-5000.00"))
        assert reversal.reverses_id == db.session.get(Repayment, wrong_id).fund_entry_id
        assert ledger_differences() == [] and loan_differences() == []
    assert "已冲正" in flashes(step(client, auth, pk, "reverse", repayment_id=wrong_id,
                                     reason="再来一次"))
    assert snapshot(app, pk)[5] == before[5] + 2


def test_reversal_rules(ctx):
    """Only approvers reverse; a reversal is final; a repaid loan goes back to repaying."""
    loan = disbursed_loan(amount="600.00", months=2)
    paid = record_repayment(loan, user("staff"), "600.00")
    db.session.commit()
    assert loan.state == "repaid"
    with pytest.raises(DomainError, match="中心负责人"):
        reverse_repayment(paid, user("staff"), "录错")
    reversal = reverse_repayment(paid, user("manager"), "录错")
    db.session.commit()
    assert (loan.state, loan.repaid_at, loan.outstanding) == ("disbursed", None, D("600.00"))
    with pytest.raises(DomainError, match="已冲正"):
        reverse_repayment(paid, user("manager"), "再冲")
    with pytest.raises(DomainError, match="不能再冲正"):
        reverse_repayment(reversal, user("manager"), "冲正的冲正")


def test_repayments_are_append_only(ctx):
    """The ORM refuses edits and deletes of repayments, and so does the database."""
    loan = disbursed_loan()
    repayment = record_repayment(loan, user("staff"), "100.00")
    db.session.commit()
    repayment.amount = D("1")
    with pytest.raises(DomainError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(repayment)
    with pytest.raises(DomainError):
        db.session.flush()
    db.session.rollback()
    for statement in ("UPDATE repayment SET amount = 1", "DELETE FROM repayment"):
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()


def test_database_refuses_repaying_more_than_owed(ctx):
    """The CHECK constraint backs the rule even for a direct update."""
    from sqlalchemy import update
    from sqlalchemy.exc import IntegrityError
    loan = disbursed_loan()
    with pytest.raises(IntegrityError):
        db.session.execute(update(Loan).where(Loan.id == loan.id)
                           .values(repaid_amount=D("10000.01")))
        db.session.flush()
    db.session.rollback()


def test_days_overdue_and_buckets_as_of_today(ctx):
    """Issued 2026-01-15: the first instalment falls due 2026-02-15; each bucket in turn."""
    loan = disbursed_loan()
    expected = {dt.date(2026, 2, 15): (0, None, "0.00"),
                dt.date(2026, 2, 16): (1, "1-30", "1428.57"),
                dt.date(2026, 3, 18): (31, "31-60", "2857.14"),
                dt.date(2026, 4, 16): (60, "31-60", "4285.71"),
                dt.date(2026, 4, 17): (61, "61-90", "4285.71"),
                dt.date(2026, 5, 17): (91, "90+", "5714.28")}
    for day, (days, code, arrears) in expected.items():
        freeze_today(day)
        assert (loan.days_overdue, loan.arrears_bucket, loan.arrears) == (days, code, D(arrears))
    freeze_today(dt.date(2026, 3, 20))
    record_repayment(loan, user("staff"), "1428.57")
    db.session.commit()
    assert (loan.days_overdue, loan.arrears_bucket, loan.next_due_on) == (
        5, "1-30", dt.date(2026, 3, 15))
    write_off(loan, user("manager"), "无力偿还")
    assert (loan.days_overdue, loan.arrears_bucket, loan.next_due_on) == (0, None, None)


def test_overdue_list_and_filter_for_the_manager(app, client, auth):
    """The manager's weekly list: late loans by bucket, with arrears; the filter agrees."""
    from views.loans import OverdueFilter
    with app.app_context():
        fund = make_fund(name="周转金", balance="100000.00")
        disbursed_loan(fund=fund, worker=make_worker(name="逾期甲"),
                              issued_on=dt.date(2026, 1, 15))
        disbursed_loan(fund=fund, worker=make_worker(name="逾期乙"),
                               issued_on=dt.date(2025, 10, 1))
        disbursed_loan(fund=fund, worker=make_worker(name="按时丙"),
                       issued_on=dt.date(2026, 3, 10))
        repaid = disbursed_loan(amount="100.00", months=1, fund=fund,
                                worker=make_worker(name="还清丁"), issued_on=dt.date(2025, 1, 1))
        record_repayment(repaid, user("staff"), "100.00")
        db.session.commit()
    freeze_today(dt.date(2026, 3, 20))
    auth.login("manager")
    page = client.get("/admin/loan/overdue/").get_data(as_text=True)
    assert "逾期甲" in page and "逾期乙" in page
    assert "按时丙" not in page and "还清丁" not in page
    assert page.index("逾期乙") < page.index("逾期甲")  # the longest overdue first
    assert "2,857.14" in page  # 逾期甲: two instalments of 1428.57 fell due
    view = next(v for v in app.extensions["admin"][0]._views if v.endpoint == "loan")
    index = next(i for i, f in enumerate(view._filters) if isinstance(f, OverdueFilter))
    listed = client.get(f"/admin/loan/?flt0_{index}=31-60").get_data(as_text=True)
    assert "逾期甲" in listed and "逾期乙" not in listed
    listed = client.get(f"/admin/loan/?flt0_{index}=90%2B").get_data(as_text=True)
    assert "逾期乙" in listed and "逾期甲" not in listed
    listed = client.get(f"/admin/loan/?flt0_{index}=any").get_data(as_text=True)
    assert "逾期甲" in listed and "逾期乙" in listed and "按时丙" not in listed


def test_write_off_needs_a_manager_and_a_reason(app, client, auth):
    with app.app_context():
        loan = disbursed_loan()
        record_repayment(loan, user("staff"), "3000.00")
        db.session.commit()
        pk = loan.id
    auth.login("manager")
    before = snapshot(app, pk)
    assert "核销理由" in flashes(step(client, auth, pk, "write_off", reason=""))
    assert snapshot(app, pk) == before
    assert "已核销" in flashes(step(client, auth, pk, "write_off", reason="借款人重病，无力偿还"))
    with app.app_context():
        loan = db.session.get(Loan, pk)
        assert (loan.state, loan.write_off_reason) == ("written_off", "借款人重病，无力偿还")
        assert loan.written_off_by.username == "manager" and loan.outstanding == D("7000.00")
        assert db.session.scalar(select(func.count()).select_from(FundEntry)) == before[6]


def test_repayment_form_of_the_ledger(app, client, auth):
    """Staff record a repayment on /admin/repayment/new/; too much is refused with a message."""
    with app.app_context():
        pk = disbursed_loan(worker=make_worker(name="周建华")).id
    auth.login("staff")
    response = client.post("/admin/repayment/new/", data={
        "csrf_token": auth.token(), "loan": pk, "amount": "1428.57", "paid_on": "2026-02-15",
        "document": "SJ-0001"})
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    page = client.post("/admin/repayment/new/", data={
        "csrf_token": auth.token(), "loan": pk, "amount": "9000.00", "paid_on": "2026-02-15"},
        follow_redirects=True).get_data(as_text=True)
    assert "超出了尚欠金额" in flashes(page)
    response = client.post("/admin/repayment/new/", data={
        "csrf_token": auth.token(), "loan": pk, "amount": "100.00", "paid_on": ""})
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    with app.app_context():
        loan = db.session.get(Loan, pk)
        assert [(r.amount, r.paid_on) for r in loan.repayments] == [
            (D("1428.57"), dt.date(2026, 2, 15)), (D("100.00"), today())]  # empty = today
        assert loan.instalments[0].met_on == dt.date(2026, 2, 15)
    listed = client.get("/admin/repayment/").get_data(as_text=True)
    assert "周建华" in listed and "SJ-0001" in listed


def test_loan_editable_only_while_applied(app, client, auth):
    with app.app_context():
        pk = make_loan(state="approved").id
    auth.login("staff")
    response = client.get(f"/admin/loan/edit/?id={pk}")
    assert response.status_code == 302 and "/step/" in response.headers["Location"]


@pytest.mark.parametrize("overrides,message", [
    ({"guarantor_credit_code": "91110000600037341X"}, "统一社会信用代码"),
    ({"guarantor_name": ""}, "担保单位"), ({"term_months": 61}, "1 至 60"),
    ({"interest_rate": D("30")}, "年利率")])
def test_application_rules(ctx, overrides, message):
    from models.loan_rules import apply
    staff = user("staff")
    loan = make_loan(commit=False, **overrides)
    with pytest.raises(DomainError, match=message):
        apply(loan, staff)


def test_only_workers_on_file_borrow(ctx):
    from models.loan_rules import apply
    staff = user("staff")
    loan = make_loan(commit=False, worker=make_worker(status="pending"))
    with pytest.raises(DomainError, match="在档"):
        apply(loan, staff)


def test_awkward_schedule_repaid_instalment_by_instalment(ctx):
    """37000.00 over 12 months paid line by line ends exactly repaid (SQLite floats too)."""
    loan = disbursed_loan(amount="37000.00", months=12, issued_on=dt.date(2025, 1, 31))
    assert [i.amount_due for i in loan.instalments][-2:] == [D("3083.33"), D("3083.37")]
    for instalment in list(loan.instalments):
        record_repayment(loan, user("staff"), instalment.amount_due, instalment.due_on)
    db.session.commit()
    assert (loan.state, loan.outstanding, loan.repaid_amount) == ("repaid", D("0.00"),
                                                                D("37000.00"))
    assert loan_differences() == [] and ledger_differences() == []


def test_loan_differences_find_a_tampered_total(ctx):
    """The check `portal verify` can run: cached totals against ledger and schedule."""
    from sqlalchemy import update
    loan = disbursed_loan()
    record_repayment(loan, user("staff"), "300.00")
    db.session.commit()
    assert loan_differences() == []
    db.session.execute(update(Loan).where(Loan.id == loan.id).values(repaid_amount=D("400")))
    db.session.commit()
    found = loan_differences()
    assert [(shown, ledger) for _what, shown, ledger in found] == [
        (D("400.00"), D("300.00")), (D("400.00"), D("300.00"))]
    assert f"JK-{loan.id}" in found[0][0]
