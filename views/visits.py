"""Pairings (结对帮扶) and visits (走访慰问): lists, forms, ending a pair, a visit's follow-up."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload

from models.base import DomainError
from models.pairing import Pairing
from models.pairing_rules import CONSTRAINT_MESSAGES as PAIR_MESSAGES
from models.pairing_rules import GUARDS, check_pairing, end_pairing, live_clause, make_pairing
from models.pairing_rules import overdue_clause as pair_overdue_clause
from models.visit import Visit
from models.visit_rules import CONSTRAINT_MESSAGES as VISIT_MESSAGES
from models.visit_rules import (
    FOLLOW_UPS,
    check_visit,
    follow_up_refusal,
    must_visit_due_clause,
    not_visited_clause,
    open_case,
    record_visit,
)
from views.base import SecuredModelView, requires
from views.filters import ClauseFilter
from views.pickers import PicksWorker


class LivePairFilter(ClauseFilter):
    clause = staticmethod(live_clause)


class PairOverdueFilter(ClauseFilter):
    clause = staticmethod(pair_overdue_clause)


# Filters of the worker list (views.workers), for the start page's visit figures.
class NotVisitedFilter(ClauseFilter):
    clause = staticmethod(not_visited_clause)


class MustVisitDueFilter(ClauseFilter):
    clause = staticmethod(must_visit_due_clause)


class PairingView(PicksWorker, SecuredModelView):
    column_list = ("id", "worker", "kind", "cadre_name", "partner_unit", "cadre_post",
                   "cadre_phone", "starts_on", "until", "ended_on")
    column_labels = {"id": _l("No."), "worker": _l("Worker"), "worker.name": _l("Worker"),
                     "ended_by": _l("Ended by"), "created_by": _l("Entered by")}
    # The cadre's phone is private: a role that only reads pairs sees it masked, and
    # exports it masked (models.permissions.MASKED_IDENTITY, views.identity).
    identity_columns = {"cadre_phone": "pairing"}
    export_masks_identity = True
    column_searchable_list = ("worker.name", "cadre_name", "partner_unit", "cadre_phone")
    column_filters = ("starts_on", "ended_on",
                      LivePairFilter(Pairing.id, _l("Live pairs")),
                      PairOverdueFilter(Pairing.id, _l("No visit in 90 days")))
    column_sortable_list = ("id", "cadre_name", "starts_on", "until", "ended_on")
    column_default_sort = ("id", True)
    list_options = (joinedload(Pairing.worker),)
    form_columns = ("worker", "kind", "cadre_name", "partner_unit", "cadre_post", "cadre_phone",
                    "starts_on", "until", "commitment")
    form_args = {"cadre_phone": {"render_kw": {"inputmode": "tel"}}}
    details_template = "admin/pairing_details.html"
    constraint_messages = PAIR_MESSAGES
    guards = GUARDS

    def create_model(self, form):
        """Record the pair (one live pair per worker)."""
        return self.create_by_rule(form, Pairing, make_pairing)

    def on_model_change(self, form, model, is_created):
        check_pairing(model)

    @expose("/end/", methods=("POST",))
    @requires("U")
    def end_view(self):
        """End the live pair on the day given, for the reason given."""
        pair = self.requested_record()
        user = current_user._get_current_object()
        self.run_rule(lambda: end_pairing(pair, user, request.form.get("ended_on"),
                                          request.form.get("reason", "")),
                      _l("The pair has ended; it stays as the household's history."))
        return redirect(url_for(".details_view", id=pair.id))


class VisitView(PicksWorker, SecuredModelView):
    column_list = ("id", "visited_on", "worker", "kind", "visitors", "pairing", "follow_up",
                   "service_case", "assistance")
    column_labels = {"id": _l("No."), "worker": _l("Worker"), "worker.name": _l("Worker"),
                     "pairing": _l("Pair"), "assistance": _l("Aid record"),
                     "service_case": _l("Desk case"), "recorded_by": _l("Entered by")}
    column_searchable_list = ("worker.name", "visitors")
    column_filters = ("kind", "visited_on", "follow_up")
    column_sortable_list = ("id", "visited_on", "kind")
    column_default_sort = ("visited_on", True)
    list_options = (joinedload(Visit.worker), joinedload(Visit.pairing))
    form_columns = ("worker", "visited_on", "kind", "pairing", "visitors", "found", "left_behind",
                    "assistance", "follow_up", "follow_up_note")
    form_ajax_refs = {**PicksWorker.form_ajax_refs,
                      "pairing": {"fields": ("cadre_name", "partner_unit"), "page_size": 10},
                      "assistance": {"fields": ("campaign", "goods"), "page_size": 10}}
    details_template = "admin/visit_details.html"
    constraint_messages = VISIT_MESSAGES
    on_file = False  # a pending file is visited to verify it (入户核实)

    def create_model(self, form):
        """Record the visit."""
        return self.create_by_rule(form, Visit, record_visit)

    def on_model_change(self, form, model, is_created):
        check_visit(model)

    def follow_ups(self, visit) -> list[tuple[str, object]]:
        """Return what the user may open from ``visit`` now: (endpoint, button text)."""
        texts = {"servicecase": _l("Open a desk case"),
                 "assistance": _l("Apply for assistance")}
        return [(what, texts[what]) for what in FOLLOW_UPS
                if follow_up_refusal(visit, what, current_user) is None]

    @expose("/follow-up/", methods=("POST",))
    @requires("U")
    def follow_up_view(self):
        """Open what the visit's follow-up needs: a desk case now, or the pre-filled aid form."""
        visit = self.requested_record()
        what, back = request.form.get("what", ""), url_for(".details_view", id=visit.id)
        user = current_user._get_current_object()
        if what == "assistance":
            problem = follow_up_refusal(visit, what, user)
            if problem:
                flash(problem, "error")
                return redirect(back)
            return redirect(url_for("assistance.create_view", worker_id=visit.worker_id,
                                    visit=visit.id, url=back))
        if what != "servicecase":
            flash(str(DomainError(_("Your role may not do this."))), "error")
            return redirect(back)
        ok, case = self.run_rule(lambda: open_case(visit, user),
                                 _l("A desk case was opened from the visit."))
        return redirect(url_for("servicecase.step_view", id=case.id) if ok else back)


# The start page's panel (views.dashboard): what staff and managers have to visit.
def visits_panel():
    """Return the start page's visits panel: each figure counts the list it links to."""
    from models.worker import Worker
    from views.dashboard_parts import Counted, Panel, flag

    roles = ("staff", "manager")
    return Panel("visits", _l("Visits and pairing"), (
        Counted("files-not-visited", _l("Files not visited this year"), roles, "worker",
                Worker, (flag(NotVisitedFilter, lambda u: not_visited_clause()),), kept=True),
        Counted("pairs-overdue", _l("Pairs without a visit in 90 days"), roles, "pairing",
                Pairing, (flag(PairOverdueFilter, lambda u: pair_overdue_clause()),)),
        Counted("must-visits-due", _l("Must-visits due"), roles, "worker", Worker,
                (flag(MustVisitDueFilter, lambda u: must_visit_due_clause()),), kept=True),
    ))
