"""Every list issues a constant number of SQL statements per page, whatever it shows (issue 14).

For every list every role may read, the page is counted with a few sample records and
again with several more: a related column loaded row by row (N+1) grows the count.
"""
from __future__ import annotations

import contextlib
import itertools

import pytest
from sqlalchemy import event, func, select

from models import AuditLog, User, db
from portal.registry import ROLES, record_types
from tests.factories import make_assistance, make_fund
from tests.samples import make_sample

LISTS = [(rt.endpoint, rt.model) for rt in record_types() if any(
    rt.allows(role, "R") for role in ROLES)]
FEW, MORE = 2, 10  # samples made first, then added


@contextlib.contextmanager
def counting(app):
    """Yield a list that collects the SQL statements run on the app's engine."""
    seen = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _audited_records(i):
    """Audit rows that name records of several types, each record named by its worker."""
    assistance = make_assistance()
    db.session.add(AuditLog(username="staff", action="update", record_type="assistance",
                            record_id=str(assistance.id),
                            changes={"fund_id": [None, make_fund(f"资金{i}").id],
                                     "worker_id": [None, assistance.worker_id]}))
    db.session.commit()


def _user(i):
    db.session.add(User(username=f"user{i}", full_name=f"用户{i}", role="staff",
                        password_hash="x"))
    db.session.commit()


# Endpoints whose sample maker makes one fixed record: these make a different one each time.
MAKERS = {"fund": lambda i: make_fund(f"样例资金{i}", balance="0"),
          "fundentry": lambda i: make_fund(f"样例资金{i}", balance="100"),
          "user": _user, "auditlog": _audited_records}
NUMBERS = itertools.count()
# Kinds of which there is one at a time, whatever is made (what matters is still counted).
ONE_ONLY = {"setting", "stocktake"}


def add_samples(app, endpoint, model, n) -> int:
    """Make ``n`` samples of ``endpoint`` (one for the one-at-a-time kinds); count its rows."""
    with app.app_context():
        rows = lambda: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
        for _sample in range(n):
            if endpoint in ONE_ONLY and rows():
                break
            (MAKERS.get(endpoint) or (lambda i: make_sample(endpoint)))(next(NUMBERS))
        return rows()


def statements(app, client, url) -> list[str]:
    """Return the statements the list page at ``url`` runs (its second load, warm)."""
    assert client.get(url).status_code == 200
    with counting(app) as seen:
        response = client.get(url)
    assert response.status_code == 200, url
    return seen


@pytest.mark.parametrize("endpoint,model", LISTS)
def test_list_queries_do_not_grow_with_rows(app, client, auth, endpoint, model):
    """Each role's list page runs as many statements for many rows as for a few."""
    roles = [role for role in ROLES if next(rt for rt in record_types()
                                             if rt.endpoint == endpoint).allows(role, "R")]
    few = add_samples(app, endpoint, model, FEW)
    counts = {}
    for role in roles:
        auth.login(role)
        counts[role] = [len(statements(app, client, f"/admin/{endpoint}/"))]
        auth.logout()
    more = add_samples(app, endpoint, model, MORE)
    for role in roles:
        auth.login(role)
        seen = statements(app, client, f"/admin/{endpoint}/")
        counts[role].append(len(seen))
        auth.logout()
        assert more > few or endpoint in ONE_ONLY, (endpoint, few, more)
        # Not more (the audit log looks up the records it names once per record type, and
        # a page of many rows may name fewer types than one of a few).
        assert counts[role][1] <= counts[role][0], (endpoint, role, few, more, seen)
