"""A list page's own links (sort, pager, page size) built by views.listing's ``_index_url``
are the URLs ``url_for`` builds: whole pages compared, with searches, filters and sorts."""
from __future__ import annotations

import re

import pytest
from flask import url_for

from views.listing import ListRendering

# A CSRF token is signed with the time: two pages a second apart carry different ones.
CSRF = re.compile(r'(name="csrf_token"[^>]*value=")[^"]*"')
NONCE = re.compile(r'(nonce=")[^"]*"')  # the page's CSP nonce: new on every page
PAGES = ["/admin/worker/", "/admin/worker/?sort=0&desc=1", "/admin/worker/?page=1",
         "/admin/worker/?search=王 纺织&page_size=20", "/admin/worker/?flt0_category=deep",
         "/admin/worker/?search=a%2Bb%26c%3Dd%20e&flt1_status=active&sort=2",
         "/admin/worker/?search=a,b:c/d(e)!$'*;?@",
         "/admin/donation/", "/admin/auditlog/?page=1&sort=1"]


def by_url_for(self, kwargs: dict) -> str:
    return url_for(".index_view", **kwargs)


@pytest.mark.parametrize("page", PAGES)
def test_list_links_are_url_fors(app, client, auth, demo, monkeypatch, page):
    auth.login("admin")
    fast = client.get(page)
    assert fast.status_code == 200
    monkeypatch.setattr(ListRendering, "_index_url", by_url_for)
    slow = client.get(page)
    ours, theirs = (NONCE.sub(r"\1…", CSRF.sub(r"\1…", r.get_data(as_text=True)))
                    for r in (fast, slow))
    assert ours.count('href="/admin/') > 10
    assert ours == theirs
