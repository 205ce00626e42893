"""Reviews: assigned, submitted with a snapshot, approved by a second person; the bulk
action only starts them; the start page lists the overdue and those awaiting me."""
from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from models import Worker, WorkerEpisode, WorkerReview, db
from models.base import DomainError, today
from models.worker_episode_rules import open_episode_of
from models.worker_review_rules import approve, submit
from models.worker_snapshots import history, income_at_filing_and_now
from tests.conftest import flashes
from tests.factories import user
from tests.factories_reviews import make_review, on_record, review_form


def test_two_reviews_keep_two_snapshots_and_income_at_filing(ctx):
    """Filing, then two approved reviews: three snapshots; filing income and now both known."""
    worker = on_record(household_income=Decimal("24000"), essential_spending=Decimal("0"),
                       household_size=2)
    make_review("approved", worker, household_income="36000")
    make_review("approved", worker, household_income="48000", new_category="deep")
    snaps = history(worker.id)
    assert [s.source for s in snaps] == ["filing", "review", "review"]
    assert income_at_filing_and_now(worker.id) == (Decimal("1000.00"), Decimal("2000.00"))
    assert worker.household_income == Decimal("48000") and worker.category == "deep"
    assert worker.last_reviewed_on is not None and worker.reviewed_by_id == user("staff").id


def test_whoever_submitted_cannot_approve_by_rule(ctx):
    """The rule refuses the submitter, in Chinese; another user with A may approve."""
    review = make_review("submitted")
    with pytest.raises(DomainError, match="提交复核的人不能审批"):
        approve(review, _as_submitter(review))
    approve(review, user("manager"))
    assert review.state == "approved" and review.approved_by_id == user("manager").id


def _as_submitter(review):
    """The submitter, given the A verb (an admin who reviewed their own file)."""
    admin = user("admin")
    review.reviewed_by_id = admin.id
    return admin


def test_database_refuses_approval_by_the_submitter(ctx):
    """The CHECK behind the rule: a direct UPDATE that bypasses it fails."""
    review = make_review("submitted")
    with pytest.raises(IntegrityError, match="second_person"):
        db.session.execute(text("UPDATE worker_review SET state = 'approved', approved_by_id ="
                                " reviewed_by_id WHERE id = :id"), {"id": review.id})
        db.session.flush()
    db.session.rollback()


def test_only_the_assignee_submits_and_bad_figures_are_refused(ctx):
    """Another user, a negative income or an exit without its reason: refused in Chinese."""
    review = make_review()
    with pytest.raises(DomainError, match="只有被分派的复核人"):
        submit(review, user("admin"), review_form(review.worker))
    with pytest.raises(DomainError, match="不小于零的金额"):
        submit(review, user("staff"), review_form(review.worker, household_income="-5"))
    with pytest.raises(DomainError, match="脱困原因"):
        submit(review, user("staff"), review_form(review.worker, conclusion="exit"))


@pytest.mark.parametrize("conclusion,extra,status,kind", [
    ("exit", {"exit_cause": "employment"}, "exited", "exited"),
    ("remove", {"conclusion_reason": "经核实不符合条件"}, "removed", "removed")])
def test_exit_and_withdrawal_close_the_episode(ctx, conclusion, extra, status, kind):
    """An approved 脱困 or 撤档 closes the file and its episode as that kind."""
    review = make_review("approved", conclusion=conclusion, **extra)
    worker = review.worker
    assert worker.status == status and open_episode_of(worker) is None
    episode = db.session.scalar(select(WorkerEpisode).where(WorkerEpisode.worker_id ==
                                                            worker.id))
    assert episode.close_kind == kind
    assert episode.exit_cause == ("employment" if kind == "exited" else None)


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_bulk_action_only_starts_reviews(app, client, auth):
    """The action leads to a form; its POST (with CSRF) assigns reviews, marks nothing."""
    with app.app_context():
        ids = [on_record().id, on_record().id]
        reviewed = {i: db.session.get(Worker, i).last_reviewed_on for i in ids}
        staff_id = user("staff").id
    auth.login("manager")
    response = client.post("/admin/worker/action/", data={
        "action": "start_review", "rowid": ids, "csrf_token": auth.token()})
    assert response.status_code == 302 and "/admin/workerreview/new/" in response.location
    page = client.get(response.location).get_data(as_text=True)
    assert 'id="review-assign-form"' in page and "发起复核" in page
    due = (today() + dt.timedelta(days=20)).isoformat()
    data = {"ids": ",".join(map(str, ids)), "assigned_to": staff_id, "due_on": due}
    assert client.post("/admin/workerreview/new/", data=data).status_code == 400  # no CSRF
    with app.app_context():
        assert _count(WorkerReview) == 0
    done = client.post("/admin/workerreview/new/", data={**data, "csrf_token": auth.token()},
                       follow_redirects=True).get_data(as_text=True)
    assert "已将 2 份复核分派给" in flashes(done)
    with app.app_context():
        reviews = db.session.scalars(select(WorkerReview)).all()
        assert {(r.state, r.assigned_to_id, r.due_on.isoformat()) for r in reviews} == {
            ("assigned", staff_id, due)}
        assert {i: db.session.get(Worker, i).last_reviewed_on for i in ids} == reviewed
    again = client.post("/admin/workerreview/new/", data={**data, "csrf_token": auth.token()},
                        follow_redirects=True).get_data(as_text=True)
    assert "该档案已有在办的复核" in flashes(again)


def test_bad_input_is_a_4xx_or_a_message(app, client, auth):
    """A forged id list is a 400; bad dates and figures a Chinese message, never a 500."""
    with app.app_context():
        review_id = make_review().id
    auth.login("staff")
    assert client.get("/admin/workerreview/new/?ids=abc").status_code == 400
    page = client.post("/admin/workerreview/new/", data={
        "ids": "1", "assigned_to": "x", "due_on": "soon", "csrf_token": auth.token()},
        follow_redirects=True)
    assert page.status_code == 200 and "请选择档案、复核人和完成期限" in page.get_data(as_text=True)
    page = client.post(f"/admin/workerreview/step/?id={review_id}", data={
        "step": "submit", "csrf_token": auth.token(), "household_size": "0",
        "household_income": "1", "essential_spending": "0", "conclusion": "continue"},
        follow_redirects=True)
    assert "家庭人口必须是不小于 1 的整数" in flashes(page.get_data(as_text=True))


@pytest.mark.parametrize("role", ["clerk", "staff"])
def test_roles_without_the_verb_get_403(app, client, auth, role):
    """Clerks may not start reviews; staff may not approve; both see 403, nothing changes."""
    with app.app_context():
        pk = on_record().id
        submitted = make_review("submitted").id
    auth.login(role)
    token = auth.token()
    if role == "clerk":
        assert client.post("/admin/worker/action/", data={
            "action": "start_review", "rowid": [pk], "csrf_token": token}).status_code == 403
        assert client.get(f"/admin/workerreview/new/?ids={pk}").status_code == 403
        assert client.get(f"/admin/workerreview/step/?id={submitted}").status_code == 403
    response = client.post(f"/admin/workerreview/step/?id={submitted}", data={
        "step": "approve", "csrf_token": token})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(WorkerReview, submitted).state == "submitted"


def test_submit_and_approve_through_the_pages(app, client, auth):
    """Staff submit on the workflow page; the manager finds it on the start page, approves."""
    with app.app_context():
        review = make_review()
        pk, form = review.id, review_form(review.worker, household_income="12345")
    auth.login("staff")
    page = client.get(f"/admin/workerreview/step/?id={pk}").get_data(as_text=True)
    assert 'id="step-submit"' in page
    client.post(f"/admin/workerreview/step/?id={pk}", data={
        **form, "step": "submit", "csrf_token": auth.token()})
    auth.logout()
    auth.login("manager")
    start = client.get("/admin/").get_data(as_text=True)
    assert "待我审批的复核" in start
    waiting = re.search(r'id="fig-reviews-to-approve"[^>]*href="([^"]+)"', start)
    listed = client.get(html.unescape(waiting.group(1))).get_data(as_text=True)
    assert f"/admin/workerreview/step/?id={pk}" in listed
    client.post(f"/admin/workerreview/step/?id={pk}", data={
        "step": "approve", "csrf_token": auth.token()})
    with app.app_context():
        review = db.session.get(WorkerReview, pk)
        assert review.state == "approved"
        assert review.worker.household_income == Decimal("12345")


def test_start_page_lists_overdue_reviews(app, client, auth):
    """An overdue review is on the start page; staff have no approval list."""
    with app.app_context():
        review = make_review()
        review.due_on = today() - dt.timedelta(days=1)
        db.session.commit()
        pk = review.id
    auth.login("staff")
    page = client.get("/admin/").get_data(as_text=True)
    assert "逾期未完成的复核" in page
    assert "待我审批的复核" not in page  # staff may not approve
    overdue = re.search(r'id="fig-reviews-past-due"[^>]*href="([^"]+)"', page)
    listed = client.get(html.unescape(overdue.group(1))).get_data(as_text=True)
    assert f"/admin/workerreview/step/?id={pk}" in listed
