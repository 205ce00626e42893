"""The assistance workflow: every step, every refusal, and what each leaves behind."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from models import Assistance, AuditLog, FundEntry, db
from models.assistance_rules import approve, pay, verify
from models.base import DomainError
from tests.conftest import flashes
from tests.factories import make_assistance, make_fund, make_worker, user


def step(client, auth, pk, name, **fields):
    """Post one workflow step and return the page shown after it."""
    response = client.post(f"/admin/assistance/step/?id={pk}",
                           data={"csrf_token": auth.token(), "step": name, "confirmed": "1",
                                 **fields},
                           follow_redirects=True)
    return response


def state_of(app, pk):
    with app.app_context():
        return db.session.get(Assistance, pk).state


def test_staff_applies_manager_approves_and_pays(app, client, auth):
    """The whole path through the forms; the fund drops by exactly the amount."""
    with app.app_context():
        fund = make_fund(balance="2000.00")
        worker = make_worker()
        fund_id, worker_id = fund.id, worker.id
    auth.login("staff")
    response = client.post("/admin/assistance/new/", data={
        "csrf_token": auth.token(), "worker": worker_id, "kind": "living", "year": "2026",
        "campaign": "2026年春节送温暖", "reason": "重病住院", "cash_amount": "800.00",
        "goods_value": "0", "out_of_pocket": "0", "fund": fund_id})
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    with app.app_context():
        pk = db.session.scalar(select(Assistance.id))
    assert "已核实" in flashes(step(client, auth, pk, "verify").get_data(as_text=True))
    auth.logout()
    auth.login("manager")
    step(client, auth, pk, "approve")
    page = step(client, auth, pk, "pay").get_data(as_text=True)
    assert "已发放" in flashes(page)
    with app.app_context():
        record = db.session.get(Assistance, pk)
        assert record.state == "paid"
        assert (record.applied_by.username, record.verified_by.username,
                record.approved_by.username, record.paid_by.username) == (
            "staff", "staff", "manager", "manager")
        assert record.fund.balance == Decimal("1200.00")
        assert record.payment_entry.amount == Decimal("-800.00")
        assert record.payment_entry.kind == "assistance_out"


@pytest.mark.parametrize("role,step_name,status", [
    ("staff", "approve", 403), ("staff", "pay", 403), ("staff", "reject", 403),
    ("manager", "verify", 403), ("clerk", "verify", 403)])
def test_wrong_role_gets_403_and_nothing_changes(app, client, auth, role, step_name, status):
    """A role without the step's verb is refused server-side."""
    with app.app_context():
        pk = make_assistance(state="verified").id
    auth.login(role)
    response = client.post(f"/admin/assistance/step/?id={pk}",
                           data={"csrf_token": auth.token(), "step": step_name})
    assert response.status_code == status
    assert state_of(app, pk) == "verified"


@pytest.mark.parametrize("start,step_name", [
    ("applied", "approve"), ("applied", "pay"), ("verified", "pay"), ("approved", "verify"),
    ("paid", "approve"), ("rejected", "verify"), ("paid", "reject")])
def test_wrong_state_is_refused_with_a_message(app, client, auth, start, step_name):
    """A step from the wrong state is refused in Chinese and nothing changes."""
    with app.app_context():
        pk = make_assistance(state=start).id
    auth.login("admin")
    page = step(client, auth, pk, step_name, reason="原因").get_data(as_text=True)
    assert "不允许" in flashes(page)
    assert state_of(app, pk) == start


def test_applicant_cannot_approve_even_as_admin(app, client, auth):
    """Whoever applied cannot approve the same record."""
    with app.app_context():
        pk = make_assistance(state="verified", applied_by_id=user("admin").id).id
    auth.login("admin")
    page = step(client, auth, pk, "approve").get_data(as_text=True)
    assert "申请人" in flashes(page)
    assert state_of(app, pk) == "verified"


def test_reject_needs_a_reason(app, client, auth):
    """Rejecting records who and why; without a reason it is refused."""
    with app.app_context():
        pk = make_assistance().id
    auth.login("manager")
    step(client, auth, pk, "reject", reason=" ")
    assert state_of(app, pk) == "applied"
    step(client, auth, pk, "reject", reason="收入超标")
    with app.app_context():
        record = db.session.get(Assistance, pk)
        assert (record.state, record.reject_reason) == ("rejected", "收入超标")
        assert record.rejected_by.username == "manager"


def test_only_workers_on_file_get_aid(ctx):
    """An application for a pending or closed file is refused."""
    from models.assistance_rules import apply
    record = Assistance(worker=make_worker(status="pending"), kind="living",
                        cash_amount=Decimal("100"))
    with pytest.raises(DomainError, match="建档"):
        apply(record, user("staff"))


def test_second_grant_needs_manager_reason_and_is_logged(app, client, auth):
    """The second grant of a kind in a campaign is refused, then allowed with a reason."""
    with app.app_context():
        worker = make_worker()
        first = make_assistance(worker=worker, state="approved").id
        second = make_assistance(worker=worker, state="verified").id
    auth.login("manager")
    page = step(client, auth, second, "approve").get_data(as_text=True)
    assert "第二次" in flashes(page) or "理由" in flashes(page)
    assert state_of(app, second) == "verified"
    step(client, auth, second, "approve", override_reason="火灾后再次救助")
    with app.app_context():
        record = db.session.get(Assistance, second)
        assert (record.state, record.override_reason) == ("approved", "火灾后再次救助")
        logged = db.session.scalars(select(AuditLog).where(
            AuditLog.record_type == "assistance", AuditLog.record_id == str(second),
            AuditLog.action == "update")).all()
        assert any(r.changes.get("override_reason") == ["", "火灾后再次救助"] for r in logged)
        assert db.session.get(Assistance, first).state == "approved"


def test_database_refuses_two_grants_without_override(ctx):
    """The partial unique index backs the one-grant rule."""
    from sqlalchemy.exc import IntegrityError
    worker = make_worker()
    make_assistance(worker=worker, state="paid")
    with pytest.raises(IntegrityError):
        make_assistance(worker=worker, state="approved")


def test_payment_never_overdraws_the_fund(ctx):
    """Paying more than the balance is refused; balance and ledger unchanged."""
    fund = make_fund(balance="300.00")
    record = make_assistance(state="approved", fund=fund, cash_amount=Decimal("300.01"))
    with pytest.raises(DomainError, match="300.00"):
        pay(record, user("manager"))
    db.session.rollback()
    assert fund.balance == Decimal("300.00")
    assert db.session.scalar(select(func.count()).select_from(FundEntry)) == 1
    assert db.session.get(Assistance, record.id).state == "approved"


def test_education_waits_for_the_notice(ctx):
    """School aid is paid only after a notice without objection (the default setting)."""
    fund = make_fund()
    record = make_assistance(state="approved", kind="education", fund=fund,
                             student_name="李明", school="济南一中", school_level="senior")
    with pytest.raises(DomainError, match="公示"):
        pay(record, user("manager"))
    db.session.rollback()
    record.notice_passed = True
    db.session.commit()
    pay(record, user("manager"))
    db.session.commit()
    assert record.state == "paid"


def test_reversal_restores_the_balance_and_keeps_both_entries(app, client, auth, runner):
    """A reversed payment leaves the payment and its reversal in the ledger."""
    with app.app_context():
        fund = make_fund(balance="1000.00")
        record = make_assistance(state="approved", fund=fund, cash_amount=Decimal("250"))
        pay(record, user("manager"))
        db.session.commit()
        pk, fund_id = record.id, fund.id
    auth.login("manager")
    step(client, auth, pk, "reverse", reason="重复发放")
    with app.app_context():
        record = db.session.get(Assistance, pk)
        assert (record.state, record.reverse_reason) == ("reversed", "重复发放")
        entries = db.session.scalars(select(FundEntry).where(FundEntry.fund_id == fund_id)
                                     .order_by(FundEntry.id)).all()
        assert [e.amount for e in entries] == [Decimal("1000"), Decimal("-250"),
                                               Decimal("250")]
        assert entries[2].reverses_id == entries[1].id
        assert record.fund.balance == Decimal("1000.00") == sum(e.amount for e in entries)
    result = runner.invoke(args=["verify"])
    assert result.exit_code == 0 and "一致" in result.output


def test_amounts_locked_after_approval_and_paid_not_editable(app, client, auth):
    """Approved amounts are read-only; a paid record cannot be edited at all."""
    with app.app_context():
        fund = make_fund()
        approved = make_assistance(state="approved", fund=fund)
        paid = make_assistance(state="paid", fund=fund, campaign="另一期")
        a_pk, p_pk, worker_id, fund_id = approved.id, paid.id, approved.worker_id, fund.id
    auth.login("staff")
    response = client.post(f"/admin/assistance/edit/?id={a_pk}", data={
        "csrf_token": auth.token(), "worker": worker_id, "kind": "living", "year": "2026",
        "campaign": "2026年春节送温暖", "cash_amount": "999.00", "goods_value": "0",
        "out_of_pocket": "0", "fund": fund_id})
    assert "审批通过后金额不能修改" in flashes(response.get_data(as_text=True))
    with app.app_context():
        assert db.session.get(Assistance, a_pk).cash_amount == Decimal("500.00")
    response = client.get(f"/admin/assistance/edit/?id={p_pk}")
    assert response.status_code == 302 and "/step/" in response.headers["Location"]


def test_bulk_approve_reports_each_refusal(app, client, auth):
    """Bulk approval approves what it may and names what it refused."""
    with app.app_context():
        ok = make_assistance(state="verified").id
        own = make_assistance(state="verified", applied_by_id=user("manager").id).id
        early = make_assistance(state="applied").id
    auth.login("manager")
    page = client.post("/admin/assistance/action/", data={
        "csrf_token": auth.token(), "action": "approve", "rowid": [ok, own, early]},
        follow_redirects=True).get_data(as_text=True)
    assert "2" in flashes(page)
    assert [state_of(app, pk) for pk in (ok, own, early)] == ["approved", "verified",
                                                              "applied"]


def test_awaiting_my_approval_filter(app, client, auth):
    """Managers list the verified records they did not apply for."""
    from views.assistance import AwaitingMyApprovalFilter
    with app.app_context():
        make_assistance(state="verified", worker=make_worker(name="待我审批"))
        make_assistance(state="applied", worker=make_worker(name="尚未核实"))
    auth.login("manager")
    view = next(v for v in app.extensions["admin"][0]._views if v.endpoint == "assistance")
    index = next(i for i, f in enumerate(view._filters)
                 if isinstance(f, AwaitingMyApprovalFilter))
    page = client.get(f"/admin/assistance/?flt0_{index}=1").get_data(as_text=True)
    assert "待我审批" in page and "尚未核实" not in page


def test_print_form(app, client, auth):
    """The printable approval form carries the worker, amounts and each signature line."""
    with app.app_context():
        record = make_assistance(state="verified", worker=make_worker(name="打印人"))
        verify_pk = record.id
    auth.login("staff")
    page = client.get(f"/admin/assistance/print/?id={verify_pk}").get_data(as_text=True)
    assert "打印人" in page and "500.00" in page and "@media print" in page
    assert "审批" in page


def test_domain_steps_stamp_who_and_when(ctx):
    """Each step records its user and time."""
    record = make_assistance()
    verify(record, user("staff"))
    approve(record, user("manager"))
    db.session.commit()
    assert record.verified_by.username == "staff" and record.verified_at is not None
    assert record.approved_by.username == "manager" and record.approved_at is not None
