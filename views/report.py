"""The year-end statistics page (/admin/report/) and its .xlsx download, for managers.

Both hold the figures of the user's unit and the units below it, rolled up per unit.
"""
from __future__ import annotations

import tempfile
from decimal import Decimal

from flask import abort, redirect, request, send_file, url_for
from flask_admin import BaseView, expose
from flask_login import current_user

from models import db
from models.base import today
from models.display import money
from models.permissions import allows
from models.report import report_years
from models.report_summary import summary_paragraph
from models.report_tables import report_sections
from models.report_units import report_for_user
from models.unit_scope import visible_units
from portal.audit import log_event
from portal.excel.export import XLSX
from portal.report_charts import draw_all
from portal.report_xlsx import report_filename, write_report
from views.access import requires


def show(value) -> str:
    """Return a cell as the page shows it: yuan with two decimals, counts as they are."""
    if isinstance(value, Decimal):
        return money(value)
    return str(value)


class ReportView(BaseView):
    """Year-end statistics: roles with R on "report" read it, X downloads it (permissions);
    the others get 403 and no menu item. Every route is marked with its verb."""

    def is_accessible(self) -> bool:
        return current_user.is_authenticated and allows(current_user, "report", "R")

    def _handle_view(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        verb = getattr(getattr(self, name, None), "required_verb", None)
        if verb is None or not allows(current_user, "report", verb):
            abort(403)
        return None

    def _year(self) -> int:
        year = request.args.get("year", type=int) or today().year
        if not 1900 <= year <= 2999:
            abort(404)
        return year

    @expose("/")
    @requires("R")
    def index(self):
        year = self._year()
        figures = report_for_user(year, current_user)
        sections = report_sections(figures)
        charts = draw_all(table for section in sections for table in section.tables)
        return self.render("admin/year_report.html", year=year,
                           years=report_years(visible_units()), figures=figures,
                           sections=sections, show=show, summary=summary_paragraph(figures),
                           chart_for=lambda table: charts.get(id(table)))

    @expose("/xlsx/")
    @requires("X")
    def xlsx(self):
        year = self._year()
        # Spooled: a workbook of a few sheets stays in memory; send_file closes it.
        target = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115
        figures = report_for_user(year, current_user)
        write_report(figures, target)
        log_event("export", record_type="report",
                  note=f"xlsx year={year} unit={figures['unit'] or ''}")
        db.session.commit()
        target.seek(0)
        return send_file(target, as_attachment=True, download_name=report_filename(year),
                         mimetype=XLSX)
