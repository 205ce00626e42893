"""Worker files through the admin forms: validation, uniqueness of people, lifecycle."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from models import FamilyMember, PersonInFile, Worker, db
from models.base import freeze_today, today
from models.worker_rules import per_capita_monthly_income, suggested_category
from tests.conftest import flashes
from tests.factories import id_number, make_worker
from views.workers import ReviewOverdueFilter


def form(token, **overrides):
    """Return the POST data of a valid new-worker form."""
    data = {"csrf_token": token, "name": "刘德明", "id_number": id_number(),
            "ethnicity": "汉族", "phone": "13700001111", "base_union": "钢厂工会",
            "employer": "济南钢厂", "category": "deep", "main_cause": "illness",
            "household_size": "3", "household_income": "24000", "essential_spending": "6000"}
    data.update(overrides)
    return data


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_staff_creates_worker_with_member(app, client, auth):
    """A valid form saves the file, its member and derived fields."""
    auth.login("staff")
    number = id_number(dt.date(1975, 3, 9), male=True)
    member = id_number(dt.date(2010, 6, 1), male=False)
    response = client.post("/admin/worker/new/", data=form(
        auth.token(), id_number=number.lower(), **{
            "members-0-name": "刘小红", "members-0-relation": "child",
            "members-0-id_number": member}))
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    with app.app_context():
        worker = db.session.scalar(select(Worker))
        assert worker.id_number == number and worker.gender == "M"
        assert worker.birth_date == dt.date(1975, 3, 9)
        assert worker.status == "pending" and worker.filed_by.username == "staff"
        assert str(worker.per_capita_income) == "500.00"   # (24000 − 6000) / 12 / 3
        assert [m.id_number for m in worker.members] == [member]
        assert count(PersonInFile) == 2


@pytest.mark.parametrize("bad,message", [
    ("370102198005170011", "校验位"), ("370102198002300014", "出生日期"),
    ("37010219800517001", "18"), ("37010220990101001X", "晚于今天")])
def test_bad_id_number_is_refused_and_nothing_saved(app, client, auth, bad, message):
    """A bad ID number shows a Chinese error on the form and writes nothing."""
    auth.login("staff")
    response = client.post("/admin/worker/new/", data=form(auth.token(), id_number=bad))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert count(Worker) == 0


def test_id_number_of_member_elsewhere_is_refused(app, client, auth):
    """A worker whose ID number is a member of another live file is refused."""
    taken = id_number()
    with app.app_context():
        make_worker(members=[{"name": "王芳", "id_number": taken}])
    auth.login("staff")
    response = client.post("/admin/worker/new/", data=form(auth.token(), id_number=taken))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "已在" in page
    with app.app_context():
        assert count(Worker) == 1


def test_database_refuses_same_person_in_two_live_files(ctx):
    """Bypassing the form, the partial unique index still refuses the second live file."""
    from sqlalchemy.exc import IntegrityError

    taken = id_number()
    make_worker(id_number=taken)
    with pytest.raises(IntegrityError):
        make_worker(members=[{"name": "同一人", "id_number": taken}])
    db.session.rollback()
    assert count(Worker) == 1 and count(FamilyMember) == 0


def test_exited_file_frees_the_person(ctx):
    """Once a file is closed its people may stand in another live file."""
    taken = id_number()
    old = make_worker(members=[{"name": "王芳", "id_number": taken}])
    old.status, old.exit_date, old.exit_reason = "exited", today(), "脱困"
    db.session.commit()
    make_worker(id_number=taken, name="王芳")
    assert count(Worker) == 2


def test_likely_duplicate_needs_confirmation(app, client, auth):
    """Same name and employer warns; ticking the confirmation saves."""
    with app.app_context():
        make_worker(name="刘德明", employer="济南钢厂", phone="13900000000")
    auth.login("staff")
    first = client.post("/admin/worker/new/", data=form(auth.token()))
    assert first.status_code == 422 and "重复档案" in first.get_data(as_text=True)
    again = client.post("/admin/worker/new/", data=form(auth.token(), confirm_duplicates="y"))
    assert again.status_code == 302
    with app.app_context():
        assert count(Worker) == 2


def test_confirmed_duplicate_does_not_warn_again_on_edit(app, client, auth):
    """Once saved with the tick, editing other fields saves; changing the phone warns again."""
    with app.app_context():
        make_worker(name="刘德明", employer="济南钢厂", phone="13900000000")
    auth.login("staff")
    saved = client.post("/admin/worker/new/", data=form(auth.token(), confirm_duplicates="y"))
    assert saved.status_code == 302
    with app.app_context():
        pk, number = db.session.execute(select(Worker.id, Worker.id_number).where(
            Worker.phone == "13700001111")).one()
    edit = client.post(f"/admin/worker/edit/?id={pk}", data=form(
        auth.token(), id_number=number, address="历下区文化东路 1 号"))
    assert edit.status_code == 302, flashes(edit.get_data(as_text=True))
    again = client.post(f"/admin/worker/edit/?id={pk}", data=form(
        auth.token(), id_number=number, phone="13900000000"))
    assert again.status_code == 422 and "重复档案" in again.get_data(as_text=True)


def test_search_by_full_and_last_digits(app, client, auth):
    """The list finds a worker by full ID number and by its last digits."""
    with app.app_context():
        number = make_worker(name="检索人").id_number
        make_worker(name="其他人")
    auth.login("staff")
    for term in (number, number[-6:]):
        page = client.get(f"/admin/worker/?search={term}").get_data(as_text=True)
        assert "检索人" in page and "其他人" not in page


def test_clerk_sees_id_numbers_masked(app, client, auth):
    """A clerk's lookup shows ID numbers masked in list and details."""
    with app.app_context():
        worker = make_worker(name="遮蔽人")
        number, pk = worker.id_number, worker.id
    auth.login("clerk")
    for url in ("/admin/worker/", f"/admin/worker/details/?id={pk}"):
        page = client.get(url).get_data(as_text=True)
        assert number not in page and number[:3] + "*" * 11 + number[-4:] in page


@pytest.mark.parametrize("old,new,ok", [
    ("pending", "active", True), ("exited", "pending", True), ("removed", "pending", True),
    ("active", "exited", False), ("active", "removed", False), ("pending", "removed", False),
    ("pending", "exited", False), ("removed", "active", False)])
def test_status_lifecycle(app, client, auth, old, new, ok):
    """The form approves and re-files only: closing a file is a review's, never the form's."""
    with app.app_context():
        worker = make_worker(status=old, exit_date=dt.date(2026, 1, 5) if old in
                             ("exited", "removed") else None, exit_reason="原因",
                             filed_on=dt.date(2025, 3, 1))  # on record before the exit
        pk, data = worker.id, {c: getattr(worker, c) for c in ("name", "id_number")}
    auth.login("staff")
    response = client.post(f"/admin/worker/edit/?id={pk}", data=form(
        auth.token(), **data, status=new, exit_date="2026-02-01", exit_reason="家庭收入提高",
        confirm_duplicates="y"))
    with app.app_context():
        assert db.session.get(Worker, pk).status == (new if ok else old)
    if not ok:
        assert "不能" in flashes(response.get_data(as_text=True)) or response.status_code == 422


def test_review_overdue_filter_and_actions(app, client, auth):
    """Overdue files are listed; no bulk action marks them reviewed without facts."""
    freeze_today(dt.date(2026, 11, 29))
    with app.app_context():
        late = make_worker(name="逾期人", last_reviewed_on=dt.date(2025, 6, 1)).id
        make_worker(name="按时人", last_reviewed_on=dt.date(2026, 6, 1))
    auth.login("staff")
    view = next(v for v in app.extensions["admin"][0]._views if v.endpoint == "worker")
    index = next(i for i, f in enumerate(view._filters) if isinstance(f, ReviewOverdueFilter))
    page = client.get(f"/admin/worker/?flt0_{index}=1").get_data(as_text=True)
    assert "逾期人" in page and "按时人" not in page
    client.post("/admin/worker/action/", data={"action": "review", "rowid": [late],
                                               "csrf_token": auth.token()})
    with app.app_context():  # the old "record annual review" action is gone
        assert db.session.get(Worker, late).last_reviewed_on == dt.date(2025, 6, 1)


def test_income_rules():
    """Per-capita income and the suggested category follow the 低保 line."""
    from decimal import Decimal
    assert per_capita_monthly_income(Decimal("30000"), Decimal("6000"), 4) == Decimal("500.00")
    assert suggested_category(Decimal("700"), Decimal("800")) == "deep"
    assert suggested_category(Decimal("1500"), Decimal("800")) == "relative"
    assert suggested_category(Decimal("1600"), Decimal("800")) is None
