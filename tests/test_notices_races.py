"""Races on notices (PostgreSQL): what was published is exactly what the manager saw."""
from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from models import Assistance, AuditLog, Notice, NoticeLine, db
from models.base import DomainError, freeze_today, today
from models.notice_lines import add_lines
from models.notice_rules import close_ended, publish
from tests.conftest import postgres_only
from tests.factories import user
from tests.factories_notices import make_education, make_notice, make_published


@postgres_only
def test_a_line_added_while_publishing_is_refused(app):
    """Staff add a line to the draft a manager is publishing: the add loses, no loose line."""
    with app.app_context():
        pk = make_notice([make_education("甲一")]).id
        extra = make_education("乙二").id
    loaded, published, outcome = threading.Event(), threading.Event(), {}

    def staff():
        with app.app_context():
            notice = db.session.get(Notice, pk)
            assert notice.state == "draft" and len(notice.lines) == 1
            loaded.set()
            published.wait(10)
            try:
                add_lines(notice, [db.session.get(Assistance, extra)])
                db.session.commit()
                outcome["staff"] = "saved"
            except (StaleDataError, DomainError) as exc:
                db.session.rollback()
                outcome["staff"] = type(exc).__name__

    def manager():
        loaded.wait(10)
        with app.app_context():
            publish(db.session.get(Notice, pk), user("manager"))
            db.session.commit()
        published.set()

    threads = [threading.Thread(target=staff), threading.Thread(target=manager)]
    [t.start() for t in threads]
    [t.join(20) for t in threads]
    assert outcome["staff"] == "StaleDataError"
    with app.app_context():
        lines = db.session.scalars(select(NoticeLine).where(NoticeLine.notice_id == pk)).all()
        assert [(line.masked_name, line.frozen_at is not None) for line in lines] == [
            ("甲*", True)]


@postgres_only
def test_ending_a_notice_twice_at_once_logs_it_once(app):
    """Two requests closing the same ended notice write one state change between them."""
    with app.app_context():
        ends_on = make_published().ends_on
    freeze_today(ends_on + dt.timedelta(days=1))
    barrier, counts = threading.Barrier(4), []

    def close():
        with app.app_context():
            barrier.wait()
            counts.append(close_ended(today()))
            db.session.commit()

    threads = [threading.Thread(target=close) for _ in range(4)]
    [t.start() for t in threads]
    [t.join(20) for t in threads]
    assert sorted(counts) == [0, 0, 0, 1]
    with app.app_context():
        assert db.session.scalar(select(Notice.state)) == "ended"
        rows = db.session.scalars(select(AuditLog).where(AuditLog.record_type == "notice"))
        assert [r.changes for r in rows].count({"state": ["published", "ended"]}) == 1
