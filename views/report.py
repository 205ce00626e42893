"""The year-end statistics page (/admin/report/) and its .xlsx download, for managers."""
from __future__ import annotations

import tempfile
from decimal import Decimal

from flask import abort, redirect, request, send_file, url_for
from flask_admin import BaseView, expose
from flask_login import current_user

from models import db
from models.base import today
from models.report import report_years, year_figures
from models.report_tables import report_sections
from portal.audit import log_event
from portal.excel.export import XLSX
from portal.report_xlsx import report_filename, write_report
from views.base import money


def show(value) -> str:
    """Return a cell as the page shows it: yuan with two decimals, counts as they are."""
    if isinstance(value, Decimal):
        return money(value)
    return str(value)


class ReportView(BaseView):
    """Year-end statistics: read by the roles below, 403 and no menu item for the others."""

    roles = ("admin", "manager")

    def is_accessible(self) -> bool:
        return current_user.is_authenticated and current_user.role in self.roles

    def _handle_view(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        if not self.is_accessible():
            abort(403)
        return None

    def _year(self) -> int:
        year = request.args.get("year", type=int) or today().year
        if not 1900 <= year <= 2999:
            abort(404)
        return year

    @expose("/")
    def index(self):
        year = self._year()
        figures = year_figures(year)
        return self.render("admin/year_report.html", year=year, years=report_years(),
                           figures=figures, sections=report_sections(figures), show=show)

    @expose("/xlsx/")
    def xlsx(self):
        year = self._year()
        # Spooled: a workbook of a few sheets stays in memory; send_file closes it.
        target = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115
        write_report(year_figures(year), target)
        log_event("export", record_type="report", note=f"xlsx year={year}")
        db.session.commit()
        target.seek(0)
        return send_file(target, as_attachment=True, download_name=report_filename(year),
                         mimetype=XLSX)
