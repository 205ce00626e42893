"""The role matrix, walked for every role × registered endpoint × verb."""
from __future__ import annotations

import re

import pytest

from models import db
from models.permissions import allows
from portal.registry import ROLES, record_types
from tests.samples import MAKERS, make_sample

ENDPOINTS = [rt.endpoint for rt in record_types()]
PERMS = {rt.endpoint: rt for rt in record_types()}
CASES = [(role, ep, verb) for role in ROLES for ep in ENDPOINTS
         for verb in ("list", "create", "edit", "delete", "export")]
LETTER = {"list": "R", "create": "C", "edit": "U", "delete": "D", "export": "X"}


def test_every_endpoint_has_a_sample():
    """Adding a record type without a sample for these tests fails here."""
    assert set(ENDPOINTS) <= set(MAKERS)


@pytest.mark.parametrize("role,endpoint,verb", CASES)
def test_matrix(app, client, auth, role, endpoint, verb):
    """A role gets the page if the registry allows the verb, else 403 and nothing changes."""
    record_type = PERMS[endpoint]
    allowed = record_type.allows(role, LETTER[verb])
    with app.app_context():
        pk = make_sample(endpoint)
    auth.login(role)
    base = f"/admin/{endpoint}/"
    if verb == "delete":
        token = auth.token()
        response = client.post(base + "delete/", data={"id": pk, "csrf_token": token})
        with app.app_context():
            still_there = db.session.get(record_type.model, pk) is not None
        assert response.status_code == (302 if allowed else 403)
        assert still_there is not allowed
        return
    url = {"list": base, "create": base + "new/", "edit": f"{base}edit/?id={pk}",
           "export": base + "export/xlsx/"}[verb]
    response = client.get(url)
    assert response.status_code == (200 if allowed else 403), url
    if allowed and verb == "export":
        assert response.data[:2] == b"PK"


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_anonymous_is_sent_to_login(client, endpoint):
    """Without a login every admin URL redirects to the login page, never a loop or 500."""
    response = client.get(f"/admin/{endpoint}/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert client.get("/login").status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_menu_shows_only_readable_types(client, auth, role):
    """The menu links to exactly the record types the role may read."""
    auth.login(role)
    page = client.get("/admin/").get_data(as_text=True)
    linked = set(re.findall(r'href="/admin/([a-z]+)/"', page))
    expected = {rt.endpoint for rt in record_types() if rt.allows(role, "R")}
    if allows(role, "report", "R"):  # the year-end statistics: a page, not a record type
        expected.add("report")
    assert linked == expected


@pytest.mark.parametrize("role", ROLES)
def test_bulk_delete_action_checks_role(app, client, auth, role):
    """The list's bulk delete action is refused server-side for roles without D."""
    with app.app_context():
        pk = make_sample("worker")
    auth.login(role)
    response = client.post("/admin/worker/action/", data={
        "action": "delete", "rowid": [pk], "csrf_token": auth.token()})
    allowed = PERMS["worker"].allows(role, "D")
    assert response.status_code == (302 if allowed else 403)
