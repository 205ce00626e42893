"""Imports keep to the importer's units: no row changes another unit's record."""
from __future__ import annotations

from sqlalchemy import select

from models import Item, Worker, db
from portal.excel import item_import
from portal.excel.importer import run_import
from portal.excel.specs import worker_spec
from tests.excel_files import worker_book, worker_row
from tests.factories import id_number, make_worker
from tests.test_import_goods import book, item_row
from tests.units import make_tree, signed_in, unit_user


def _worker(number: str) -> Worker:
    return db.session.scalar(select(Worker).where(Worker.id_number == number))


def test_station_import_cannot_change_another_stations_file(app):
    with app.app_context():
        tree = make_tree()
        theirs = make_worker(name="李秀英", unit_id=tree.b, employer="西乡农机厂")
        number, new = theirs.id_number, id_number()
        data = worker_book([worker_row(number, employer="改掉"), worker_row(new)])
        with signed_in(app, "a_staff"):
            report = run_import(worker_spec(), data, unit_user("a_staff"), dry_run=False)
            errors = " ".join(str(e) for e in report.errors)
        assert not report.written
        assert "西乡帮扶站" in errors and number not in errors  # where, with the number masked
        assert number[:3] + "*" in errors
        db.session.expire_all()
        assert _worker(number).employer == "西乡农机厂"
        assert _worker(new) is None  # all or nothing


def test_station_import_updates_its_own_and_files_new_ones_at_the_station(app):
    with app.app_context():
        tree = make_tree()
        ours = make_worker(unit_id=tree.a, employer="东街五金厂")
        number, new = ours.id_number, id_number()
        data = worker_book([worker_row(number, employer="东街五金二厂"), worker_row(new)])
        with signed_in(app, "a_staff"):
            report = run_import(worker_spec(), data, unit_user("a_staff"), dry_run=False)
        assert report.written, report.errors
        db.session.expire_all()
        assert _worker(number).employer == "东街五金二厂"
        assert _worker(new).unit_id == tree.a


def test_county_import_may_change_a_stations_file(app):
    with app.app_context():
        tree = make_tree()
        theirs = make_worker(unit_id=tree.b, employer="西乡农机厂")
        data = worker_book([worker_row(theirs.id_number, employer="西乡农机二厂")])
        with signed_in(app, "c_staff"):
            report = run_import(worker_spec(), data, unit_user("c_staff"), dry_run=False)
        assert report.written, report.errors
        db.session.expire_all()
        assert _worker(theirs.id_number).employer == "西乡农机二厂"
        assert _worker(theirs.id_number).unit_id == tree.b  # it stays the station's


def test_goods_import_keeps_each_units_own_list(app):
    with app.app_context():
        tree = make_tree()
        db.session.add(Item(name="大米 5kg", unit="袋", category="grain_oil", barcode="6901",
                            unit_id=tree.county))
        db.session.commit()
        data = book(app, "item", [item_row("大米 5kg", barcode="6901", points_price="50.00")])
        with signed_in(app, "a_clerk"):
            report = run_import(item_import.spec(), data, unit_user("a_clerk"), dry_run=False)
        assert report.written, report.errors
        items = db.session.scalars(select(Item).where(Item.name == "大米 5kg")
                                   .order_by(Item.id)).all()
        assert [(i.unit_id, str(i.points_price)) for i in items] == [
            (tree.county, "0.00"), (tree.a, "50.00")]


def test_station_import_issues_certificates_at_its_own_station_only(app):
    """The cards an import's files are due are issued within the importer's units: a due
    file of another station is left to its own staff (and its audit to their names)."""
    from models import WorkerCertificate

    with app.app_context():
        tree = make_tree()
        theirs = make_worker(unit_id=tree.b, status="active", category="deep").id
        new = id_number()
        data = worker_book([worker_row(new, category="深度困难", status="在档",
                                       filed_on="2026-02-01")])
        with signed_in(app, "a_staff"):
            report = run_import(worker_spec(), data, unit_user("a_staff"), dry_run=False)
            assert report.written, report.errors
            db.session.commit()
        holders = set(db.session.scalars(select(WorkerCertificate.worker_id)))
        assert holders == {_worker(new).id} and theirs not in holders
