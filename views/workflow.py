"""The workflow page of a record type whose rules declare a ``Workflow``.

GET shows the record with the steps the user may take now (one form per step, built
from the step's declared fields); POST takes one step through the rules and comes back.
A step that declares a preview (money moving, a record frozen) is first shown on a
confirmation page saying what will happen; only its confirming POST takes the step.
"""
from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_login import current_user

from views.access import requires


def confirm_page(view, preview, label, style: str, back: str, **extra):
    """Render the page that says what a step will do and re-posts its form, confirmed."""
    hidden = [(k, v) for k, v in request.form.items(multi=True)
              if k not in ("csrf_token", "confirmed")]
    return view.render("admin/confirm_step.html", preview=preview, title=label, button=label,
                       style=style, action=request.full_path, back=back, hidden=hidden,
                       **extra)


class WorkflowPage:
    """Mix into a ``SecuredModelView`` that sets ``workflow`` and ``step_template``."""

    step_template = ""

    def step_context(self, record) -> dict:
        """Return what the page shows beside the record (override per record type)."""
        return {}

    def step_arguments(self, record, step) -> list:
        """Return the arguments of ``step`` after the record and the user: its fields."""
        return [request.form.get(field.name, "") for field in step.fields]

    @expose("/step/", methods=("GET", "POST"))
    @requires("R")
    def step_view(self):
        record = self.requested_record()
        if request.method == "POST":
            return self.take_step(record, request.form.get("step", ""))
        user = current_user._get_current_object()
        return self.render(self.step_template, record=record,
                           steps=self.workflow.offered(record, user),
                           inline_steps=self.workflow.offered(record, user, inline=True),
                           **self.step_context(record))

    def take_step(self, record, name: str):
        """Take step ``name`` on ``record`` (403 unless the role may) and show the page."""
        if not self.workflow.may(current_user, name):
            abort(403)
        step, user = self.workflow[name], current_user._get_current_object()
        args = self.step_arguments(record, step)
        if step.preview and request.form.get("confirmed") != "1":
            ok, preview = self.run_rule(lambda: self.workflow.preview(name, record, user, *args))
            back = url_for(".step_view", id=record.id)
            if ok:
                return confirm_page(self, preview, step.label, step.style, back)
            return redirect(back)
        self.run_rule(lambda: self.workflow.run(name, record, user, *args), step.done)
        return redirect(url_for(".step_view", id=record.id))

    def take_step_on_selected(self, ids, name: str) -> None:
        """Take step ``name`` on each selected record (a bulk action)."""
        done = self.workflow[name].done
        self.apply_to_selected(ids, self.workflow.runner(name),
                               lambda n: _("%(n)d record(s): %(done)s", n=n, done=done))
