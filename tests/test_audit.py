"""The audit trail of record changes and logins."""
from __future__ import annotations

from sqlalchemy import select

from models import AuditLog, Worker, db
from tests.test_workers import form


def entries(action=None, record_type=None):
    query = select(AuditLog).order_by(AuditLog.id)
    if action:
        query = query.where(AuditLog.action == action)
    if record_type:
        query = query.where(AuditLog.record_type == record_type)
    return db.session.scalars(query).all()


def test_create_update_delete_are_logged_with_before_and_after(app, client, auth):
    """Who, from where, which record, and each changed field before → after."""
    auth.login("admin")
    client.post("/admin/worker/new/", data=form(auth.token(), phone="13811112222"))
    with app.app_context():
        worker = db.session.scalar(select(Worker))
        pk, data = worker.id, {"name": worker.name, "id_number": worker.id_number}
        created = entries("create", "worker")
        assert len(created) == 1
        row = created[0]
        assert row.username == "admin" and row.ip == "127.0.0.1" and row.record_id == str(pk)
        assert row.changes["phone"] == [None, "13811112222"]
        assert row.changes["household_income"] == [None, "24000.00"]
    client.post(f"/admin/worker/edit/?id={pk}", data=form(
        auth.token(), **data, phone="13899998888", status="pending", confirm_duplicates="y"))
    with app.app_context():
        updated = entries("update", "worker")
        assert len(updated) == 1
        assert updated[0].changes == {"phone": ["13811112222", "13899998888"]}
    client.post("/admin/worker/delete/", data={"id": pk, "csrf_token": auth.token()})
    with app.app_context():
        deleted = entries("delete", "worker")
        assert len(deleted) == 1 and deleted[0].changes["phone"] == ["13899998888", None]
        assert db.session.get(Worker, pk) is None


def test_logins_and_failed_logins_are_logged(app, client, auth):
    """A failed and a successful login each leave an entry with name and address."""
    auth.login("staff", password="wrong-password")
    auth.login("staff")
    with app.app_context():
        actions = [(r.action, r.username, r.ip) for r in entries()
                   if r.action.startswith("login")]
        assert actions == [("login_failed", "staff", "127.0.0.1"),
                           ("login", "staff", "127.0.0.1")]


def test_password_hash_never_in_the_log(app, client, auth):
    """Changing a password is logged without the hash."""
    auth.login("admin")
    with app.app_context():
        from models import User
        pk = db.session.scalar(select(User.id).where(User.username == "clerk"))
    client.post(f"/admin/user/edit/?id={pk}", data={
        "csrf_token": auth.token(), "username": "clerk", "full_name": "新名字", "role": "clerk",
        "active": "y", "new_password": "brand-new-pass"})
    with app.app_context():
        row = entries("update", "user")[-1]
        assert "password_hash" not in row.changes and row.changes["full_name"][1] == "新名字"


def test_audit_view_is_searchable_and_read_only(app, client, auth):
    """Managers search the log by user; nobody may create, edit or delete entries."""
    auth.login("staff", password="wrong-password")
    auth.login("manager")
    page = client.get("/admin/auditlog/?search=staff").get_data(as_text=True)
    assert "staff" in page
    assert client.get("/admin/auditlog/new/").status_code == 403
    with app.app_context():
        pk = entries()[0].id
    assert client.get(f"/admin/auditlog/edit/?id={pk}").status_code == 403


def test_bulk_rows_are_logged_by_the_ids_their_statement_returned(ctx):
    """Rows another transaction wrote in between (ids inside the range) are not logged as
    this user's: log_created_since takes the ids an INSERT … RETURNING gave."""
    from sqlalchemy import func, insert

    from models import Item
    from portal.audit import log_created_since
    from tests.factories import user

    clerk = user("clerk")
    table = Item.__table__
    rows = [{"name": f"毛巾 {n}", "unit": "条", "category": "other", "points_price": 5,
             "low_stock": 0, "active": True, "on_hand": 0, "initials": "", "notes": "",
             "unit_id": clerk.unit_id} for n in range(5)]
    ids = db.session.scalars(insert(table).returning(table.c.id), rows).all()
    mine = [ids[0], ids[2], ids[4]]   # the others stand for a colleague's rows meanwhile
    log_created_since(Item, mine, clerk)
    logged = db.session.execute(select(AuditLog.record_id, AuditLog.username).where(
        AuditLog.record_type == "item", AuditLog.action == "create")).all()
    assert sorted(int(r) for r, _u in logged) == sorted(mine)
    assert {u for _r, u in logged} == {clerk.username}
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.record_type == "item", AuditLog.record_id == str(ids[2]),
        AuditLog.changes.is_not(None))) == 1
