"""Training classes and enrolments: places, once per class, states, follow-up and results."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from models import Enrolment, TrainingClass, db
from models.base import DomainError, freeze_today
from models.training_rules import complete, drop, enrol, place_differences
from tests.conftest import flashes
from tests.factories import make_worker, user
from tests.factories_training import make_class, make_enrolment


def places(app, class_id):
    """Return (cached places taken, enrolments not dropped) of a class."""
    with app.app_context():
        taken = db.session.get(TrainingClass, class_id).enrolled_count
        live = db.session.scalar(select(func.count()).select_from(Enrolment).where(
            Enrolment.class_id == class_id, Enrolment.state != "dropped"))
        return taken, live


def test_staff_creates_a_class_and_enrols_through_the_forms(app, client, auth):
    with app.app_context():
        worker_id = make_worker(name="马春梅").id
    auth.login("staff")
    response = client.post("/admin/trainingclass/new/", data={
        "csrf_token": auth.token(), "name": "2026年第二期家政服务培训班",
        "category": "housekeeping", "start_date": "2026-05-06", "end_date": "2026-06-06",
        "hours": "80", "capacity": "25", "instructor": "王老师", "venue": "区职工服务中心",
        "state": "planned"})
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    with app.app_context():
        class_id = db.session.scalar(select(TrainingClass.id))
    form = client.get(f"/admin/enrolment/new/?class_id={class_id}").get_data(as_text=True)
    assert "selected" in form and "家政服务培训班" in form
    response = client.post("/admin/enrolment/new/", data={
        "csrf_token": auth.token(), "training_class": class_id, "worker": worker_id})
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    with app.app_context():
        record = db.session.scalar(select(Enrolment))
        assert (record.state, record.enrolled_by.username) == ("enrolled", "staff")
    assert places(app, class_id) == (1, 1)
    response = client.post("/admin/enrolment/new/", data={
        "csrf_token": auth.token(), "training_class": class_id, "worker": worker_id},
        follow_redirects=True)
    assert "已报名本期培训班" in flashes(response.get_data(as_text=True))
    assert places(app, class_id) == (1, 1)


def test_a_full_class_refuses_the_next_worker(ctx):
    """Two places, two enrolled: the third is refused and nothing changes."""
    klass = make_class(capacity=2)
    make_enrolment(klass)
    make_enrolment(klass)
    staff = user("staff")
    record = Enrolment(training_class=klass, worker=make_worker(name="第三人"))
    db.session.add(record)
    with pytest.raises(DomainError, match="名额已满"):
        enrol(record, staff)
    db.session.rollback()
    assert klass.enrolled_count == 2
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 2


def test_once_per_class_and_the_index_behind_it(ctx):
    """The rule answers first; the unique index refuses what slips past it."""
    klass = make_class()
    worker = make_worker()
    make_enrolment(klass, worker)
    staff = user("staff")
    with pytest.raises(DomainError, match="已报名"):
        enrol(Enrolment(training_class=klass, worker=worker), staff)
    db.session.rollback()
    db.session.add(Enrolment(class_id=klass.id, worker_id=worker.id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("worker_status,class_state,message", [
    ("pending", "planned", "在档"), ("exited", "running", "在档"),
    ("active", "finished", "计划中或培训中")])
def test_who_may_enrol_where(ctx, worker_status, class_state, message):
    klass = make_class(state=class_state)
    staff = user("staff")
    record = Enrolment(training_class=klass, worker=make_worker(status=worker_status))
    with pytest.raises(DomainError, match=message):
        enrol(record, staff)
    db.session.rollback()
    assert db.session.get(TrainingClass, klass.id).enrolled_count == 0


def test_dropping_out_and_deleting_free_the_place(app, client, auth):
    with app.app_context():
        klass = make_class(capacity=2, state="running")
        first, second = make_enrolment(klass).id, make_enrolment(klass).id
        class_id = klass.id
    assert places(app, class_id) == (2, 2)
    auth.login("staff")
    client.post("/admin/enrolment/action/", data={
        "csrf_token": auth.token(), "action": "drop", "rowid": [first]})
    assert places(app, class_id) == (1, 1)
    auth.logout()
    auth.login("admin")
    client.post("/admin/enrolment/delete/", data={"csrf_token": auth.token(), "id": second})
    assert places(app, class_id) == (0, 0)
    with app.app_context():
        assert place_differences() == []
        db.session.execute(update(TrainingClass).values(enrolled_count=1))
        db.session.commit()
        assert place_differences()[0][1:] == (1, 0)


def test_bulk_mark_completed_reports_each_refusal(app, client, auth):
    """Enrolled trainees complete; a dropped one is named and left as it was."""
    with app.app_context():
        klass = make_class(state="running")
        ok = [make_enrolment(klass).id for _ in range(2)]
        dropped = make_enrolment(klass, state="dropped", worker=make_worker(name="已退学者")).id
    auth.login("staff")
    page = client.post("/admin/enrolment/action/", data={
        "csrf_token": auth.token(), "action": "complete", "rowid": ok + [dropped]},
        follow_redirects=True).get_data(as_text=True)
    assert "已将 2 名学员标记为结业" in flashes(page)
    assert "已退学者" in flashes(page) and "只有在读学员" in flashes(page)
    with app.app_context():
        states = [db.session.get(Enrolment, pk).state for pk in ok + [dropped]]
        assert states == ["completed", "completed", "dropped"]


@pytest.mark.parametrize("start,class_state,move,message", [
    ("completed", "running", complete, "只有在读学员"),
    ("dropped", "running", complete, "只有在读学员"),
    ("completed", "finished", drop, "只有在读学员"), ("dropped", "running", drop, "只有在读学员"),
    ("enrolled", "planned", complete, "尚未开班")])
def test_forbidden_enrolment_moves(ctx, start, class_state, move, message):
    record = make_enrolment(make_class(state=class_state), state=start)
    taken = record.training_class.enrolled_count
    with pytest.raises(DomainError, match=message):
        move(record, user("staff"))
    db.session.rollback()
    assert (record.state, record.training_class.enrolled_count) == (start, taken)


def test_class_state_moves_only_forward_and_places_hold(app, client, auth):
    with app.app_context():
        klass = make_class(capacity=3, state="running")
        make_enrolment(klass)
        make_enrolment(klass)
        class_id = klass.id
    auth.login("staff")

    def edit(**changes):
        data = {"csrf_token": auth.token(), "name": "电焊班", "category": "welding",
                "start_date": "2026-03-02", "end_date": "2026-04-30", "hours": "120",
                "capacity": "3", "state": "running", **changes}
        return client.post(f"/admin/trainingclass/edit/?id={class_id}", data=data,
                           follow_redirects=True).get_data(as_text=True)

    assert "只能依次推进" in flashes(edit(state="planned"))
    assert "不能少于已报名人数" in flashes(edit(capacity="1"))
    assert "不能早于开班日期" in flashes(edit(end_date="2026-03-01"))
    with app.app_context():
        klass = db.session.get(TrainingClass, class_id)
        assert (klass.state, klass.capacity, klass.name) == ("running", 3,
                                                             "2026年第一期电焊工培训班")
    edit(state="finished")
    with app.app_context():
        assert db.session.get(TrainingClass, class_id).state == "finished"


def test_follow_up_rules(app, client, auth):
    """The outcome comes after completion; found work needs employer and date."""
    with app.app_context():
        klass = make_class(state="finished")
        enrolled = make_enrolment(klass).id
        done = make_enrolment(klass, state="completed").id
    freeze_today(dt.date(2026, 9, 1))
    auth.login("staff")
    page = client.get(f"/admin/enrolment/edit/?id={done}").get_data(as_text=True)
    assert "张建国 · 2026年第一期电焊工培训班" in page  # whose follow-up this is

    def follow_up(pk, **fields):
        data = {"csrf_token": auth.token(), "attendance_rate": "95", "certificate_no": "",
                "outcome": "__None", "employer": "", "outcome_on": "",
                "monthly_income": "", "followed_up_on": "", **fields}
        return client.post(f"/admin/enrolment/edit/?id={pk}", data=data,
                           follow_redirects=True).get_data(as_text=True)

    assert "结业后才能登记" in flashes(follow_up(enrolled, outcome="reemployed"))
    assert "就业单位" in flashes(follow_up(done, outcome="reemployed"))
    assert "不能早于开班日期" in flashes(follow_up(
        done, outcome="business", employer="社区早餐店", outcome_on="2026-01-01"))
    follow_up(done, outcome="reemployed", employer="济南华美焊接有限公司",
              outcome_on="2026-05-10", monthly_income="4200.00", certificate_no="HG-2026-01")
    with app.app_context():
        record = db.session.get(Enrolment, done)
        assert (record.outcome, record.employer, str(record.monthly_income)) == (
            "reemployed", "济南华美焊接有限公司", "4200.00")
        assert record.followed_up_on == dt.date(2026, 9, 1)  # defaults to today
        assert record.certificate_no == "HG-2026-01"
        assert db.session.get(Enrolment, enrolled).outcome is None


def test_roster_shows_completion_and_re_employment_rates(app, client, auth):
    """4 enrolled, 3 completed (75.0 %), 2 of them found work (66.7 %)."""
    with app.app_context():
        klass = make_class(state="finished", name="电脑操作培训班", category="computer")
        make_enrolment(klass, state="completed", outcome="reemployed", employer="甲公司",
                       outcome_on=dt.date(2026, 5, 1), worker=make_worker(name="学员甲"))
        make_enrolment(klass, state="completed", outcome="business", employer="网店",
                       outcome_on=dt.date(2026, 6, 1), worker=make_worker(name="学员乙"))
        make_enrolment(klass, state="completed", worker=make_worker(name="学员丙"))
        make_enrolment(klass, state="dropped", worker=make_worker(name="学员丁"))
        class_id = klass.id
    auth.login("manager")
    page = client.get(f"/admin/trainingclass/roster/?id={class_id}").get_data(as_text=True)
    for name in ("学员甲", "学员乙", "学员丙", "学员丁", "75.0%", "66.7%", "已自主创业"):
        assert name in page, name
    assert "报名学员" not in page  # a manager reads, does not enrol
    summary = client.get("/admin/trainingclass/summary/").get_data(as_text=True)
    assert "电脑" in summary and "75.0%" in summary and "66.7%" in summary
    assert client.get("/admin/enrolment/new/").status_code == 403
    auth.logout()
    auth.login("clerk")
    assert client.get(f"/admin/trainingclass/roster/?id={class_id}").status_code == 403


def test_summary_by_year(app, client, auth):
    with app.app_context():
        make_enrolment(make_class(state="finished", start_date=dt.date(2025, 3, 1),
                                  end_date=dt.date(2025, 4, 1)), state="completed")
        make_enrolment(make_class(state="running", category="sewing"))
    auth.login("staff")
    page = client.get("/admin/trainingclass/summary/?year=2025").get_data(as_text=True)
    assert "电焊" in page and "缝纫" not in page
    page = client.get("/admin/trainingclass/summary/").get_data(as_text=True)
    assert "电焊" in page and "缝纫" in page


def test_follow_up_missing_filters(app, client, auth):
    """Finished classes with a completed trainee not yet followed up are listed."""
    from views.training import ClassFollowUpMissingFilter, EnrolmentFollowUpMissingFilter
    with app.app_context():
        missing = make_class(state="finished", name="待回访班")
        make_enrolment(missing, state="completed", worker=make_worker(name="待回访学员"))
        done = make_class(state="finished", name="已回访班")
        make_enrolment(done, state="completed", outcome="not_employed")
        running = make_class(state="running", name="在训班")
        make_enrolment(running, state="completed")
    auth.login("staff")
    views = {v.endpoint: v for v in app.extensions["admin"][0]._views
             if hasattr(v, "endpoint")}
    for endpoint, kind in (("trainingclass", ClassFollowUpMissingFilter),
                           ("enrolment", EnrolmentFollowUpMissingFilter)):
        index = next(i for i, f in enumerate(views[endpoint]._filters) if isinstance(f, kind))
        page = client.get(f"/admin/{endpoint}/?flt0_{index}=1").get_data(as_text=True)
        assert "待回访班" in page and "已回访班" not in page and "在训班" not in page, endpoint
