"""Login and logout, with a lock-out after repeated failures."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from models import AuditLog, User, db
from models.base import utcnow
from portal.audit import log_event
from portal.safety import safe_next

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


def locked_until(username: str) -> dt.datetime | None:
    """Return when the lock on ``username`` ends, if it has too many recent failures."""
    cfg = current_app.config
    window = dt.timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"])
    since = utcnow() - window
    last_ok = db.session.scalar(select(func.max(AuditLog.at)).where(
        AuditLog.username == username, AuditLog.action == "login"))
    if last_ok and last_ok > since:
        since = last_ok
    failures = db.session.scalars(
        select(AuditLog.at).where(AuditLog.username == username,
                                  AuditLog.action == "login_failed", AuditLog.at > since)
        .order_by(AuditLog.at.desc()).limit(cfg["LOGIN_MAX_FAILURES"])).all()
    if len(failures) < cfg["LOGIN_MAX_FAILURES"]:
        return None
    return failures[0] + window


def _safe_next(target: str | None) -> str:
    return safe_next(target, url_for("admin.index"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form and sign the user in."""
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        username = form.username.data.strip()
        until = locked_until(username)
        if until is not None:
            minutes = max(1, int((until - utcnow()).total_seconds() // 60) + 1)
            log_event("login_locked", username=username, note="locked")
            db.session.commit()
            flash(_("Too many failed logins: this account is locked. Try again in "
                    "%(m)d minute(s).", m=minutes), "error")
            return render_template("login.html", form=form), 429
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None or not user.check_password(form.password.data) or not user.active:
            log_event("login_failed", username=username)
            db.session.commit()
            flash(_("Wrong username or password, or the account is disabled."), "error")
            return render_template("login.html", form=form), 401
        login_user(user)
        log_event("login", username=user.username, user_id=user.id)
        db.session.commit()
        return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html", form=form)


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    """Sign the user out on a POST (CSRF-checked); a GET asks first.

    Signing out on a GET would let any page (an <img src="/logout">) sign users out.
    """
    if request.method == "GET" and current_user.is_authenticated:
        return render_template("logout.html")
    if current_user.is_authenticated:
        log_event("logout")
        db.session.commit()
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


def load_user(user_id: str):
    """Return the active user with ``user_id`` for Flask-Login."""
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None
