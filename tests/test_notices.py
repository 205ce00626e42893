"""Notices in the admin: drafting, lines, publishing, withdrawal, the frozen snapshot."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from models import Assistance, AuditLog, Notice, NoticeLine, db
from models.base import DomainError, freeze_today, today
from models.notice_lines import add_lines, candidates, remove_lines
from models.notice_rules import close_ended, publish, withdraw
from tests.conftest import flashes
from tests.factories import make_worker, user
from tests.factories_notices import make_education, make_notice, make_published


def manage(client, auth, pk, op, **fields):
    """Post one change on the notice page and return the page shown after it."""
    return client.post(f"/admin/notice/manage/?id={pk}",
                       data={"csrf_token": auth.token(), "op": op, "confirmed": "1", **fields},
                       follow_redirects=True)


def test_staff_drafts_and_lists_records_manager_publishes(app, client, auth):
    """The whole path through the forms; publishing freezes masked lines and is logged."""
    with app.app_context():
        pk_a = make_education("欧阳娜娜").id
        pk_b = make_education("李四", state="paid", campaign="2026年金秋助学").id
        make_education("王五", state="verified")  # not approved: never a candidate
    auth.login("staff")
    response = client.post("/admin/notice/new/", data={
        "csrf_token": auth.token(), "kind": "batch", "source": "assistance",
        "title": "2026年金秋助学拟资助对象公示", "body": "<p>公示期内可提出异议。</p>"})
    assert response.status_code == 302 and "/manage/" in response.headers["Location"]
    with app.app_context():
        pk = db.session.scalar(select(Notice.id))
    page = client.get(f"/admin/notice/manage/?id={pk}&campaign=2026年金秋助学")
    html = page.get_data(as_text=True)
    assert "欧阳娜娜" in html and "李四" in html and "王五" not in html
    page = manage(client, auth, pk, "add", record=[pk_a, pk_b]).get_data(as_text=True)
    assert "2" in flashes(page) and "欧**娜" in page
    assert client.post(f"/admin/notice/manage/?id={pk}", data={
        "csrf_token": auth.token(), "op": "publish"}).status_code == 403
    auth.logout()

    auth.login("manager")
    page = manage(client, auth, pk, "publish").get_data(as_text=True)
    assert "已发布" in page, flashes(page)
    with app.app_context():
        notice = db.session.get(Notice, pk)
        assert (notice.state, notice.published_by.username, notice.starts_on) == (
            "published", "manager", today())
        assert notice.ends_on == today() + dt.timedelta(days=6)  # notice_days = 7, inclusive
        assert sorted((line.masked_name, line.amount) for line in notice.lines) == [
            ("李*", Decimal("2000.00")), ("欧**娜", Decimal("2000.00"))]
        assert all(line.frozen_at and line.employer == "第一机床厂" and line.kind == "education"
                   and line.category == "deep" for line in notice.lines)
        logged = db.session.scalars(select(AuditLog).where(
            AuditLog.record_type == "notice", AuditLog.record_id == str(pk))).all()
        assert any(r.changes.get("state") == ["draft", "published"] and
                   r.username == "manager" for r in logged)


@pytest.mark.parametrize("role,op,status", [
    ("staff", "publish", 403), ("staff", "withdraw", 403), ("manager", "add", 403),
    ("manager", "remove", 403), ("clerk", "add", 403)])
def test_wrong_role_gets_403(app, client, auth, role, op, status):
    with app.app_context():
        pk = make_notice([make_education()]).id
    auth.login(role)
    response = client.post(f"/admin/notice/manage/?id={pk}",
                           data={"csrf_token": auth.token(), "op": op, "reason": "x"})
    assert response.status_code == status
    with app.app_context():
        assert db.session.get(Notice, pk).state == "draft"


def test_add_all_that_match_and_remove(app, client, auth):
    with app.app_context():
        for name in ("甲一", "乙二", "丙三"):
            make_education(name)
        make_education("丁四", campaign="2026年春节送温暖", kind="festival")
        pk = make_notice().id
    auth.login("staff")
    page = manage(client, auth, pk, "add_all", kind="education").get_data(as_text=True)
    assert "3" in flashes(page)
    with app.app_context():
        notice = db.session.get(Notice, pk)
        assert len(notice.lines) == 3
        line_id = notice.lines[0].id
    manage(client, auth, pk, "remove", line=[line_id])
    with app.app_context():
        assert len(db.session.get(Notice, pk).lines) == 2


def test_worker_notice_lists_new_files(ctx):
    """A list of newly filed workers shows name, employer and category, no amount."""
    fresh = make_worker(name="新建档", status="pending")
    notice = make_notice([fresh], source="worker", title="困难职工建档公示")
    publish(notice, user("manager"))
    line = notice.lines[0]
    assert (line.masked_name, line.kind, line.amount) == ("新*档", None, None)
    with pytest.raises(DomainError):
        add_lines(make_notice(source="worker"), [make_education()])


def test_loan_notice_lists_approved_loans(ctx):
    """A list of approved micro-loans shows the masked name and the amount."""
    from tests.factories_loans import make_loan

    approved = make_loan(state="approved", worker=make_worker(name="司马相如"))
    applied = make_loan(state="applied")
    notice = make_notice(source="loan", title="小额借款拟发放公示")
    assert db.session.scalars(candidates(notice)).all() == [approved]
    with pytest.raises(DomainError):
        add_lines(notice, [applied])
    add_lines(notice, [approved])
    publish(notice, user("manager"))
    line = notice.lines[0]
    assert (line.masked_name, line.amount, line.kind) == ("司**如", Decimal("10000.00"), None)


def test_publishing_checks_period_and_lines(ctx):
    manager = user("manager")
    with pytest.raises(DomainError, match="至少"):
        publish(make_notice(), manager)
    notice = make_notice([make_education()])
    with pytest.raises(DomainError, match="早于今天"):
        publish(notice, manager, today() - dt.timedelta(days=1))
    with pytest.raises(DomainError):
        publish(notice, manager, today(), today() - dt.timedelta(days=1))
    with pytest.raises(DomainError, match="负责人"):
        publish(notice, user("staff"))
    with pytest.raises(DomainError):
        publish(make_notice(kind="free", body="<script>x</script>"), manager)
    record = make_education()
    stale = make_notice([record])
    record.state = "reversed"
    with pytest.raises(DomainError):
        publish(stale, manager)


def test_snapshot_is_immutable(app, client):
    """Edits of the worker or record after publishing leave the notice as published."""
    with app.app_context():
        record = make_education("赵钱孙")
        notice = make_published([record])
        pk, line_id = notice.id, notice.lines[0].id
        record.worker.name, record.worker.employer = "周吴郑", "另一家单位"
        record.worker.category = "migrant"
        db.session.execute(text("UPDATE assistance SET cash_amount = 9999 WHERE id = :id"),
                           {"id": record.id})
        db.session.commit()
        line = db.session.get(NoticeLine, line_id)
        assert (line.masked_name, line.employer, line.category, line.amount) == (
            "赵*孙", "第一机床厂", "deep", Decimal("2000.00"))
        line.masked_name = "改*名"
        with pytest.raises(DomainError):
            db.session.commit()
        db.session.rollback()
        with pytest.raises(DomainError):
            remove_lines(db.session.get(Notice, pk), [line_id])
        with pytest.raises(DomainError):
            add_lines(db.session.get(Notice, pk), [make_education()])
        db.session.rollback()
        # The database refuses it too, should any code bypass the ORM.
        with pytest.raises(DBAPIError):
            db.session.execute(text("UPDATE notice_line SET masked_name = 'x' WHERE id = :id"),
                               {"id": line_id})
        db.session.rollback()
        with pytest.raises(DBAPIError):
            db.session.execute(text("DELETE FROM notice_line WHERE id = :id"), {"id": line_id})
        db.session.rollback()
    page = client.get(f"/notices/{pk}").get_data(as_text=True)
    assert "赵*孙" in page and "2,000.00" in page
    assert "周*郑" not in page and "另一家单位" not in page and "9,999" not in page


def test_published_text_cannot_change(app, client, auth):
    with app.app_context():
        notice = make_published(kind="free", title="申请指南", body="<p>原文</p>")
        pk = notice.id
        notice.body = "<p>改过</p>"
        with pytest.raises(DomainError):
            db.session.commit()
        db.session.rollback()
    auth.login("admin")
    response = client.get(f"/admin/notice/edit/?id={pk}")
    assert response.status_code == 302 and "/manage/" in response.headers["Location"]
    response = client.post("/admin/notice/delete/", data={"id": pk, "csrf_token": auth.token()},
                           follow_redirects=True)
    with app.app_context():
        assert db.session.get(Notice, pk) is not None


def test_withdraw_needs_a_reason_and_is_logged(app, client, auth):
    with app.app_context():
        pk = make_published().id
    auth.login("manager")
    manage(client, auth, pk, "withdraw", reason=" ")
    with app.app_context():
        assert db.session.get(Notice, pk).state == "published"
    page = manage(client, auth, pk, "withdraw", reason="名单有误，核实后重新公示")
    assert "撤回" in flashes(page.get_data(as_text=True))
    with app.app_context():
        notice = db.session.get(Notice, pk)
        assert (notice.state, notice.withdraw_reason, notice.withdrawn_by.username) == (
            "withdrawn", "名单有误，核实后重新公示", "manager")


def test_period_end_is_recorded_once_by_the_system(ctx):
    """A notice past its period is marked ended, with one audit row by the system."""
    notice = make_published()
    freeze_today(notice.ends_on + dt.timedelta(days=1))
    assert notice.status_on() == "ended"
    with pytest.raises(DomainError):
        withdraw(notice, user("manager"), "太晚了")
    assert close_ended() == 1 and close_ended() == 0
    db.session.commit()
    db.session.refresh(notice)
    assert notice.state == "ended"
    rows = db.session.scalars(select(AuditLog).where(AuditLog.record_type == "notice")).all()
    ended = [r for r in rows if r.changes == {"state": ["published", "ended"]}]
    assert len(ended) == 1 and ended[0].username == "system" and ended[0].user_id is None


def test_close_notices_command(app, runner):
    with app.app_context():
        make_published()
    freeze_today(today() + dt.timedelta(days=30))
    result = runner.invoke(args=["close-notices"])
    assert result.exit_code == 0 and "1" in result.output
    with app.app_context():
        assert db.session.scalar(select(Notice.state)) == "ended"


def test_admin_list_shows_counts_and_state(app, client, auth):
    with app.app_context():
        make_published([make_education("一"), make_education("二二")], title="名单甲")
    auth.login("manager")
    page = client.get("/admin/notice/").get_data(as_text=True)
    assert "名单甲" in page and "已发布" in page
    assert client.get("/admin/notice/new/").status_code == 403


def test_record_on_draft_is_not_changed_by_notice(ctx):
    """Listing a record on a notice writes nothing to the record itself."""
    record = make_education()
    make_notice([record])
    assert db.session.get(Assistance, record.id).version == 1


def test_loan_notice_through_the_pages(app, client, auth):
    from tests.factories_loans import make_loan

    with app.app_context():
        loan_id = make_loan(state="approved", worker=make_worker(name="欧阳秀英")).id
        pk = make_notice(source="loan", title="小额借款拟发放公示").id
    auth.login("staff")
    assert f"JK-{loan_id} 欧阳秀英" in client.get(f"/admin/notice/manage/?id={pk}").get_data(
        as_text=True)
    manage(client, auth, pk, "add", record=[loan_id])
    auth.logout()
    auth.login("manager")
    manage(client, auth, pk, "publish")
    page = client.get(f"/notices/{pk}").get_data(as_text=True)
    assert "欧**英" in page and "10,000.00" in page and "欧阳秀英" not in page
