"""Episodes of a file: approval opens one, exit and withdrawal close it, re-filing opens a
new one and never changes an earlier year's figures; the second person approves a file."""
from __future__ import annotations

import datetime as dt

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from models import Worker, WorkerEpisode, db
from models.base import DomainError, freeze_today, today
from models.report import worker_figures
from models.report_episodes import episode_figures
from models.worker_rules import activate, change_status, close_file, refile
from tests.factories import id_number, make_worker, user
from tests.factories_reviews import filed_worker, make_review, on_record
from tests.test_workers import form


@pytest.fixture(autouse=True)
def thaw():
    yield
    freeze_today(None)


def episodes(worker_id):
    return db.session.scalars(select(WorkerEpisode).where(WorkerEpisode.worker_id == worker_id)
                              .order_by(WorkerEpisode.id)).all()


def on(day: dt.date, action, *args):
    freeze_today(day)
    action(*args)
    db.session.commit()


def test_approval_opens_an_episode_by_a_second_person(ctx):
    """Whoever filed cannot approve (Chinese message); another user can, and it opens."""
    worker = filed_worker()
    with pytest.raises(DomainError, match="建档人不能审批"):
        activate(worker, user("staff"))
    activate(worker, user("admin"))
    db.session.commit()
    (episode,) = episodes(worker.id)
    assert worker.status == "active" and worker.approved_by_id == user("admin").id
    assert episode.is_open and not episode.returned


def test_database_refuses_approval_by_whoever_filed(ctx):
    """The CHECK behind the rule: a direct UPDATE that bypasses it fails."""
    worker = filed_worker()
    with pytest.raises(IntegrityError, match="second_person"):
        db.session.execute(text("UPDATE worker SET status = 'active', approved_by_id = "
                                "filed_by_id WHERE id = :id"), {"id": worker.id})
        db.session.flush()
    db.session.rollback()


def test_exit_then_refile_keeps_last_year_figures(ctx):
    """The bug: re-opening an exited file lowered last year's 脱困. Now it cannot."""
    freeze_today(dt.date(2025, 3, 1))
    worker = on_record()
    on(dt.date(2025, 9, 1), close_file, worker, user("admin"), "exited", dt.date(2025, 9, 1),
       "子女就业，家庭收入提高")
    before = episode_figures(2025)
    assert before["exited"] == 1 and before["on_record"] == 1
    report = worker_figures(2025, dt.date(2025, 12, 31))  # the year-end report's section
    assert (report["exited"], report["on_file"]) == (1, 0)
    first = episodes(worker.id)[0]
    kept = (first.opened_on, first.closed_on, first.close_kind, first.exit_cause,
            first.close_reason)
    assert first.exit_cause == "children_work"
    on(dt.date(2026, 2, 1), refile, worker, user("staff"))
    assert worker.exit_date is None and worker.exit_reason == ""  # the episode keeps them
    assert episode_figures(2025) == before  # pending again: last year unchanged
    on(dt.date(2026, 2, 10), activate, worker, user("manager"))
    assert episode_figures(2025) == before
    assert worker_figures(2025, dt.date(2025, 12, 31)) == report
    assert worker_figures(2025, dt.date(2025, 6, 30))["on_file"] == 1
    old, new = episodes(worker.id)
    assert (old.opened_on, old.closed_on, old.close_kind, old.exit_cause,
            old.close_reason) == kept
    assert new.returned and new.opened_on == dt.date(2026, 2, 10) and new.is_open
    figures = episode_figures(2026)
    assert figures["returned"] == 1 and figures["exited"] == 0 and figures["on_record"] == 1


def test_exit_rate_against_an_independent_count(ctx):
    """脱困率 = files exited in the year / files on record in the year, counted by hand."""
    def history(opened, closed=None, kind="exited"):
        freeze_today(opened)
        worker = on_record()
        if closed:
            on(closed, close_file, worker, user("admin"), kind, closed, "就业增收")
        return worker
    history(dt.date(2024, 2, 1), dt.date(2024, 10, 1))           # gone before 2025
    history(dt.date(2024, 5, 1))                                  # on record all 2025
    history(dt.date(2025, 1, 10), dt.date(2025, 8, 1))           # 脱困 in 2025
    history(dt.date(2025, 3, 1), dt.date(2025, 6, 1), "removed")  # withdrawn in 2025
    history(dt.date(2025, 4, 1), dt.date(2026, 1, 5))            # 脱困 in 2026
    history(dt.date(2025, 12, 31), dt.date(2025, 12, 31))        # in and out on the last day
    rows = db.session.scalars(select(WorkerEpisode)).all()
    first, last = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
    on_record_ids = {e.worker_id for e in rows
                     if e.opened_on <= last and (e.closed_on is None or e.closed_on >= first)}
    exited_ids = {e.worker_id for e in rows if e.close_kind == "exited"
                  and first <= e.closed_on <= last}
    figures = episode_figures(2025)
    assert (figures["on_record"], figures["exited"]) == (len(on_record_ids), len(exited_ids))
    assert (figures["on_record"], figures["exited"]) == (5, 2)
    assert str(figures["exit_rate"]) == "40.00"
    assert episode_figures(2023)["exit_rate"] is None


def test_refile_keeps_the_one_live_file_rule(ctx):
    """Re-filing a closed file whose worker now stands in another live file is refused."""
    worker = on_record()
    close_file(worker, user("admin"), "exited", today(), "就业增收")
    db.session.commit()
    make_worker(name="新户主", members=[{"name": worker.name, "id_number": worker.id_number,
                                         "relation": "spouse"}])
    with pytest.raises(IntegrityError, match="person_in_file"):
        refile(worker, user("staff"))
        db.session.flush()
    db.session.rollback()
    assert len(episodes(worker.id)) == 1


CLOSED_BY_REVIEW = "档案只能在复核结论（脱困或撤档）经审批后退出在档"


def test_the_worker_form_approves_by_a_second_person_only(app, client, auth):
    """The filer cannot approve on the form either."""
    with app.app_context():
        mine = make_worker(status="pending", filed_by_id=user("staff").id)
        mine_data = {"name": mine.name, "id_number": mine.id_number}
    auth.login("staff")
    page = client.post(f"/admin/worker/edit/?id={mine.id}", data=form(
        auth.token(), **mine_data, status="active", confirm_duplicates="y"),
        follow_redirects=True).get_data(as_text=True)
    assert "建档人不能审批" in page
    with app.app_context():
        assert db.session.get(Worker, mine.id).status == "pending"
        assert episodes(mine.id) == []


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_the_worker_form_cannot_close_a_file(app, client, auth, role):
    """Neither staff nor admin close a file on its form: no exit fields, no closed status;
    a posted closing changes nothing and the episode stays open."""
    with app.app_context():
        pk = on_record().id
        data = {c: getattr(db.session.get(Worker, pk), c) for c in ("name", "id_number")}
    auth.login(role)
    page = client.get(f"/admin/worker/edit/?id={pk}").get_data(as_text=True)
    assert 'name="exit_date"' not in page and 'name="exit_reason"' not in page
    assert 'value="exited"' not in page and 'value="removed"' not in page
    client.post(f"/admin/worker/edit/?id={pk}", data=form(
        auth.token(), **data, status="exited", exit_date=today().isoformat(),
        exit_reason="开了小吃店", exit_cause="business", confirm_duplicates="y"))
    with app.app_context():
        worker = db.session.get(Worker, pk)
        assert (worker.status, worker.exit_date, worker.exit_reason) == ("active", None, "")
        assert [e.closed_on for e in episodes(pk)] == [None]


def _worker_view(app):
    return next(v for v in app.extensions["admin"][0]._views if v.endpoint == "worker")


@pytest.mark.parametrize("change", ["close", "exit_reason", "exit_date"])
def test_the_views_save_guard_refuses_closing_outside_a_review(app, change):
    """The base views' save hook asks the rules: closing a file, or setting its exit, is a
    review's; a form of any view that tried would be refused with the rule's words."""
    with app.test_request_context():
        worker = on_record()
        if change == "close":
            worker.status, worker.exit_date, worker.exit_reason = (
                "exited", today(), "就业增收")
        elif change == "exit_reason":
            worker.exit_reason = "就业增收"
        else:
            worker.exit_date = today()
        with pytest.raises(DomainError) as refused:
            _worker_view(app)._on_model_change(None, worker, False)
        expected = CLOSED_BY_REVIEW if change == "close" else "脱困/撤档日期和原因来自"
        assert expected in str(refused.value)
        db.session.rollback()
        with pytest.raises(DomainError, match=CLOSED_BY_REVIEW):  # and the rule itself
            worker.status = "removed"
            change_status(worker, "active", user("staff"))


def test_an_approved_review_still_closes_the_file(ctx):
    """The one way out: a review's approved conclusion (脱困), the episode closed with it."""
    review = make_review("approved", conclusion="exit", exit_cause="business",
                         conclusion_reason="开了小吃店")
    worker = review.worker
    assert (worker.status, worker.exit_date) == ("exited", today())
    (episode,) = episodes(worker.id)
    assert (episode.close_kind, episode.exit_cause) == ("exited", "business")


def _raw(statement: str, **params):
    with db.engine.begin() as conn:
        conn.execute(text(statement), params)


def test_database_refuses_changing_or_deleting_a_closed_episode(ctx):
    """A closed episode is history: a raw UPDATE or DELETE is refused by the database (and
    so is deleting its file); an open episode still closes."""
    closed, still_open = on_record(), on_record()
    close_file(closed, user("admin"), "exited", today(), "就业增收")
    db.session.commit()
    (old,), (live,) = episodes(closed.id), episodes(still_open.id)
    db.session.remove()
    for statement in ("UPDATE worker_episode SET close_reason = 'changed' WHERE id = :id",
                      "UPDATE worker_episode SET closed_on = NULL, close_kind = NULL, "
                      "exit_cause = NULL WHERE id = :id",
                      "DELETE FROM worker_episode WHERE id = :id"):
        with pytest.raises(IntegrityError, match="closed history"):
            _raw(statement, id=old.id)
    with pytest.raises(IntegrityError, match="closed history"):
        _raw("DELETE FROM worker WHERE id = :id", id=closed.id)
    _raw("UPDATE worker_episode SET closed_on = :on, close_kind = 'removed', "
         "close_reason = '不符合条件' WHERE id = :id", on=today(), id=live.id)
    assert db.session.get(WorkerEpisode, old.id).close_reason == "就业增收"
    assert db.session.get(WorkerEpisode, live.id).close_kind == "removed"
    with pytest.raises(IntegrityError, match="closed history"):  # now history too
        _raw("UPDATE worker_episode SET close_reason = 'x' WHERE id = :id", id=live.id)


def test_a_file_with_history_is_not_deleted(app, client, auth):
    """The admin's delete of a file with a closed episode is refused in words; a pending
    file without history still goes."""
    with app.app_context():
        closed = on_record()
        close_file(closed, user("admin"), "removed", today(), "不符合条件")
        db.session.commit()
        gone = make_worker(status="pending")
        pks = closed.id, gone.id
    auth.login("admin")
    page = client.post("/admin/worker/delete/", data={"id": pks[0], "csrf_token": auth.token()},
                       follow_redirects=True).get_data(as_text=True)
    assert "该档案已有历史" in page
    client.post("/admin/worker/delete/", data={"id": pks[1], "csrf_token": auth.token()})
    with app.app_context():
        assert db.session.get(Worker, pks[0]) is not None
        assert db.session.get(Worker, pks[1]) is None


def test_the_migrations_guard_is_the_models(app):
    """The migration's frozen triggers are what create_all makes."""
    import importlib

    from models.worker_episode import closed_guard

    migration = importlib.import_module(
        "portal.migrations.versions.d6f9b2a5c8e3_closed_episodes_are_history")
    assert {d: closed_guard(d) for d in ("sqlite", "postgresql")} == migration.GUARD


def test_episodes_are_read_only_for_everyone(app, client, auth):
    """No role may create, edit or delete an episode."""
    with app.app_context():
        pk = episodes(on_record().id)[0].id
    for role in ("admin", "staff", "manager"):
        auth.login(role)
        assert client.get("/admin/workerepisode/new/").status_code == 403
        assert client.get(f"/admin/workerepisode/edit/?id={pk}").status_code == 403
        assert client.get(f"/admin/workerepisode/details/?id={pk}").status_code == 200
        auth.logout()


def test_migration_gives_existing_files_their_episodes(database_config, tmp_path):
    """Files of the release before episodes get them from their status and dates; a file
    re-opened the old way (pending, exit date kept) gets back its exit."""
    from portal import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x", **database_config})
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision="9b3e6f2d1c8a")
        rows = [("active", "2024-03-01", None, ""),
                ("exited", "2023-05-01", "2025-06-30", "子女就业"),
                ("removed", "2024-01-01", "2024-09-01", "不符合条件"),
                ("pending", "2022-01-01", "2024-12-01", "就业增收"),
                ("pending", "2026-01-01", None, "")]
        with db.engine.begin() as conn:
            unit = conn.execute(text("INSERT INTO orgunit (name, kind, created_at) VALUES "
                                     "('测试中心', 'county', '2026-01-01') RETURNING id")).scalar()
            for n, (status, filed, exit_date, reason) in enumerate(rows):
                conn.execute(text(
                    "INSERT INTO worker (name, initials, id_number, ethnicity, phone, base_union,"
                    " employer, address, main_cause, single_parent, household_size,"
                    " household_income, essential_spending, on_dibao, bank_name, bank_card_no,"
                    " status, filed_on, exit_date, exit_reason, certificate_no, notes,"
                    " disability, updated_at, unit_id) VALUES (:name, '', :idn, '汉族', '', '',"
                    " '', '', 'illness', :no, 1, 0, 0, :no, '', '', :status, :filed, :exit,"
                    " :reason, '', '', '', '2026-01-01 00:00:00', :unit)"),
                    {"name": f"老档{n}", "idn": id_number(), "no": False, "status": status,
                     "filed": filed, "exit": exit_date, "reason": reason, "unit": unit})
        upgrade(directory=directory)
        got = db.session.execute(text(
            "SELECT w.name, e.opened_on, e.closed_on, e.close_kind, e.exit_cause FROM worker w "
            "JOIN worker_episode e ON e.worker_id = w.id ORDER BY w.id")).all()
        assert [(r[0], str(r[1]), r[2] and str(r[2]), r[3], r[4]) for r in got] == [
            ("老档0", "2024-03-01", None, None, None),
            ("老档1", "2023-05-01", "2025-06-30", "exited", "children_work"),
            ("老档2", "2024-01-01", "2024-09-01", "removed", None),
            ("老档3", "2022-01-01", "2024-12-01", "exited", "employment")]
        db.session.remove()
        with (pytest.raises(IntegrityError, match="closed history"),  # d6f9b2a5c8e3's guard
              db.engine.begin() as conn):
            conn.execute(text("UPDATE worker_episode SET close_reason = 'x' "
                              "WHERE closed_on IS NOT NULL"))
        db.session.remove()
        db.engine.dispose()


def test_a_pending_application_is_withdrawn_with_its_reason(app, client, auth):
    """不予建档: staff close a pending file from its page with a reason, without a review and
    without an episode; the reason is required; a file on record cannot be withdrawn, and
    the clerk may not do it at all."""
    with app.app_context():
        pending = make_worker(status="pending", filed_by_id=user("staff").id).id
        filed = on_record().id
    auth.login("clerk")
    assert client.post(f"/admin/worker/withdraw/?id={pending}",
                       data={"csrf_token": auth.token(), "reason": "x"}).status_code == 403
    auth.logout()
    auth.login("staff")
    page = client.get(f"/admin/worker/details/?id={pending}").get_data(as_text=True)
    assert 'id="withdraw-application"' in page
    assert 'id="withdraw-application"' not in client.get(
        f"/admin/worker/details/?id={filed}").get_data(as_text=True)
    page = client.post(f"/admin/worker/withdraw/?id={pending}", data={
        "csrf_token": auth.token(), "reason": "  "}, follow_redirects=True).get_data(as_text=True)
    assert "请填写不予建档的原因" in page
    with app.app_context():
        assert db.session.get(Worker, pending).status == "pending"
    page = client.post(f"/admin/worker/withdraw/?id={filed}", data={
        "csrf_token": auth.token(), "reason": "家庭收入已超标准"},
        follow_redirects=True).get_data(as_text=True)
    assert "只有待审核的档案可以不予建档" in page
    response = client.post(f"/admin/worker/withdraw/?id={pending}", data={
        "csrf_token": auth.token(), "reason": "家庭收入已超标准"})
    assert response.status_code == 302
    with app.app_context():
        worker = db.session.get(Worker, pending)
        assert (worker.status, worker.exit_reason, worker.exit_date) == (
            "removed", "家庭收入已超标准", today())
        assert episodes(pending) == []
        assert db.session.get(Worker, filed).status == "active"
