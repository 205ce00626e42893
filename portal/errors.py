"""Error pages in the user's language."""
from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import BadRequest

from models import db


def bad_value_message() -> str:
    """Return the message for a value the database refused as out of range or mistyped."""
    return _("A value is out of range or not of the right kind (a number, a date, a "
             "choice from the list). Go back and correct it.")


def init_app(app: Flask) -> None:
    """Register the error pages."""

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return render_template("error.html", code=400, message=_(
            "The form has expired or did not come from this site. Go back, reload the "
            "page and try again.")), 400

    @app.errorhandler(400)
    def bad_request(exc):
        # Our own refusals carry a translated description; werkzeug's default is English.
        own = exc.description and exc.description != BadRequest.description
        message = exc.description if own else _(
            "The request could not be understood. Go back and try again.")
        return render_template("error.html", code=400, message=message), 400

    @app.errorhandler(DataError)
    def bad_value(exc):
        # The database refused a typed-in value (a number out of range, text where a
        # number goes): the input was wrong, not the portal. Nothing was written.
        db.session.rollback()
        return render_template("error.html", code=400, message=bad_value_message()), 400

    @app.errorhandler(403)
    def forbidden(exc):
        return render_template("error.html", code=403, message=_(
            "Your role may not open this page or do this.")), 403

    @app.errorhandler(413)
    def too_large(exc):
        return render_template("error.html", code=413, message=_(
            "What was sent is too large. Import files may be at most %(mb)d MB; forms "
            "on public pages take only short text.",
            mb=(app.config.get("MAX_CONTENT_LENGTH") or 0) // 2**20)), 413

    @app.errorhandler(404)
    def not_found(exc):
        return render_template("error.html", code=404, message=_(
            "The page or record does not exist.")), 404
