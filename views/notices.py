"""Public notices in the admin: drafting, choosing the listed records, publishing, withdrawing."""
from __future__ import annotations

import datetime as dt

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_admin import expose
from flask_admin.model.template import EndpointLinkRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select

from models import Assistance, Loan, Notice, NoticeLine, Worker, db, previews
from models.base import DomainError
from models.choices import (
    ASSISTANCE_KINDS,
    ASSISTANCE_STATES,
    LOAN_STATES,
    NOTICE_KINDS,
    NOTICE_SOURCES,
    NOTICE_STATES,
    OBJECTION_STATES,
    WORKER_CATEGORIES,
    WORKER_STATUSES,
)
from models.masking import mask_text
from models.notice_lines import add_lines, candidates, line_values, remove_lines
from models.notice_rules import (
    CONSTRAINT_MESSAGES,
    GUARDS,
    close_ended,
    default_period,
    open_objection_counts,
    prepare_draft,
    public_notice,
    publish,
    withdraw,
)
from models.richtext import sanitize_html
from models.unit_scope import scope
from portal.safety import public_url
from views.base import SecuredModelView, money, requires
from views.objections import objections_readable
from views.workflow import confirm_page

# Each change on the notice page and the verb (registry letter) it needs.
OPS = {"add": "U", "add_all": "U", "remove": "U", "publish": "A", "withdraw": "A"}
OP_DONE = {"add": _l("%(n)d line(s) added."), "add_all": _l("%(n)d line(s) added."),
           "remove": _l("%(n)d line(s) removed."),
           "publish": _l("Notice published; its lines are frozen."),
           "withdraw": _l("Notice withdrawn; the public can no longer open it.")}
CANDIDATE_PAGE = 100
FILTERS = ("kind", "year", "campaign", "state", "status", "filed_since")


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip()) if value and value.strip() else None
    except ValueError:
        raise DomainError(_("Write dates as YYYY-MM-DD.")) from None


def _filters(source) -> dict:
    """Return the candidate filters given in ``source`` (the query string or the form)."""
    year = (source.get("year") or "").strip()
    return {"kind": source.get("kind", ""), "year": int(year) if year.isdigit() else None,
            "campaign": source.get("campaign", ""), "state": source.get("state", ""),
            "status": source.get("status", ""),
            "filed_since": _date(source.get("filed_since", ""))}


def _counts(name: str, compute) -> dict:
    """Return a per-notice count, computed once per request for the whole list page."""
    cache = g.setdefault("notice_counts", {})
    if name not in cache:
        cache[name] = compute()
    return cache[name]


def _line_count(view, context, model, name):
    return _counts("lines", lambda: dict(db.session.execute(
        select(NoticeLine.notice_id, func.count()).group_by(NoticeLine.notice_id)).all())
                   ).get(model.id, 0)


def _open_count(view, context, model, name):
    return _counts("open", open_objection_counts).get(model.id, 0)


def _source_model(notice: Notice):
    """Return the record type a batch notice lists (aid, loans or new files)."""
    return {"worker": Worker, "loan": Loan}.get(notice.source, Assistance)


class NoticeView(SecuredModelView):
    column_list = ("id", "kind", "title", "state", "starts_on", "ends_on", "line_count",
                   "open_objections", "created_by")
    column_labels = {"id": _l("No."), "created_by": _l("Drafted by"),
                     "published_by": _l("Published by"), "withdrawn_by": _l("Withdrawn by"),
                     "line_count": _l("Lines"), "open_objections": _l("Open objections")}
    column_formatters = {"state": lambda v, c, m, n: NOTICE_STATES[m.status_on()],
                         "line_count": _line_count, "open_objections": _open_count}
    column_filters = ("state", "kind", "source", "starts_on", "ends_on")
    column_searchable_list = ("title",)
    column_sortable_list = ("id", "kind", "title", "state", "starts_on", "ends_on")
    column_default_sort = ("id", True)
    column_details_list = ("id", "kind", "source", "title", "state", "starts_on", "ends_on",
                           "created_by", "created_at", "published_by", "published_at",
                           "withdrawn_by", "withdrawn_at", "withdraw_reason")
    column_formatters_detail = {"state": lambda v, c, m, n: NOTICE_STATES[m.status_on()]}
    form_columns = ("kind", "source", "title", "body")
    form_widget_args = {"body": {"rows": 14}}
    column_extra_row_actions = [
        EndpointLinkRowAction("fa fa-tasks", ".manage_view", title=_l("Lines and publishing")),
    ]
    constraint_messages = CONSTRAINT_MESSAGES
    guards, record_page = GUARDS, ".manage_view"

    # --- the draft form -------------------------------------------------------------
    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        del form.kind, form.source  # fixed once drafted: the lines depend on them
        return form

    def on_model_change(self, form, model, is_created):
        prepare_draft(model, current_user, is_created)

    def get_save_return_url(self, model, is_created=False):
        return self.get_url(".manage_view", id=model.id)

    @expose("/")
    def index_view(self):
        if close_ended():
            db.session.commit()
        return super().index_view()

    # --- the notice page: lines, publishing, withdrawal ----------------------------------
    @expose("/manage/", methods=("GET", "POST"))
    @requires("R")
    def manage_view(self):
        notice = self.requested_record()
        if request.method == "POST":
            return self._change(notice, request.form.get("op", ""))
        if close_ended():
            db.session.commit()
            db.session.refresh(notice)
        return self.render("admin/notice_manage.html", **self._page(notice))

    def _page(self, notice: Notice) -> dict:
        status = notice.status_on()
        editing = status == "draft" and notice.kind == "batch" and self.allows("U")
        found = total = None
        try:
            filters = _filters(request.args)
        except DomainError as exc:
            flash(str(exc), "error")
            filters = _filters({})
        if editing:
            query = scope(candidates(notice, **filters), _source_model(notice))
            total = db.session.scalar(select(func.count()).select_from(query.subquery()))
            found = db.session.scalars(query.limit(CANDIDATE_PAGE)).all()
        return dict(
            notice=notice, status=status, editing=editing, found=found, total=total,
            filters=filters, lines=[(line, line_values(line) if line.frozen_at is None else
                                     line) for line in notice.lines],
            body=Markup(mask_text(sanitize_html(notice.body))),
            public_url=((public_url("public.notice", notice_id=notice.id)
                         or url_for("public.notice", notice_id=notice.id))
                        if public_notice(notice.id) else None),
            period=default_period(), can=lambda op: self.allows(OPS[op]),
            objections=notice.objections if objections_readable() else None,
            campaigns=db.session.scalars(scope(select(Assistance.campaign), Assistance)
                                         .distinct()
                                         .where(Assistance.campaign != "")
                                         .order_by(Assistance.campaign)).all(),
            money=money, kinds=ASSISTANCE_KINDS, categories=WORKER_CATEGORIES,
            loan_states=LOAN_STATES,
            states=NOTICE_STATES, aid_states=ASSISTANCE_STATES, statuses=WORKER_STATUSES,
            notice_kinds=NOTICE_KINDS, sources=NOTICE_SOURCES,
            objection_states=OBJECTION_STATES, page_size=CANDIDATE_PAGE)

    def _change(self, notice: Notice, op: str):
        if op not in OPS or not self.allows(OPS[op]):
            abort(403)
        user = current_user._get_current_object()
        form = request.form
        if op == "publish" and form.get("confirmed") != "1":
            return self._confirm_publish(notice, user)

        def change() -> int:
            if op == "publish":
                publish(notice, user, _date(form.get("starts_on", "")),
                        _date(form.get("ends_on", "")))
                return 0
            if op == "withdraw":
                withdraw(notice, user, form.get("reason", ""))
                return 0
            if op == "remove":
                return remove_lines(notice, [i for i in form.getlist("line") if i.isdigit()])
            model = _source_model(notice)
            if op == "add":
                ids = [int(i) for i in form.getlist("record") if i.isdigit()]
                records = db.session.scalars(scope(select(model), model)
                                             .where(model.id.in_(ids))).all()
            else:
                records = db.session.scalars(scope(candidates(notice, **_filters(form)),
                                                   model)).all()
            return add_lines(notice, records)

        self.run_rule(change, lambda n: str(OP_DONE[op]) % {"n": n})
        return redirect(request.full_path)

    def _confirm_publish(self, notice: Notice, user):
        """Show what publishing will do, with the notice's text, before it is done."""
        form = request.form
        ok, preview = self.run_rule(lambda: previews.publish_notice(
            notice, user, _date(form.get("starts_on", "")), _date(form.get("ends_on", ""))))
        if not ok:
            return redirect(request.full_path)
        body = Markup(mask_text(sanitize_html(notice.body)))
        return confirm_page(self, preview, _("Publish"), "success", request.full_path,
                            extra=self._notice_text(notice, body))

    def _notice_text(self, notice: Notice, body) -> Markup:
        """Return the notice's text (and lines) as the confirmation page shows them."""
        return Markup(render_template("admin/notice_preview.html", notice=notice, body=body,
                                      lines=[line_values(line) for line in notice.lines],
                                      money=money, kinds=ASSISTANCE_KINDS,
                                      categories=WORKER_CATEGORIES))
