"""Next steps in words on lists and details pages; no pencil or bin a record's rules refuse."""
from __future__ import annotations

import re

from models import db
from tests.factories import make_assistance


def _row(page: str, pk: int) -> str:
    """Return the HTML of the list row whose checkbox holds ``pk``."""
    rows = re.findall(r"<tr>.*?</tr>", page, re.S)
    found = [row for row in rows if f'name="rowid" class="action-checkbox" value="{pk}"' in row]
    assert len(found) == 1, f"no single row for id {pk}"
    return found[0]


def _records(app) -> dict[str, int]:
    with app.app_context():
        records = {state: make_assistance(state=state, reason=f"{state} 申请")
                   for state in ("applied", "approved", "rejected")}
        db.session.commit()
        return {state: record.id for state, record in records.items()}


def test_list_rows_offer_only_what_the_rules_allow(app, client, auth):
    """The pencil shows only while the record may be edited, the bin while it may go."""
    ids = _records(app)
    auth.login("admin")
    page = client.get("/admin/assistance/").get_data(as_text=True)
    for state, (editable, deletable) in {"applied": (True, True), "approved": (True, False),
                                         "rejected": (False, True)}.items():
        row = _row(page, ids[state])
        assert (f"/admin/assistance/edit/?id={ids[state]}" in row) is editable, state
        assert ('action="/admin/assistance/delete/"' in row) is deletable, state
        # The next steps in words, not a bare icon: 审批流程, 打印审批表.
        assert re.search(r'class="btn [^"]*row-step"[^>]*>\s*<span class="fa fa-tasks">'
                         r"</span>\s*审批流程", row), state
        assert "打印审批表" in row
        # No inline handler the CSP would refuse.
        assert "onclick" not in row


def test_roles_without_the_verb_see_no_pencil(app, client, auth):
    """A manager (read and approve only) sees the steps but no pencil or bin."""
    ids = _records(app)
    auth.login("manager")
    row = _row(client.get("/admin/assistance/").get_data(as_text=True), ids["applied"])
    assert "/edit/" not in row and "/delete/" not in row and "审批流程" in row


def test_details_page_names_the_next_steps_and_hides_edit_when_refused(app, client, auth):
    """The details page offers the steps in words; a rejected record has no edit tab."""
    ids = _records(app)
    auth.login("admin")
    rejected = client.get(f"/admin/assistance/details/?id={ids['rejected']}")
    text = rejected.get_data(as_text=True)
    assert rejected.status_code == 200
    assert 'id="record-steps"' in text and "下一步" in text
    assert f'href="/admin/assistance/step/?id={ids["rejected"]}"' in text
    assert "审批流程" in text and 'id="edit-link"' not in text
    applied = client.get(f"/admin/assistance/details/?id={ids['applied']}").get_data(
        as_text=True)
    assert 'id="edit-link"' in applied and f"/admin/assistance/edit/?id={ids['applied']}" in applied
