"""The main menu is rendered once per role, language and page (portal.menu) and is then
exactly what Flask-Admin's ``layout.menu()`` writes for that user and page."""
from __future__ import annotations

import re

import pytest

from portal.registry import record_types

NAV = re.compile(r'<ul class="nav navbar-nav mr-auto">(.*?)</ul>\s*<ul class="nav navbar-nav', re.S)


def menu_of(client, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    return NAV.search(page).group(1)


def active_links(menu: str) -> set[str]:
    return set(re.findall(r'class="dropdown-item active[^"]*"\s*href="([^"]+)"', menu))


@pytest.mark.parametrize("role", ["admin", "clerk"])
def test_cached_menu_is_flask_admins_own(app, client, auth, role):
    """Served from the cache, the menu is the one rendered fresh; each page marks its own
    entry active, and the cache holds one entry per (role, language, page)."""
    auth.login(role)
    admin = app.extensions["admin"][0]
    admin.__dict__.pop("_portal_menus", None)
    pages = [rt.endpoint for rt in record_types() if rt.allows(role, "R")][:2]
    fresh = {page: menu_of(client, f"/admin/{page}/") for page in pages}
    for page, menu in fresh.items():
        assert active_links(menu) == {f"/admin/{page}/"}
        assert menu_of(client, f"/admin/{page}/") == menu  # the second time from the cache
    keys = set(admin.__dict__["_portal_menus"])
    assert {(r, page) for r, _language, page in keys} == {(role, page) for page in pages}


def test_menu_follows_the_role_of_each_user(app, client, auth):
    """A cached admin menu is never shown to a clerk: the user list is the admin's only."""
    auth.login("admin")
    assert 'href="/admin/user/"' in menu_of(client, "/admin/worker/")
    auth.logout()
    auth.login("clerk")
    assert 'href="/admin/user/"' not in menu_of(client, "/admin/worker/")
