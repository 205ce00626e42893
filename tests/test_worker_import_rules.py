"""The worker import keeps the form's rules and audits each file and member it writes."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from models import AuditLog, FamilyMember, Worker, db
from models.base import DomainError, today
from models.worker_rules import change_status
from portal.audit import changes, created_changes, diff
from portal.excel.importer import run_import
from portal.excel.specs import worker_spec
from tests.conftest import flashes
from tests.excel_files import worker_book, worker_row
from tests.factories import id_number, make_worker, user
from tests.test_worker_import_bulk import sheet_of
from tests.test_workers import form


def audit_rows(record_type: str, action: str | None = None) -> list[AuditLog]:
    """Return the log's record changes (not the import events) of ``record_type``."""
    query = select(AuditLog).where(AuditLog.record_type == record_type,
                                   AuditLog.action != "import").order_by(AuditLog.id)
    if action:
        query = query.where(AuditLog.action == action)
    return list(db.session.scalars(query))


def imported(data: bytes, role: str = "staff"):
    report = run_import(worker_spec(), data, user(role), dry_run=False)
    assert report.written, report.errors
    db.session.expire_all()
    return report


def stored(number: str) -> Worker:
    return db.session.scalar(select(Worker).where(Worker.id_number == number))


@pytest.fixture
def remote(app):
    """Run the test inside a request from 10.0.0.7, the address the audit should note."""
    with app.test_request_context(environ_base={"REMOTE_ADDR": "10.0.0.7"}):
        yield app


def test_new_worker_and_member_are_audited_as_the_form_would(remote):
    """One create row per file and member: importer, address, every field the flush logs."""
    number, child = id_number(), id_number(dt.date(2012, 3, 1))
    imported(worker_book([worker_row(number, household_income=1234.56,
                                     essential_spending=0.10)], members=[
        {"worker_id_number": number, "name": "孙小雨", "relation": "子女", "id_number": child}]))
    worker = stored(number)
    [row] = audit_rows("worker", "create")
    assert (row.username, row.user_id, row.ip) == ("staff", user("staff").id, "10.0.0.7")
    assert row.record_id == str(worker.id)
    assert row.changes == diff(worker, "create")  # what an ORM insert of it would log
    assert row.changes["household_income"] == [None, "1234.56"]
    assert row.changes["per_capita_income"] == [None, "51.44"]  # (1234.56 − 0.10) / 12 / 2
    assert row.changes["status"] == [None, "pending"]
    assert row.changes["filed_by_id"] == [None, user("staff").id]
    [member] = audit_rows("familymember", "create")
    assert member.record_id == str(worker.members[0].id)
    assert member.changes == diff(worker.members[0], "create")
    assert member.changes["worker_id"] == [None, worker.id]


def test_changed_worker_is_audited_before_and_after(ctx):
    """An imported change logs an update with only the changed fields, before → after."""
    worker = make_worker(name="孙立新", main_cause="illness", phone="13900000001")
    before = db.session.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()))
    stamped = worker.updated_at
    imported(sheet_of(["姓名", "身份证号", "主要致困原因", "联系电话", "家庭年收入（元）"],
                      [["孙立新", worker.id_number, "患重特大疾病", "13512345678", 42000]]))
    rows = [r for r in audit_rows("worker") if r.id > before]
    assert [(r.action, r.record_id) for r in rows] == [("update", str(worker.id))]
    assert rows[0].username == "staff"
    assert rows[0].changes == {"phone": ["13900000001", "13512345678"],
                               "household_income": ["30000.00", "42000.00"],
                               "per_capita_income": ["666.67", "1000.00"]}
    assert stored(worker.id_number).updated_at > stamped  # as an ORM update stamps it


def test_unchanged_row_writes_no_audit_row(ctx):
    """Importing a file as it stands counts it unchanged and logs only the import itself."""
    worker = make_worker(name="孙立新", main_cause="illness", phone="13900000001")
    before = db.session.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()))
    report = imported(sheet_of(["姓名", "身份证号", "主要致困原因", "联系电话"],
                               [["孙立新", worker.id_number, "患重特大疾病", "13900000001"]]))
    assert (report.updated, report.unchanged) == (0, 1)
    after = db.session.scalars(select(AuditLog).where(AuditLog.id > before)).all()
    assert [r.action for r in after] == ["import"]


def test_changed_members_are_logged_removed_and_created(ctx):
    """A changed member list is written anew: old rows logged removed, new ones created."""
    number, child = id_number(), id_number(dt.date(2012, 3, 1))
    worker = make_worker(id_number=number, household_size=None,
                         members=[{"name": "旧成员", "relation": "spouse"}])
    old_member = worker.members[0].id
    imported(worker_book([worker_row(number, household_size=None)], members=[
        {"worker_id_number": number, "name": "孙小雨", "relation": "子女", "id_number": child}]))
    [removed] = audit_rows("familymember", "delete")
    assert removed.record_id == str(old_member)
    assert removed.changes["name"] == ["旧成员", None]
    [created] = audit_rows("familymember", "create")[-1:]
    member = db.session.scalar(select(FamilyMember).where(FamilyMember.id_number == child))
    assert created.record_id == str(member.id) and created.changes["name"] == [None, "孙小雨"]


# The form pre-fills the household size with 1 and refuses it empty, so both are given
# one here; counting the members when it is left empty happens only on import.
@pytest.mark.parametrize("income,spending,size,members", [
    ("36.60", "0", "2", 1),             # 1.525 a head: rounded half up, to 1.53
    ("24000", "6000", "3", 0),
    ("1234.56", "0.10", "3", 2)])
def test_import_and_form_derive_the_same_fields(app, client, auth, income, spending, size,
                                                members):
    """The same entries give the same birth date, gender, household size and income a head."""
    born = dt.date(1969, 2, 28)
    by_form, by_import = id_number(born, male=False), id_number(born, male=False)
    children = [id_number(dt.date(2010, 1, 1) + dt.timedelta(days=i)) for i in range(members)]
    auth.login("staff")
    entries = {f"members-{i}-{k}": v for i, child in enumerate(children) for k, v in
               (("name", "孩子"), ("relation", "child"), ("id_number", child))}
    response = client.post("/admin/worker/new/", data=form(
        auth.token(), id_number=by_form, household_income=income, essential_spending=spending,
        household_size=size, **entries))
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    others = [id_number(dt.date(2011, 1, 1) + dt.timedelta(days=i)) for i in range(members)]
    with app.test_request_context():
        imported(worker_book(
            [worker_row(by_import, household_income=Decimal(income),
                        essential_spending=Decimal(spending), household_size=int(size))],
            members=[{"worker_id_number": by_import, "name": "孩子", "relation": "子女",
                      "id_number": other} for other in others]))
        derived = [(w.birth_date, w.gender, w.household_size, w.per_capita_income)
                   for w in (stored(by_form), stored(by_import))]
    assert derived[0] == derived[1]
    assert derived[0][:2] == (born, "F")
    if income == "36.60":
        assert derived[0][3] == Decimal("1.53")


def _refusal_by_form(app, client, auth, worker_id, number, **fields) -> str:
    auth.login("staff")
    response = client.post(f"/admin/worker/edit/?id={worker_id}", data=form(
        auth.token(), name="孙立新", id_number=number, confirm_duplicates="y", **fields))
    with app.app_context():
        assert db.session.get(Worker, worker_id).status == "active"  # refused
    return flashes(response.get_data(as_text=True))


def _refusal_by_import(app, data: bytes) -> str:
    with app.test_request_context():
        report = run_import(worker_spec(), data, user("staff"), dry_run=False)
        assert not report.written
        [(_sheet, _row, column, message)] = report.errors
        assert column == "档案状态"
        return message


def test_status_move_the_form_refuses_the_import_refuses_alike(app, client, auth):
    """Active back to pending is refused by both: the rule's words, the form's choices."""
    with app.app_context():
        worker = make_worker(name="孙立新")
        pk, number = worker.id, worker.id_number
    message = _refusal_by_import(app, sheet_of(
        ["姓名", "身份证号", "主要致困原因", "档案状态"],
        [["孙立新", number, "患重特大疾病", "待审核"]]))
    assert message == "档案不能从当前状态变更为所选状态。"
    with app.test_request_context(), pytest.raises(DomainError, match=message):
        worker = db.session.get(Worker, pk)
        worker.status = "pending"
        change_status(worker, "active", user("staff"))
    auth.login("staff")
    page = client.get(f"/admin/worker/edit/?id={pk}").get_data(as_text=True)
    assert 'value="pending"' not in page and 'value="active"' in page
    _refusal_by_form(app, client, auth, pk, number, status="pending")


def test_future_exit_date_is_refused_on_a_new_imported_file(app):
    """A closed file may come in by import (an archive), but not with an exit date still
    to come."""
    later = (today() + dt.timedelta(days=30)).isoformat()
    message = _refusal_by_import(app, sheet_of(
        ["姓名", "身份证号", "主要致困原因", "档案状态", "脱困/撤档日期", "脱困/撤档原因"],
        [["孙立新", id_number(), "患重特大疾病", "已脱困", later, "家庭收入提高"]]))
    assert message == "脱困/撤档日期不能晚于今天。"


EXIT_KEPT = "脱困/撤档日期和原因来自办结该档案的已审批复核，不能在此修改。"


@pytest.mark.parametrize("status", ["在档", "已脱困"])
def test_an_import_cannot_set_or_change_a_stored_files_exit(app, status):
    """The exit date and reason of a stored file are the closing review's: a row that sets
    them on a live file, or changes them on a closed one, is refused, nothing written."""
    with app.app_context():
        closed = status == "已脱困"
        worker = make_worker(name="孙立新", status="exited" if closed else "active",
                             exit_date=dt.date(2025, 6, 30) if closed else None,
                             exit_reason="再就业" if closed else "")
        number = worker.id_number
    with app.test_request_context():
        report = run_import(worker_spec(), sheet_of(
            ["姓名", "身份证号", "主要致困原因", "档案状态", "脱困/撤档日期", "脱困/撤档原因"],
            [["孙立新", number, "患重特大疾病", status, "2025-07-01", "家庭收入提高"]]),
            user("staff"), dry_run=False)
        assert not report.written
        assert [(e[2], e[3]) for e in report.errors] == [("脱困/撤档日期", EXIT_KEPT)]
    with app.app_context():
        stored_file = db.session.scalar(select(Worker).where(Worker.id_number == number))
        assert stored_file.exit_reason == ("再就业" if closed else "")


def test_an_import_of_a_closed_file_as_exported_changes_nothing(app):
    """A closed file's row with its own exit date and reason is no change, not an error."""
    with app.app_context():
        worker = make_worker(name="孙立新", status="exited", exit_date=dt.date(2025, 6, 30),
                             exit_reason="再就业")
        number = worker.id_number
    with app.test_request_context():
        report = run_import(worker_spec(), sheet_of(
            ["姓名", "身份证号", "主要致困原因", "档案状态", "脱困/撤档日期", "脱困/撤档原因"],
            [["孙立新", number, "患重特大疾病", "已脱困", "2025-06-30", "再就业"]]),
            user("staff"), dry_run=False)
        assert not report.errors, report.errors


def test_bulk_wording_of_created_rows_is_the_flush_hooks():
    """Rows given by column are worded as changes() words each: empties left out."""
    rows = [{"name": "孙立新", "born": dt.date(1970, 1, 2), "income": Decimal("30000"),
             "causes": ["illness"], "size": 3, "alone": False, "notes": "", "area": None},
            {"name": "王\"五", "born": dt.date(1970, 1, 2), "income": Decimal("0.10"),
             "causes": [], "size": 3, "alone": True, "notes": "说明", "area": None}]
    texts = created_changes({key: [row[key] for row in rows] for key in rows[0]})
    assert [json.loads(text) for text in texts] == [changes(None, row) for row in rows]
    assert texts[1] == json.dumps(changes(None, rows[1]), ensure_ascii=False,
                                  separators=(",", ":"))


def test_imported_members_get_their_pinyin_initials_as_saved_ones_do(ctx):
    """Member search by initials finds imported members (bulk inserts skip ORM events)."""
    number = id_number()
    imported(worker_book([worker_row(number)], members=[
        {"worker_id_number": number, "name": "孙小雨", "relation": "子女",
         "id_number": id_number(dt.date(2012, 3, 1))}]))
    assert [m.initials for m in stored(number).members] == ["sxy"]


def test_an_import_cannot_approve_or_close_a_file_on_record(app):
    """Approving and closing need a second person and keep episodes: not by import."""
    with app.app_context():
        pending = make_worker(name="孙立新", status="pending")
        number = pending.id_number
    message = _refusal_by_import(app, sheet_of(
        ["姓名", "身份证号", "主要致困原因", "档案状态"],
        [["孙立新", number, "患重特大疾病", "在档"]]))
    assert message == "导入不能变更已有档案的状态；审批、脱困、撤档或重新建档请在该档案的页面办理。"


def test_imported_archive_files_get_their_episodes(app):
    """New files that come on record or closed get the episode their dates tell, and
    count in the year's figures like files approved and closed on their pages."""
    from models.report_episodes import episode_figures
    from models.worker_episode import WorkerEpisode

    rows = [worker_row(live := id_number(), status="在档", filed_on=dt.date(2024, 3, 1)),
            worker_row(left := id_number(), name="王秀英", status="已脱困",
                       filed_on=dt.date(2023, 5, 1), exit_date=dt.date(2025, 6, 30),
                       exit_reason="子女就业，家庭收入提高"),
            worker_row(id_number(), name="赵海燕")]  # pending: not on record, no episode
    with app.test_request_context():
        before = episode_figures(2025)
        report = run_import(worker_spec(), worker_book(rows), user("staff"), dry_run=False)
        assert report.written and report.created == 3, report.errors
        db.session.commit()
        episodes = {w.id_number: (e.opened_on, e.closed_on, e.close_kind, e.exit_cause)
                    for e, w in db.session.execute(select(WorkerEpisode, Worker).join(
                        Worker, Worker.id == WorkerEpisode.worker_id))}
        assert episodes == {
            live: (dt.date(2024, 3, 1), None, None, None),
            left: (dt.date(2023, 5, 1), dt.date(2025, 6, 30), "exited", "children_work")}
        after = episode_figures(2025)
        assert after["on_record"] == before["on_record"] + 2
        assert after["exited"] == before["exited"] + 1
