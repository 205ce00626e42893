"""One person across services (issue 19): a job seeker's page shows the training
follow-ups and loans of the same person's hardship file; a file's timeline shows the
referrals and placements of its person, whether registered from the file or the desk."""
from __future__ import annotations

import datetime as dt

from models import db
from models.employment_person import loans_of, referrals_of_file, training_of
from models.employment_rules import hire, undo_hire
from models.loan_rules import follow_up
from models.worker import Worker
from models.worker_timeline import household_file
from tests.factories import make_worker, user
from tests.factories_desk import make_person
from tests.factories_employment import make_referral, make_seeker, make_vacancy
from tests.factories_loans import disbursed_loan
from tests.factories_training import make_class, make_enrolment


def _history(worker):
    """Give ``worker`` a completed class followed up as re-employed and a loan with jobs."""
    klass = make_class(name="2026年第一期家政服务培训班", category="housekeeping",
                       state="finished")
    enrolment = make_enrolment(klass=klass, worker=worker, state="completed",
                               outcome="reemployed", outcome_on=dt.date(2026, 5, 6),
                               employer="阳光家政公司", completed_on=dt.date(2026, 4, 30))
    loan = disbursed_loan(worker=worker, jobs_created=3, issued_on=dt.date(2026, 2, 1))
    follow_up(loan, user("staff"), "2026-08-01", 2, "")
    make_enrolment(worker=make_worker())             # someone else's class
    disbursed_loan(jobs_created=9)                   # someone else's loan
    db.session.commit()
    return enrolment, loan


def test_a_seeker_from_the_file_sees_its_training_and_loans(app, client, auth):
    with app.app_context():
        worker = make_worker(name="孙桂英")
        enrolment, loan = _history(worker)
        seeker = make_seeker(worker=worker)
        assert [r.id for r in training_of(seeker)] == [enrolment.id]
        assert [(r.id, r.jobs_created, r.jobs_followed_up) for r in loans_of(seeker)] == [
            (loan.id, 3, 2)]
        pk, loan_id = seeker.id, loan.id
    for role in ("staff", "manager"):
        auth.login(role)
        page = client.get(f"/admin/jobseeker/details/?id={pk}").get_data(as_text=True)
        training = page.split('id="seeker-training"')[1].split("</table>")[0]
        assert "家政服务培训班" in training and "再就业" in training
        assert "阳光家政公司" in training and "2026-05-06" in training
        loans = page.split('id="seeker-loans"')[1].split("</table>")[0]
        assert f"JK-{loan_id}" in loans and ">3<" in loans and "2（2026-08-01）" in loans
        assert "电焊工" not in training  # the other worker's class
        auth.logout()


def test_a_desk_person_linked_to_a_file_is_the_same_person(app, client, auth):
    """Registered from the desk, the seeker still shows the file's training and loans;
    the referral's placement shows on the seeker's page and on the file's timeline."""
    with app.app_context():
        worker = make_worker(name="钱大勇")
        enrolment, loan = _history(worker)
        person = make_person(name="钱大勇", worker_id=worker.id, id_number=worker.id_number)
        seeker = make_seeker(person=person)
        referral = make_referral(seeker=seeker, vacancy=make_vacancy(title="小区保洁员"))
        hire(referral, user("staff"), "2026-03-10", "2600")
        db.session.commit()
        assert [r.id for r in training_of(seeker)] == [enrolment.id]
        assert [r.id for r in loans_of(seeker)] == [loan.id]
        pk, worker_id, referral_id = seeker.id, worker.id, referral.id
        file = household_file(db.session.get(Worker, worker_id), "staff")
        rows = [(e.on, e.kind, e.title, e.record_id) for y in file.years for e in y.entries
                if e.kind == "referral"]
        assert rows == [
            (dt.date(2026, 3, 10), "referral", "上岗：小区保洁员，月工资 2,600.00 元", referral_id),
            (dt.date(2026, 3, 2), "referral", "推荐应聘：小区保洁员", referral_id)]
        totals = {t.kind: t.count for y in file.years for t in y.totals}
        assert totals["referral"] == 2
        clerk = household_file(db.session.get(Worker, worker_id), "clerk")
        assert "referral" not in {t.kind for y in clerk.years for t in y.totals}
    auth.login("staff")
    page = client.get(f"/admin/jobseeker/details/?id={pk}").get_data(as_text=True)
    referrals = page.split('id="seeker-referrals"')[1].split("</table>")[0]
    assert "小区保洁员" in referrals and "已录用" in referrals and "2,600.00" in referrals
    assert 'id="seeker-training"' in page and 'id="seeker-loans"' in page
    timeline = client.get(f"/admin/worker/details/?id={worker_id}").get_data(as_text=True)
    assert "推荐应聘：小区保洁员" in timeline and "上岗：小区保洁员" in timeline
    assert f"/admin/referral/details/?id={referral_id}" in timeline


def test_an_undone_placement_leaves_only_the_referral(app):
    with app.app_context():
        worker = make_worker()
        referral = make_referral(seeker=make_seeker(worker=worker), state="hired")
        undo_hire(referral, user("staff"), "未到岗")
        db.session.commit()
        rows = referrals_of_file(worker.id)
        assert [(r.id, r.start_date) for r in rows] == [(referral.id, None)]
        file = household_file(db.session.get(Worker, worker.id), "staff")
        assert [e.title for y in file.years for e in y.entries if e.kind == "referral"] == [
            f"推荐应聘：{referral.vacancy.title}"]


def test_a_walk_in_without_a_file_has_no_training_or_loans(app, client, auth):
    with app.app_context():
        person = make_person(name="周新民")
        seeker = make_seeker(person=person)
        disbursed_loan(jobs_created=2)
        assert training_of(seeker) == [] and loans_of(seeker) == []
        pk = seeker.id
    auth.login("staff")
    page = client.get(f"/admin/jobseeker/details/?id={pk}").get_data(as_text=True)
    assert "未建困难职工档案" in page and 'id="seeker-loans"' not in page
    assert "暂无推荐记录" in page
