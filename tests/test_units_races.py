"""The one-live-file rule across the federation, raced on PostgreSQL."""
from __future__ import annotations

from flask_login import login_user
from sqlalchemy import func, select

from models import DomainError, User, Worker, db
from models.worker_rules import check_people_unique
from tests.conftest import HASHES, postgres_only
from tests.factories import id_number, make_worker
from tests.races import race
from tests.units import make_tree, unit_user


def _filing(app, username: str, number: str):
    """Prepare station ``username``'s filing of ``number`` as the worker form does it."""
    def prepare():
        def act():
            with app.test_request_context("/admin/worker/new/"):
                user = unit_user(username)
                login_user(user)
                problems = check_people_unique(None, [number])
                if problems:
                    raise DomainError(problems[0])
                make_worker(commit=False, id_number=number, name=f"{username}建档")
                db.session.flush()  # as this station's user: the unit check runs here
        return act
    return prepare


@postgres_only
def test_two_stations_filing_one_person_at_once_make_one_file(app):
    """Stations A and B file the same ID number at the same moment: exactly one file."""
    with app.app_context():
        tree = make_tree()
        b_staff = User(username="b_staff", full_name="西乡专干", role="staff", unit_id=tree.b)
        b_staff.password_hash = HASHES["staff"]
        db.session.add(b_staff)
        db.session.commit()
    number = id_number()
    results = race(app, [_filing(app, "a_staff", number), _filing(app, "b_staff", number)])
    assert sorted(results)[-1] == "done" and results.count("done") == 1, results
    with app.app_context():
        files = db.session.scalars(select(Worker).where(Worker.id_number == number)).all()
        assert len(files) == 1
        assert files[0].unit_id in (tree.a, tree.b)
        assert db.session.scalar(select(func.count()).select_from(Worker)) == 1
