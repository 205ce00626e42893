"""The campaign page's batch steps (verify, approve, pay all), its batch notice and its
sign-off sheets (printable A4 and Excel). Mixed into ``views.campaigns.CampaignView``."""
from __future__ import annotations

import tempfile

from flask import redirect, request, send_file, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

import portal.audit as audit
from models import db
from models.campaign_batch import approve_all, pay_all, verify_all
from models.campaign_batch_preview import batch_preview, left_aside_text
from models.campaign_notice import draft_notice
from models.campaign_sheets import ROWS_PER_PAGE, signoff_sheets
from portal.audit import log_created_since, log_event
from portal.campaign_xlsx import write_signoff
from views.access import requires
from views.workflow import confirm_page

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STEPS = {"verify": (_l("Verify all"), "primary"), "approve": (_l("Approve all"), "success"),
         "pay": (_l("Pay all"), "success")}


def _approved_text(batch) -> str:
    text = _("%(n)d grant(s) approved.", n=batch.count)
    aside = left_aside_text(batch)
    return f"{text}{aside}" if aside else text


DONE = {
    "verify": (lambda c, u: verify_all(c, u, audit=audit),
               lambda n: _("%(n)d grant(s) verified.", n=n)),
    "approve": (lambda c, u: approve_all(c, u, audit=audit), _approved_text),
    "pay": (lambda c, u: pay_all(c, u, audit=audit),
            lambda b: _("%(n)d grant(s) paid, %(cash)s yuan from the fund; one fund entry "
                        "per payment.", n=b.count, cash=f"{b.cash:,.2f}")),
}


class CampaignBatchPages:
    """Batch steps, batch notice and sign-off sheets of a campaign (issue 18)."""

    def _batch(self, step: str):
        """Show what ``step`` would do; on the confirming POST, do it in one transaction."""
        record = self.requested_record()
        user = current_user._get_current_object()
        back = url_for(".details_view", id=record.id)
        label, style = STEPS[step]
        if request.form.get("confirmed") != "1":
            ok, preview = self.run_rule(lambda: batch_preview(record, step, user))
            db.session.rollback()  # a preview writes nothing
            return confirm_page(self, preview, str(label), style, back) if ok else redirect(back)
        run, done = DONE[step]
        self.run_rule(lambda: run(record, user), done)
        return redirect(back)

    @expose("/batch/verify/", methods=("POST",))
    @requires("U")
    def batch_verify_view(self):
        return self._batch("verify")

    @expose("/batch/approve/", methods=("POST",))
    @requires("A")
    def batch_approve_view(self):
        return self._batch("approve")

    @expose("/batch/pay/", methods=("POST",))
    @requires("A")
    def batch_pay_view(self):
        return self._batch("pay")

    @expose("/batch/notice/", methods=("POST",))
    @requires("U")
    def batch_notice_view(self):
        """Draft one list-of-names notice of the campaign's approved grants."""
        record = self.requested_record()
        user = current_user._get_current_object()
        ok, made = self.run_rule(lambda: draft_notice(record, user, audit=log_created_since),
                                 lambda m: _("Draft notice #%(id)d made with %(n)d lines; a "
                                             "manager publishes it.", id=m[0].id, n=m[1]))
        if ok:
            return redirect(url_for("notice.manage_view", id=made[0].id))
        return redirect(url_for(".details_view", id=record.id))

    @expose("/signoff/")
    @requires("R")
    def signoff_view(self):
        """Show the sign-off sheets, one per base union, printable on A4."""
        record = self.requested_record()
        return self.render("admin/campaign_signoff.html", sheets=signoff_sheets(record),
                           rows_per_page=ROWS_PER_PAGE, **self.page_context(record))

    @expose("/signoff/xlsx/")
    @requires("X")
    def signoff_xlsx_view(self):
        """Download the sign-off sheets as a workbook, one sheet per base union."""
        record = self.requested_record()
        sheets = signoff_sheets(record)
        target = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115
        write_signoff(record.name, sheets, target)
        log_event("export", record_type="campaign", record_id=str(record.id),
                  note=f"signoff xlsx rows={sum(len(s.lines) for s in sheets)}")
        db.session.commit()
        target.seek(0)
        return send_file(target, as_attachment=True, mimetype=XLSX,
                         download_name=f"{record.name}-发放签收表.xlsx")
