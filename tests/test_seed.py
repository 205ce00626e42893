"""Demo data: realistic, valid and reproducible."""
from __future__ import annotations

from sqlalchemy import func, select

from models import Assistance, FamilyMember, User, Worker, db
from models.idnumber import normalize_id_number
from models.ledger import ledger_differences
from seed import demo


def snapshot():
    rows = db.session.execute(select(Worker.name, Worker.id_number, Worker.status,
                                     Worker.category).order_by(Worker.id)).all()
    return [tuple(r) for r in rows]


def test_seed_is_valid_and_varied(app, demo):
    """`portal seed` makes valid files with households, every status and category."""
    assert "admin12345" in demo  # the demo logins are printed
    with app.app_context():
        workers = db.session.scalars(select(Worker)).all()
        assert len(workers) == 150
        for worker in workers:
            assert normalize_id_number(worker.id_number) == worker.id_number
            assert worker.gender in ("M", "F") and worker.per_capita_income is not None
        assert {w.status for w in workers} == {"pending", "active", "exited", "removed"}
        assert {w.category for w in workers} == {"deep", "relative", "accident", "migrant"}
        assert len({w.employer for w in workers}) >= 10
        states = set(db.session.scalars(select(Assistance.state)))
        assert states == {"applied", "verified", "approved", "paid", "rejected", "reversed"}
        assert ledger_differences() == []
        assert db.session.scalar(select(func.count()).select_from(FamilyMember)) > 150
        roles = set(db.session.scalars(select(User.role)))
        assert roles == {"admin", "staff", "clerk", "manager"}
    _is_a_county_with_three_stations(app, demo)


def test_seed_is_reproducible(app, shared_app):
    """The same seed gives the same people in two fresh databases."""
    snapshots = []
    for _ in range(2):
        shared_app.reset()
        with app.app_context():
            demo.load(workers=30, seed=11)
            snapshots.append(snapshot())
    assert snapshots[0] == snapshots[1] and len(snapshots[0]) == 30


def test_seed_if_empty_does_nothing_twice(app, runner):
    """`--if-empty` leaves a database with files alone."""
    runner.invoke(args=["seed", "--workers", "5"])
    runner.invoke(args=["seed", "--workers", "5", "--if-empty"])
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Worker)) == 5


def test_demo_redemptions_spread_over_past_months(app, demo):
    """The counter's history goes back two months, oldest first, not all of it today."""
    from models import Redemption
    from models.base import CHINA, today

    with app.app_context():
        times = db.session.scalars(select(Redemption.at).order_by(Redemption.id)).all()
        days = [(at + CHINA).date() for at in times]
        assert len(days) >= 10
        assert len({(d.year, d.month) for d in days}) >= 2
        assert sum(d == today() for d in days) < len(days) / 2
        assert (today() - min(days)).days >= 40
        assert times == sorted(times)
        assert ledger_differences() == []


def _is_a_county_with_three_stations(app, output: str) -> None:
    """The demo is a county centre with a 街道, a 乡镇 and an 企业 station; station1 is the
    first station's 帮扶专干, the other demo logins the county's; every station keeps
    files with their aid, cards and loans, goods, donations and classes.

    Asked of the demo centre test_seed_is_valid_and_varied checks."""
    from models import Donation, Item, Loan, LoveCard, Redemption, TrainingClass
    from models.orgunit import OrgUnit

    assert "station1 / station12345" in output and "文昌街道帮扶站" in output
    with app.app_context():
        county = db.session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None)))
        assert county.kind == "county" and county.name == "长清区总工会困难职工帮扶中心"
        stations = county.children
        assert [s.name for s in stations] == ["文昌街道帮扶站", "马山镇帮扶站",
                                              "济南华美焊接有限公司工会帮扶站"]
        assert {s.kind for s in stations} == {"station"}
        station1 = db.session.scalar(select(User).where(User.username == "station1"))
        assert station1.role == "staff" and station1.unit_id == stations[0].id
        assert station1.check_password("station12345")
        others = db.session.scalars(select(User.unit_id).where(User.username != "station1"))
        assert set(others) == {county.id}
        for model in (Worker, Assistance, LoveCard, Loan, Redemption, Item, Donation,
                      TrainingClass):
            held = dict(db.session.execute(select(model.unit_id, func.count())
                                           .group_by(model.unit_id)).all())
            assert set(held) == {county.id, *(s.id for s in stations)}, model.__name__
        # Aid, cards and loans are their worker's unit's.
        for model in (Assistance, LoveCard, Loan):
            assert not db.session.scalar(select(func.count()).select_from(model).join(
                Worker, Worker.id == model.worker_id).where(model.unit_id != Worker.unit_id))
        filed = db.session.scalars(select(Worker.filed_by_id).where(
            Worker.unit_id == stations[0].id)).all()
        assert set(filed) == {station1.id}
