"""The hardship certificate (特困职工证): its pages on the worker's file, and the list.

Printing and re-issuing hand a card out, so they are the file's U (staff and admin, from
the "worker" line of ``models.permissions``); the list of cards is read-only for everyone
who may read it (the "workercertificate" line): the rules write every row.
"""
from __future__ import annotations

from flask import flash, jsonify, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy.orm import joinedload

from models.base import today
from models.choices import GENDERS, WORKER_CATEGORIES
from models.idnumber import mask_id_number
from models.permissions import allows
from models.worker_certificate import (
    CERTIFICATE_KINDS,
    REISSUE_REASONS,
    WorkerCertificate,
)
from models.worker_certificate_rules import (
    certificates_of,
    record_print,
    reissue,
    valid_certificate,
)
from views.base import SecuredModelView, requires
from views.filters import YesNoFilter


class CertificateRoutes:
    """The worker view's certificate pages: the list on the file, printing, re-issuing."""

    def certificates(self, worker) -> list[WorkerCertificate]:
        """Return the file's cards, newest first, if the role may read them (else none)."""
        if not allows(self.role, "workercertificate", "R"):
            return []
        return certificates_of(worker.id)

    @property
    def may_hand_out_certificates(self) -> bool:
        return self.allows("U")

    def _valid_or_back(self, worker):
        certificate = valid_certificate(worker)
        if certificate is None:
            flash(_("This file holds no valid hardship certificate."), "error")
        return certificate

    @expose("/certificate/", methods=("GET", "POST"))
    @requires("U")
    def certificate_view(self):
        """Show the file's valid card to print (A6, front and back); a POST counts a print."""
        worker = self.requested_record()
        certificate = self._valid_or_back(worker)
        if certificate is None:
            return redirect(url_for(".details_view", id=worker.id))
        if request.method == "POST":
            ok, _done = self.run_rule(lambda: record_print(
                certificate, current_user._get_current_object()))
            count = _("Printed %(n)d time(s)", n=certificate.print_count)
            if request.headers.get("X-Requested-With") == "fetch":  # the page's script
                return jsonify(ok=ok, count_text=count), (200 if ok else 409)
            if ok:
                flash(_("The print is recorded (%(count)s).", count=count), "success")
            return redirect(url_for(".certificate_view", id=worker.id))
        return self.render(
            "admin/worker_certificate_print.html", worker=worker, certificate=certificate,
            masked_id=mask_id_number(worker.id_number), genders=GENDERS,
            categories=WORKER_CATEGORIES, kinds=CERTIFICATE_KINDS, today=today())

    @expose("/certificate/reissue/", methods=("GET", "POST"))
    @requires("U")
    def certificate_reissue_view(self):
        """Re-issue the file's valid card (lost: 补发; damaged or changed: 换发), same number."""
        worker = self.requested_record()
        certificate = self._valid_or_back(worker)
        if certificate is None:
            return redirect(url_for(".details_view", id=worker.id))
        if request.method == "POST":
            ok, made = self.run_rule(
                lambda: reissue(worker, current_user._get_current_object(),
                                request.form.get("reason", ""), request.form.get("note", "")),
                lambda made: _("Certificate %(no)s re-issued (edition %(n)d); the card before "
                               "it is void.", no=made.number, n=made.edition))
            if ok:
                return redirect(url_for(".certificate_view", id=worker.id))
        return self.render("admin/worker_certificate_reissue.html", worker=worker,
                           certificate=certificate, reasons=REISSUE_REASONS,
                           kinds=CERTIFICATE_KINDS, chosen=request.form.get("reason", ""),
                           note=request.form.get("note", ""))


class ValidFilter(YesNoFilter):
    """Cards valid now (or no longer valid)."""

    clause = staticmethod(lambda: WorkerCertificate.ended_on.is_(None))


def _worker_link(view, context, model, name):
    return Markup('<a href="{}">{}</a>').format(
        url_for("worker.details_view", id=model.worker_id), escape(str(model.worker)))


class WorkerCertificateView(SecuredModelView):
    """Read-only: cards are issued, re-issued and returned by the rules alone."""

    column_list = ("number", "edition", "worker", "kind", "reason", "issued_on", "issued_by",
                   "ended_on", "end_cause", "print_count")
    column_details_list = ("number", "edition", "worker", "kind", "reason", "note",
                           "issued_on", "issued_by", "ended_on", "end_cause", "print_count",
                           "last_printed_at")
    column_labels = {"worker": _l("Worker"), "issued_by": _l("Issued by"),
                     "worker.name": _l("Worker name")}
    column_searchable_list = ("number", "worker.name")
    column_filters = (ValidFilter(WorkerCertificate.id, _l("Valid")), "kind", "reason",
                      "end_cause", "issued_on", "ended_on")
    column_sortable_list = ("number", "issued_on", "ended_on", "kind", "print_count")
    column_default_sort = ("id", True)
    column_formatters = {"worker": _worker_link}
    column_formatters_detail = {"worker": _worker_link}
    list_options = (joinedload(WorkerCertificate.worker),
                    joinedload(WorkerCertificate.issued_by))
