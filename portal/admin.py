"""Build the Flask-Admin interface from the registry, inside the app factory."""
from __future__ import annotations

from flask import Flask, redirect, request, url_for
from flask_admin import Admin, AdminIndexView, expose
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import db
from portal.i18n import TRANSLATIONS, prefer_portal_admin_strings
from portal.registry import record_types
from views.dashboard import dashboard
from views.report import ReportView


class HomeView(AdminIndexView):
    """The start page: what needs the user today, each figure linked to its list."""

    def _handle_view(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        return None

    @expose("/")
    def index(self):
        return self.render("admin/index.html", panels=dashboard(self.admin, current_user))


def init_admin(app: Flask) -> Admin:
    """Create the ``Admin`` for ``app`` with one view per registered record type."""
    admin = Admin(
        app, name=app.config.get("PORTAL_NAME") or _l("Assistance Centre"),
        theme=Bootstrap4Theme(base_template="portal_master.html", fluid=True),
        index_view=HomeView(name=_l("Home"), url="/admin"),
        category_icon_classes={},
        # Our catalogue also carries Flask-Admin strings its shipped zh catalogue lacks.
        translations_path=str(TRANSLATIONS),
    )
    prefer_portal_admin_strings()
    for record_type in record_types():
        admin.add_view(record_type.make_view(db))
    admin.add_view(ReportView(name=_l("Year-end statistics"), endpoint="report"))
    return admin
