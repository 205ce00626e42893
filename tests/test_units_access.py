"""The access matrix per unit: a station sees only its own records, its county sees both.

Every record type of the registry that belongs to a unit is walked: its sample is made
and put at station B, then a user of station A (each role that may read it) asks for it
by URL (details, edit, every custom page taking an id), in the list and its count, the
export, every ajax lookup and every related-record select of the create form. The
county's user gets it everywhere. A new record type is walked without code of its own.
"""
from __future__ import annotations

import io

import pytest
from flask_admin.contrib.sqla.fields import QuerySelectField
from openpyxl import load_workbook
from sqlalchemy import func, select

from models import db
from models.orgunit import OrgUnit
from models.permissions import allows
from models.unit_scope import UnitScoped, scoped_model, unit_of
from portal.registry import record_types
from tests.conftest import Auth
from tests.samples import make_sample
from tests.test_access_routes import ROUTES
from tests.units import admin_views, make_tree, move_everything_to, signed_in

SCOPED = [rt for rt in record_types()
          if rt.model is OrgUnit or scoped_model(rt.model) is not None]
ENDPOINTS = [rt.endpoint for rt in SCOPED]
ROLE_ORDER = ("admin", "manager", "staff", "clerk")
MISSING = 987654321


def role_for(endpoint: str, verb: str) -> str | None:
    """Return the first role that may do ``verb`` on ``endpoint``."""
    return next((r for r in ROLE_ORDER if allows(r, endpoint, verb)), None)


def place_sample(app, endpoint: str):
    """Make ``endpoint``'s sample, put it (and all it hangs on) at station B."""
    with app.app_context():
        pk = make_sample(endpoint)
        tree = make_tree()
        move_everything_to(tree.b)
        if endpoint == "orgunit":  # a unit beside the stations, under the county
            db.session.get(OrgUnit, pk).parent_id = tree.county
            db.session.commit()
    return tree, pk


def client_of(app, name: str, role: str):
    client = app.test_client()
    Auth(client).login(role, username=name)
    return client


def test_the_walk_covers_the_record_types():
    """Every record type holding households' or places' records is walked."""
    assert {"worker", "familymember", "assistance", "lovecard", "cardentry", "redemption",
            "item", "stockmovement", "stocklot", "stocktake", "donation", "trainingclass",
            "enrolment", "loan", "repayment", "notice", "objection", "user",
            "orgunit"} <= set(ENDPOINTS)
    assert not {"fund", "fundentry", "auditlog", "setting"} & set(ENDPOINTS)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_record_pages_of_another_station_are_not_found(app, endpoint):
    """Details, edit and every custom page of B's record answer 404 at A, 200 at the county."""
    _tree, pk = place_sample(app, endpoint)
    role = role_for(endpoint, "R")
    station, county = client_of(app, f"a_{role}", role), client_of(app, f"c_{role}", role)
    base = f"/admin/{endpoint}"
    assert station.get(f"{base}/details/?id={pk}").status_code == 404
    assert county.get(f"{base}/details/?id={pk}").status_code == 200
    editor = role_for(endpoint, "U")
    if editor:
        other = client_of(app, f"a_{editor}", editor)
        assert other.get(f"{base}/edit/?id={pk}").status_code == 404
        # 405: an edit page that takes no POST (a review is filled in by its steps).
        assert other.post(f"{base}/edit/?id={pk}", data={}).status_code in (400, 404, 405)
    for route_endpoint, name, url, methods, verb in ROUTES:
        who = role_for(endpoint, verb)
        if route_endpoint != endpoint or "GET" not in methods or who is None:
            continue
        county = client_of(app, f"c_{who}", who)
        if (county.get(f"{base}{url}?id={MISSING}").status_code != 404
                or county.get(f"{base}{url}?id={pk}").status_code >= 400):
            continue  # a page that takes no record id (a list, a search, an import)
        station = client_of(app, f"a_{who}", who)
        assert station.get(f"{base}{url}?id={pk}").status_code == 404, name


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_lists_counts_and_exports_keep_to_the_unit(app, endpoint):
    """B's record is in the county's list, count and export, not in A's."""
    _tree, pk = place_sample(app, endpoint)
    role = role_for(endpoint, "R")
    for name, seen in ((f"a_{role}", False), (f"c_{role}", True)):
        with signed_in(app, name):
            view = admin_views(app)[endpoint]
            count, rows = view.get_list(0, None, False, None, [], page_size=1000)
            ids = {getattr(r, "id", None) for r in rows}
            assert (pk in ids) is seen, name
            assert (count or 0) >= len(rows)
            if not seen and endpoint not in ("orgunit", "user"):  # A's own are there
                assert count == 0 and rows == []
    exporter = role_for(endpoint, "X")
    if exporter and endpoint != "orgunit":
        for name, rows in ((f"a_{exporter}", 0), (f"c_{exporter}", None)):
            response = client_of(app, name, exporter).get(f"/admin/{endpoint}/export/xlsx/")
            assert response.status_code == 200
            sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
            data_rows = sum(1 for _row in sheet.iter_rows(min_row=2) if any(
                c.value not in (None, "") for c in _row))
            if rows == 0:
                assert data_rows == 0, name
            else:
                assert data_rows >= 1, name


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_lookups_and_form_choices_offer_no_other_unit(app, endpoint):
    """Every ajax lookup and related-record select of the forms keeps to the user's units:
    a forged id of B's record posted by A is no choice (the lookup does not find it)."""
    _tree, _pk = place_sample(app, endpoint)
    role = role_for(endpoint, "C") or role_for(endpoint, "R")
    for name, seen in ((f"a_{role}", False), (f"c_{role}", True)):
        with signed_in(app, name, f"/admin/{endpoint}/new/"):
            view = admin_views(app)[endpoint]
            for loader in getattr(view, "_form_ajax_refs", {}).values():
                scoped = issubclass(loader.model, UnitScoped)
                total = db.session.scalar(select(func.count()).select_from(loader.model))
                found = loader.get_query().count()
                assert found == (total if seen or not scoped else 0), (name, loader.name)
                some = db.session.scalar(select(loader.model).limit(1))
                if some is not None and scoped:
                    assert (loader.get_one(some.id) is not None) is seen, loader.name
            if not view.allows("C"):
                continue
            form = view.create_form()
            for field in form:
                if isinstance(field, QuerySelectField):
                    objects = [obj for _key, obj in field._get_object_list()]
                    outside = [o for o in objects if isinstance(o, (UnitScoped, OrgUnit))
                               and unit_of(o) not in _units_of(name)]
                    assert outside == [], (name, field.name)


def _units_of(name: str):
    from models.unit_scope import visible_units
    from tests.units import unit_user
    units = visible_units(unit_user(name))
    return units if units is not None else {u for u in db.session.scalars(select(OrgUnit.id))}


def test_the_counter_finds_no_card_of_another_station(app):
    """A station's clerk finds a card of station B neither by its number, nor by the
    holder's name or the last digits of the ID number; the county's clerk finds it every
    way (the counter's search once looked at every unit's cards)."""
    from tests.factories_inventory import make_card

    with app.app_context():
        card = make_card("100.00", name="欧阳秀英")
        ways = [card.card_no, "欧阳", card.worker.id_number[-4:], "oyxy"]
        tree = make_tree()
        move_everything_to(tree.b)
    station, county = client_of(app, "a_clerk", "clerk"), client_of(app, "c_clerk", "clerk")
    for q in ways:
        assert station.get(f"/admin/counter/find/?q={q}").get_json() == [], q
        assert [h["name"] for h in county.get(f"/admin/counter/find/?q={q}").get_json()] == [
            "欧阳秀英"], q
