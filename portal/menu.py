"""The main menu, rendered once per role, language and page rather than on every request.

Flask-Admin's ``layout.menu()`` asks every menu entry whether the user may see it and
whether it is the page shown: about 40 entries and their permission checks, some 2 ms a
page. What it writes depends only on the user's role (the permission matrix is fixed at
start), the language and the page's view, so each of those gets its HTML once per Admin.
"""
from __future__ import annotations

from flask_babel import get_locale

from models.unit_scope import acting_role


def cached_menu(admin_view, render):
    """Return the main menu's HTML for ``admin_view``, made by ``render()`` the first time."""
    admin = admin_view.admin
    cache = admin.__dict__.setdefault("_portal_menus", {})
    role = acting_role()
    key = (role, str(get_locale()), admin_view.endpoint)
    html = cache.get(key)
    if html is None:
        html = cache[key] = render()
    return html
