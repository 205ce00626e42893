"""Units beyond the walk: forged ids in forms, search, the one-live-file rule across
stations, the org-unit pages and the unit a new record is filed at."""
from __future__ import annotations

from sqlalchemy import func, select

from models import Assistance, User, Worker, db
from models.orgunit import OrgUnit
from models.worker_rules import check_people_unique
from tests.conftest import Auth, flashes
from tests.factories import make_fund, make_worker
from tests.units import make_tree, signed_in


def _client(app, name, role):
    client = app.test_client()
    auth = Auth(client)
    auth.login(role, username=name)
    return client, auth


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _apply_for_aid(client, auth, worker_id, fund_id):
    """Post the aid application form for ``worker_id``, paid from ``fund_id``."""
    return client.post("/admin/assistance/new/", data={
        "csrf_token": auth.token(), "worker": worker_id, "kind": "living", "year": "2026",
        "campaign": "2026年春节送温暖", "reason": "重病住院", "cash_amount": "800.00",
        "goods_value": "0", "out_of_pocket": "0", "fund": fund_id})


def test_aid_for_another_stations_worker_is_refused(app):
    """A forged worker id of station B in A's aid form creates nothing."""
    with app.app_context():
        tree = make_tree()
        worker_id = make_worker(unit_id=tree.b).id
        fund_id = make_fund().id
    client, auth = _client(app, "a_staff", "staff")
    response = _apply_for_aid(client, auth, worker_id, fund_id)
    assert response.status_code == 422  # the form again, with the worker refused
    with app.app_context():
        assert _count(Assistance) == 0
    client, auth = _client(app, "c_staff", "staff")
    response = _apply_for_aid(client, auth, worker_id, fund_id)
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    with app.app_context():
        aid = db.session.scalar(select(Assistance))
        assert aid.unit_id == tree.b  # the worker's unit, whoever filed it


def test_search_finds_only_the_units_files(app):
    """Searching another station's ID number finds nothing; the county finds it."""
    with app.app_context():
        tree = make_tree()
        number = make_worker(name="西乡困难户", unit_id=tree.b).id_number
    station, _auth = _client(app, "a_staff", "staff")
    county, _auth = _client(app, "c_manager", "manager")
    assert "西乡困难户" not in station.get(f"/admin/worker/?search={number}").get_data(
        as_text=True)
    assert "西乡困难户" in county.get(f"/admin/worker/?search={number}").get_data(as_text=True)


def test_a_live_file_elsewhere_is_named_masked(app):
    """Filing a person on file at another station is refused: holder masked, no file no."""
    with app.app_context():
        tree = make_tree()
        worker = make_worker(name="王建国", unit_id=tree.b)
        number = worker.id_number
    with signed_in(app, "a_staff"):
        [message] = check_people_unique(None, [number])
        assert "西乡帮扶站" in message and "王*国" in message
        assert "王建国" not in message and "档案编号" not in message
        assert number not in message
    with signed_in(app, "c_staff"):  # the county may open the file: named in full
        [message] = check_people_unique(None, [number])
        assert "王建国" in message


def test_a_county_files_at_a_station_a_station_at_home(app):
    """The county's create form offers its units (its own first); a station's has none."""
    with app.app_context():
        tree = make_tree()
    county, _auth = _client(app, "c_staff", "staff")
    page = county.get("/admin/worker/new/").get_data(as_text=True)
    assert 'name="org_unit"' in page and "西乡帮扶站" in page and "市总工会" not in page
    station, _auth = _client(app, "a_staff", "staff")
    page = station.get("/admin/worker/new/").get_data(as_text=True)
    assert 'name="org_unit"' not in page
    with signed_in(app, "a_staff"):
        worker = make_worker()
        assert worker.unit_id == tree.a
    with signed_in(app, "c_staff"):
        worker = make_worker(org_unit=db.session.get(OrgUnit, tree.b))
        assert worker.unit_id == tree.b


def test_the_unit_column_shows_above_station_level(app):
    with app.app_context():
        tree = make_tree()
        make_worker(unit_id=tree.a)
    county, _auth = _client(app, "c_manager", "manager")
    assert "所属单位" in county.get("/admin/worker/").get_data(as_text=True)
    station, _auth = _client(app, "a_manager", "manager")
    assert "所属单位" not in station.get("/admin/worker/").get_data(as_text=True)


def test_org_units_are_kept_within_the_admins_tree(app):
    """A county admin adds a station under the county, not under the city; a unit still
    holding users is not deleted."""
    with app.app_context():
        tree = make_tree()
    client, auth = _client(app, "c_admin", "admin")
    response = client.post("/admin/orgunit/new/", data={
        "csrf_token": auth.token(), "name": "南关帮扶站", "kind": "station",
        "parent": tree.county})
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    response = client.post("/admin/orgunit/new/", data={
        "csrf_token": auth.token(), "name": "越级帮扶站", "kind": "station",
        "parent": tree.root})
    assert response.status_code == 422
    response = client.post("/admin/orgunit/delete/", data={
        "csrf_token": auth.token(), "id": tree.a}, follow_redirects=True)
    assert "仍" in flashes(response.get_data(as_text=True))
    with app.app_context():
        assert _count(OrgUnit, OrgUnit.name == "南关帮扶站") == 1
        assert _count(OrgUnit, OrgUnit.name == "越级帮扶站") == 0
        assert db.session.get(OrgUnit, tree.a) is not None
    assert client.get(f"/admin/orgunit/edit/?id={tree.root}").status_code == 404


def test_users_are_placed_only_in_units_the_admin_sees(app):
    with app.app_context():
        tree = make_tree()
    client, auth = _client(app, "a_admin", "admin")
    for unit, made in ((tree.b, 0), (tree.a, 1)):
        client.post("/admin/user/new/", data={
            "csrf_token": auth.token(), "username": f"u{unit}", "full_name": "新用户",
            "role": "staff", "org_unit": unit, "active": "y",
            "new_password": "a-long-pass-123"})
        with app.app_context():
            assert _count(User, User.username == f"u{unit}") == made


def test_a_station_cannot_move_its_file_to_another_station(app):
    """The flush hook refuses a record changed into a unit the user does not see."""
    with app.app_context():
        tree = make_tree()
        pk = make_worker(unit_id=tree.a).id
    with signed_in(app, "a_staff"):
        worker = db.session.get(Worker, pk)
        worker.unit_id = tree.b
        try:
            db.session.flush()
        except Exception as exc:  # noqa: BLE001  (DomainError, in Chinese)
            assert "其他单位" in str(exc)
        else:
            raise AssertionError("moved to another station")
