"""Run jobs at the same moment in threads, each in its own app context (PostgreSQL races)."""
from __future__ import annotations

import threading

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from models import DomainError, db

REFUSED = (DomainError, IntegrityError, StaleDataError)


def race(app, jobs, refused=REFUSED) -> list[str]:
    """Run each ``job()`` in its own thread and app context at the same moment.

    A job prepares (loads what it needs) and returns the action; all threads then wait
    for each other and act at once. Each result is "done" (committed) or the class name
    of the refusal.
    """
    barrier, results = threading.Barrier(len(jobs)), []

    def run(job):
        with app.app_context():
            action = job()
            barrier.wait()
            try:
                action()
                db.session.commit()
                results.append("done")
            except refused as exc:
                db.session.rollback()
                results.append(type(exc).__name__)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(results) == len(jobs), "a thread hung"
    return results
