"""Every custom route and every approval step, walked for every role.

``test_access.py`` walks list/create/edit/delete/export; this walks what views add on
top (workflow pages, printing, voiding, reversing, top-ups, imports, the counter, the
year-end report) and the A verb: each workflow step and bulk step by POST. The expected
answer comes from ``models.permissions``, so changing a line there changes the test.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from models import Assistance, AuditLog, Loan, db
from models.assistance_rules import WORKFLOW as AID_STEPS
from models.base import DomainError
from models.loan_rules import WORKFLOW as LOAN_STEPS
from models.loan_rules import approve
from models.permissions import PERMISSIONS, ROLES, allows, sees_masked_identity
from portal.registry import record_types
from tests.factories import make_assistance, user
from tests.factories_loans import make_loan
from tests.samples import make_sample
from views.base import VIEW_VERBS
from views.report import ReportView

# Flask-Admin's own routes are walked by test_access.py; the list action by the bulk tests.
STANDARD = set(VIEW_VERBS) | {"action_view"}


def _custom_routes():
    """Yield (endpoint, method name, url, http methods, verb) for every added route."""
    views = [(rt.endpoint, rt.view) for rt in record_types()] + [("report", ReportView)]
    for endpoint, view in views:
        for name in sorted(dir(view)):
            method = getattr(view, name, None)
            for url, methods in getattr(method, "_urls", ()):
                if name not in STANDARD:
                    yield (endpoint, name, url.replace("<export_type>", "xlsx"), methods,
                           getattr(method, "required_verb", None))


ROUTES = list(_custom_routes())
VIEWS = {rt.endpoint: rt.view for rt in record_types()}


def audit_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditLog))


def test_routes_are_found_and_each_names_its_verb():
    """The walk sees the routes the issue names, and no added route lacks a verb."""
    names = {(endpoint, name) for endpoint, name, *_ in ROUTES}
    for expected in [("assistance", "step_view"), ("assistance", "print_view"),
                     ("loan", "step_view"), ("counter", "void_view"),
                     ("cardentry", "reverse_view"), ("stockmovement", "reverse_view"),
                     ("lovecard", "topup_view"), ("worker", "import_view"),
                     ("donation", "receipt_view"), ("report", "xlsx"),
                     ("worker", "card_view"), ("worker", "certificate_view"),
                     ("worker", "certificate_reissue_view"), ("worker", "withdraw_view"),
                     ("cardtopup", "page_view"), ("cardtopup", "decide_view"),
                     ("handout", "give_view"), ("handout", "void_view")]:
        assert expected in names
    unmarked = [(endpoint, name) for endpoint, name, *_rest, verb in ROUTES if verb is None]
    assert unmarked == []


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint,name,url,methods,verb", ROUTES,
                         ids=[f"{r[0]}.{r[1]}" for r in ROUTES])
def test_custom_route(app, client, auth, role, endpoint, name, url, methods, verb):
    """A role without the route's verb gets 403 and nothing is written; with it, no 403."""
    with app.app_context():
        pk = make_sample(endpoint) if endpoint != "report" else ""
        before = audit_rows()
    auth.login(role)
    target = f"/admin/{endpoint}{url}?id={pk}"
    if "GET" in methods:
        response = client.get(target)
    else:
        response = client.post(target, data={"csrf_token": auth.token()})
    allowed = allows(role, endpoint, verb)
    # A page showing ID numbers whole (the 档案卡) is refused to roles that see them masked.
    if getattr(getattr(VIEWS.get(endpoint), name, None), "whole_identity", False):
        allowed = allowed and not sees_masked_identity(role, endpoint)
    assert (response.status_code == 403) is not allowed, (target, response.status_code)
    assert response.status_code < 500
    if not allowed:
        with app.app_context():
            assert audit_rows() == before + 1  # the login, nothing else


STEPS = [("assistance", AID_STEPS, name) for name in AID_STEPS.steps] + [
    ("loan", LOAN_STEPS, name) for name in LOAN_STEPS.steps]


def _record_in_first_state(endpoint, workflow, step):
    """Return the id of a record in a state the step starts from."""
    state = workflow[step].from_states[0]
    if endpoint == "assistance":
        return make_assistance(state=state).id
    return make_loan(state=state).id


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint,workflow,step", STEPS,
                         ids=[f"{s[0]}.{s[2]}" for s in STEPS])
def test_workflow_step_by_role(app, client, auth, role, endpoint, workflow, step):
    """POSTing a step: 403 and the record unchanged without the step's verb."""
    model = Assistance if endpoint == "assistance" else Loan
    with app.app_context():
        pk = _record_in_first_state(endpoint, workflow, step)
        state = db.session.get(model, pk).state
    auth.login(role)
    response = client.post(f"/admin/{endpoint}/step/?id={pk}", data={
        "csrf_token": auth.token(), "step": step, "reason": "测试", "repayment_id": "0",
        "confirmed": "1"})
    may = allows(role, workflow[step].endpoint or endpoint, workflow[step].verb)
    if not allows(role, endpoint, "R"):
        assert response.status_code == 403
        may = False
    else:
        assert response.status_code == (302 if may else 403)
    if not may:
        with app.app_context():
            assert db.session.get(model, pk).state == state


BULK = [("assistance", name) for name in ("verify", "approve", "pay")]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint,step", BULK)
def test_bulk_step_by_role(app, client, auth, role, endpoint, step):
    """A bulk step is the same step: refused server-side for roles without its verb."""
    with app.app_context():
        pk = make_assistance(state=AID_STEPS[step].from_states[0]).id
    auth.login(role)
    response = client.post(f"/admin/{endpoint}/action/", data={
        "action": step, "rowid": [pk], "csrf_token": auth.token()})
    may = allows(role, endpoint, AID_STEPS[step].verb) and allows(role, endpoint, "R")
    assert response.status_code == (302 if may else 403)


def test_who_approves_loans_is_one_line(ctx, monkeypatch):
    """Giving staff the A verb on loans (one line) lets staff approve in the rules too."""
    loan = make_loan(applied_by_id=user("manager").id)
    with pytest.raises(DomainError):
        approve(loan, user("staff"))
    monkeypatch.setitem(PERMISSIONS, "loan", {**PERMISSIONS["loan"], "staff": "CRUA"})
    approve(loan, user("staff"))
    assert loan.state == "approved"


def test_workflow_page_offers_only_allowed_steps(app, client, auth):
    """The step buttons come from the declaration: staff sees verify, not approve."""
    with app.app_context():
        applied = make_assistance(state="applied").id
        verified = make_assistance(state="verified").id
    auth.login("staff")
    page = client.get(f"/admin/assistance/step/?id={applied}").get_data(as_text=True)
    assert re.findall(r'id="step-(\w+)"', page) == ["verify"]
    page = client.get(f"/admin/assistance/step/?id={verified}").get_data(as_text=True)
    assert re.findall(r'id="step-(\w+)"', page) == []
    auth.logout()
    auth.login("manager")
    page = client.get(f"/admin/assistance/step/?id={verified}").get_data(as_text=True)
    assert re.findall(r'id="step-(\w+)"', page) == ["approve", "reject"]
