"""The public notice board: /notices/ and /notices/<id>, readable without logging in.

Every value shown here is either a line frozen (already masked) at publishing or text
passed through ``models.masking.mask_text`` after ``models.richtext.sanitize_html``.
"""
from __future__ import annotations

import click
import segno
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from models import db
from models.base import DomainError, today
from models.choices import ASSISTANCE_KINDS, NOTICE_SOURCES, WORKER_CATEGORIES
from models.display import money
from models.masking import mask_text
from models.notice_rules import close_ended, public_notice, public_notices
from models.objection_rules import (
    MAX_TEXT,
    RateLimited,
    accepts_objections,
    file_objection,
    open_objections_for,
)
from models.richtext import sanitize_html
from portal.safety import public_url

bp = Blueprint("public", __name__, url_prefix="/notices", static_folder="static",
               static_url_path="/static", cli_group=None)

# The browser may run only our own script; rich text cannot bring any in, nor frame us.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                               "style-src 'self' 'unsafe-inline'; script-src 'self'; "
                               "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
                               "form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # Names, even masked, are not for search engines; and a withdrawn notice must not
    # live on in caches.
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "no-cache",
}
RUNNING = _l("Notice running")
ENDED = _l("Notice ended")


class ObjectionForm(FlaskForm):
    name = StringField(_l("Name (optional)"), validators=[Optional(), Length(max=32)])
    contact = StringField(_l("Contact"), validators=[DataRequired(), Length(max=64)],
                          description=_l("A phone number or address for our reply; it is "
                                         "never published."))
    text = TextAreaField(_l("Objection"), validators=[DataRequired(), Length(max=MAX_TEXT)])


def safe_text(html: str) -> Markup:
    """Return notice text cleaned of markup risks and personal numbers, ready to show."""
    return Markup(mask_text(sanitize_html(html)))


def qr_svg(url: str) -> Markup:
    """Return a QR code of ``url`` as inline SVG."""
    return Markup(segno.make(url, error="m").svg_inline(scale=4, title=url))


def _render_notice(notice, form: ObjectionForm, status: int = 200):
    day = today()
    url = public_url("public.notice", notice_id=notice.id)
    lines = notice.lines if notice.kind == "batch" else []
    return render_template(
        "public/notice.html", notice=notice, form=form, url=url, qr=qr_svg(url) if url else None,
        title=mask_text(notice.title), body=safe_text(notice.body), lines=lines,
        total=sum((line.amount for line in lines if line.amount is not None), 0),
        running=notice.status_on(day) == "published", open_count=open_objections_for(
            notice.id, current_user), accepts=accepts_objections(notice, day), money=money,
        kinds=ASSISTANCE_KINDS, categories=WORKER_CATEGORIES, sources=NOTICE_SOURCES,
        status_label=RUNNING if notice.status_on(day) == "published" else ENDED), status


@bp.route("/")
def index():
    """List the running and recently ended notices."""
    if close_ended():
        db.session.commit()
    day = today()
    notices = [(n, mask_text(n.title), n.status_on(day) == "published")
               for n in public_notices(day)]
    return render_template("public/index.html", notices=notices, running_label=RUNNING,
                           ended_label=ENDED)


@bp.route("/<int:notice_id>")
def notice(notice_id: int):
    """Show one notice; drafts, withdrawn and long-ended ones do not exist publicly."""
    found = public_notice(notice_id) or abort(404)
    return _render_notice(found, ObjectionForm())


@bp.route("/<int:notice_id>/objection", methods=["POST"])
def objection(notice_id: int):
    """File an objection (CSRF-checked by the app's CSRFProtect, rate-limited per address)."""
    found = public_notice(notice_id) or abort(404)
    form = ObjectionForm()
    if not form.validate_on_submit():
        return _render_notice(found, form, 400)
    try:
        filed = file_objection(found, request.remote_addr or "", form.contact.data,
                               form.text.data, form.name.data)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _render_notice(found, form, 429 if isinstance(exc, RateLimited) else 400)
    flash(_("Your objection no. %(id)d was received. The centre will look into it and "
            "contact you.", id=filed.id), "success")
    return redirect(url_for("public.notice", notice_id=notice_id, _anchor="objection"))


@bp.route("/<path:anything>")
def not_a_notice(anything: str):
    """Answer an address under /notices/ that names no notice (``abc``) like a missing one."""
    abort(404)


@bp.after_request
def security_headers(response):
    """Add the public pages' security and privacy headers."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


@bp.errorhandler(404)
def missing(exc):
    """Answer a notice the public may not see as simply not there."""
    return render_template("public/missing.html"), 404


@bp.cli.command("close-notices")
def close_notices_command():
    """Mark notices whose period is over as ended (for a daily cron job)."""
    closed = close_ended()
    db.session.commit()
    click.echo(_("%(n)d notice(s) ended.", n=closed))
