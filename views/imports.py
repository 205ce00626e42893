"""Excel import pages of a model view: template, upload → dry-run preview → confirm."""
from __future__ import annotations

import tempfile

from flask import abort, current_app, flash, redirect, request, send_file, session, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_login import current_user

from portal.excel import uploads
from portal.excel.export import XLSX
from portal.excel.importer import MAX_SHOWN_ERRORS, run_import
from portal.excel.reader import FileRefused
from portal.excel.specs import spec_for
from portal.excel.template import build_template
from views.access import requires


class ExcelImportMixin:
    """Add /import/ pages to a SecuredModelView whose record type has an import spec."""

    def has_importer(self) -> bool:
        """Tell whether this record type can be imported from Excel (asked on every list
        page; the answer is fixed when the view is made, its spec is not built again)."""
        if "_has_importer" not in self.__dict__:
            self.__dict__["_has_importer"] = spec_for(self)[0].importer is not None
        return self.__dict__["_has_importer"]

    def _import_spec(self):
        spec, _joins = spec_for(self)
        if spec.importer is None:
            abort(404)
        return spec

    @staticmethod
    def _purge_old_uploads() -> None:
        uploads.purge(current_app.config.get("IMPORT_UPLOAD_HOURS", uploads.DEFAULT_HOURS))

    @expose("/import/", methods=("GET", "POST"))
    @requires("C")
    def import_view(self):
        spec = self._import_spec()
        if request.method == "GET":
            return self.render("admin/import.html", spec=spec, report=None)
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash(_("Choose a file to import."), "error")
            return redirect(url_for(".import_view"))
        data = upload.read(current_app.config.get("IMPORT_MAX_BYTES", 20 * 2**20) + 1)
        try:
            report = run_import(spec, data, current_user, dry_run=True)
        except FileRefused as exc:
            flash(str(exc), "error")
            return redirect(url_for(".import_view"))
        self._purge_old_uploads()
        # A new preview replaces the last one: its file is not needed any more.
        uploads.discard(session.pop("import_token", None))
        token = uploads.keep(current_user.id, data) if report.ok else None
        if token:
            session["import_token"], session["import_name"] = token, upload.filename
        return self.render("admin/import.html", spec=spec, report=report, token=token,
                           shown=report.errors[:MAX_SHOWN_ERRORS])

    @expose("/import/confirm/", methods=("POST",))
    @requires("C")
    def import_confirm_view(self):
        spec = self._import_spec()
        token = request.form.get("token", "")
        if not token or token != session.pop("import_token", None):
            flash(_("The preview has expired; upload the file again."), "error")
            return redirect(url_for(".import_view"))
        data = uploads.read(current_user.id, token)
        if data is None:
            flash(_("The preview has expired; upload the file again."), "error")
            return redirect(url_for(".import_view"))
        try:
            report = run_import(spec, data, current_user, dry_run=False,
                                filename=session.pop("import_name", ""))
        except FileRefused as exc:
            flash(str(exc), "error")
            return redirect(url_for(".import_view"))
        finally:
            uploads.discard(token)
            self._purge_old_uploads()
        if not report.ok:  # the database changed since the preview
            return self.render("admin/import.html", spec=spec, report=report, token=None,
                               shown=report.errors[:MAX_SHOWN_ERRORS])
        flash(_("Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.",
                created=report.created, updated=report.updated, unchanged=report.unchanged),
              "success")
        return redirect(url_for(".index_view"))

    @expose("/import/template/")
    @requires("C")
    def import_template_view(self):
        spec = self._import_spec()
        target = tempfile.SpooledTemporaryFile(max_size=4 * 2**20)  # noqa: SIM115
        build_template(spec, target, spec.extra.get("examples"))
        target.seek(0)
        return send_file(target, as_attachment=True, mimetype=XLSX,
                         download_name=_("%(name)s-import-template.xlsx", name=self.name))
