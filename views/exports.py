"""Excel export pages of a model view: the download itself and a page to choose columns."""
from __future__ import annotations

from flask import abort, request
from flask_admin import expose

from portal.excel.export import count_rows, export_response, list_query
from portal.excel.specs import spec_for
from views.access import requires

# Query arguments that belong to the export page, not to the list being exported.
OWN_ARGS = ("columns", "children")


class ExcelExportMixin:
    """Add /export/<type>/ and the column chooser /export/ to a SecuredModelView."""

    export_types = ["xlsx", "csv"]

    @expose("/export/<export_type>/", methods=("GET", "POST"))
    @requires("X")
    def export(self, export_type):
        if export_type not in self.export_types:
            abort(404)
        return export_response(self, export_type)

    @expose("/export/")
    @requires("X")
    def export_options_view(self):
        spec, _joins = spec_for(self)
        ids = [i for i in request.args.get("id_list", "").split(",") if i]
        query, _args = list_query(self, ids)
        kept = [(k, v) for k, values in request.args.lists() if k not in OWN_ARGS
                for v in values]
        return self.render("admin/export_options.html", spec=spec, kept=kept,
                           rows=count_rows(query), selected=bool(ids))
