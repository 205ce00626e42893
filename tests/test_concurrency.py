"""Two users filing the same person at the same moment (PostgreSQL)."""
from __future__ import annotations

import threading
import time

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from models import FamilyMember, Worker, db
from tests.conftest import Auth, flashes, postgres_only
from tests.factories import id_number, make_worker
from tests.test_workers import form


@postgres_only
def test_database_serialises_a_true_race(app):
    """The second transaction waits on the first and then fails on the unique index."""
    number, started, outcome = id_number(), threading.Event(), {}

    def first():
        with app.app_context():
            make_worker(commit=False, id_number=number, name="先到")
            db.session.flush()
            started.set()
            time.sleep(0.5)  # hold the index entry while the second insert arrives
            db.session.commit()

    def second():
        started.wait()
        with app.app_context():
            try:
                make_worker(commit=False, name="后到",
                            members=[{"name": "后到", "id_number": number}])
                db.session.commit()
                outcome["second"] = "saved"
            except IntegrityError as exc:
                db.session.rollback()
                outcome["second"] = "uq_person_in_file_live" in str(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    [t.start() for t in threads]
    [t.join(10) for t in threads]
    assert outcome["second"] is True
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Worker)) == 1
        assert db.session.scalar(select(func.count()).select_from(FamilyMember)) == 0


@postgres_only
def test_concurrent_form_posts_leave_one_file(app):
    """Eight users post the same ID number at once: one file, seven clear errors."""
    number, barrier, pages = id_number(), threading.Barrier(8), []
    clients = []
    for _ in range(8):
        client = app.test_client()
        auth = Auth(client)
        auth.login("staff")
        clients.append((client, auth.token()))

    def post(client, token):
        barrier.wait()
        response = client.post("/admin/worker/new/", data=form(
            token, id_number=number, confirm_duplicates="y"))
        pages.append((response.status_code, response.get_data(as_text=True)))

    threads = [threading.Thread(target=post, args=c) for c in clients]
    [t.start() for t in threads]
    [t.join(30) for t in threads]
    assert sorted(code for code, _ in pages) == [302] + [422] * 7
    for code, page in pages:
        if code == 422:
            assert "已在" in page or "已存在" in flashes(page), flashes(page)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Worker)) == 1
