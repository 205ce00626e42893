"""Fuzzing that stays (issue 12): every list's arguments and every form's fields, for every
role that may open them, with hostile text: never a 5xx, nothing changed by a refusal.

A bounded profile runs in ``make test`` (FUZZ_EXAMPLES, default 8 per test); ``make fuzz``
runs a longer one. Hypothesis keeps failing examples in .hypothesis/ and shows them first.
"""
from __future__ import annotations

import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from models import AuditLog, db
from models.permissions import ROLES, allows
from portal.registry import record_types
from tests.samples import make_sample

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize="FUZZ_SEED" not in os.environ,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

NASTY = ["\x00", "a\x00b", "' OR 1=1 --", "'; DROP TABLE worker; --", "%", "_", "\\",
         "99999999999999999999", "-1", "-99999999999999999999", "1e309", "NaN", "Infinity",
         "0x10", "２０２６-１１-３０", "2026-02-30", "9999-12-31", "0000-00-00", " ", "",
         "<script>alert(1)</script>", "=cmd|' /C calc'!A0", "\u202e\u200b", "😀" * 30,
         "370102199001011234", "a" * 5000]
TEXT = st.one_of(st.sampled_from(NASTY), st.text(max_size=30),
                 st.integers().map(str), st.floats().map(str))

ENDPOINTS = [rt.endpoint for rt in record_types() if rt.endpoint != "counter"]
LISTS = [(role, ep) for ep in ENDPOINTS for role in ROLES if allows(role, ep, "R")]
FORMS = [(role, ep) for ep in ENDPOINTS for role in ROLES if allows(role, ep, "C")]
FIELD = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"')


def audit_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditLog))


@pytest.mark.parametrize("role,endpoint", LISTS, ids=[f"{r}-{e}" for r, e in LISTS])
def test_list_arguments(app, client, auth, role, endpoint):
    """Search, sort, filters and paging with hostile values: 200 or a Chinese 4xx."""
    with app.app_context():
        make_sample(endpoint)
    auth.login(role)

    @FUZZ
    @given(search=TEXT, sort=TEXT, desc=TEXT, page=TEXT, page_size=TEXT,
           flt_index=st.integers(0, 40), flt_value=TEXT)
    def check(search, sort, desc, page, page_size, flt_index, flt_value):
        response = client.get(f"/admin/{endpoint}/", query_string={
            "search": search, "sort": sort, "desc": desc, "page": page,
            "page_size": page_size, f"flt0_{flt_index}": flt_value})
        assert response.status_code < 500, response.status_code

    check()


@pytest.mark.parametrize("role,endpoint", FORMS, ids=[f"{r}-{e}" for r, e in FORMS])
def test_form_fields(app, client, auth, role, endpoint):
    """Every field of the create form with hostile values: never a 5xx; a refusal writes
    nothing (the audit log, which every change reaches, does not grow)."""
    auth.login(role)
    page = client.get(f"/admin/{endpoint}/new/").get_data(as_text=True)
    fields = sorted({name for name in FIELD.findall(page)
                     if name not in ("csrf_token", "_continue_editing", "_add_another")})
    token = auth.token(f"/admin/{endpoint}/new/")

    @FUZZ
    @given(values=st.fixed_dictionaries({name: TEXT for name in fields}))
    def check(values):
        with app.app_context():
            before = audit_rows()
        response = client.post(f"/admin/{endpoint}/new/", data={**values, "csrf_token": token})
        assert response.status_code < 500, response.status_code
        if response.status_code != 302:  # refused: the form came back with its errors
            with app.app_context():
                assert audit_rows() == before

    check()
