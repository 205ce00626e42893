"""Login, logout and changing one's own password, with throttled password checks."""
from __future__ import annotations

import datetime as dt
import math

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import exists, select
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from models import AuditLog, User, db
from models.base import utcnow
from models.login_throttle import Counter, fail, reserve, succeed
from models.user import MAX_PASSWORD, MIN_PASSWORD, check_login, password_problem
from portal import sessions
from portal.audit import log_event
from portal.safety import safe_next

bp = Blueprint("auth", __name__)
bp.before_app_request(sessions.check_request)
load_user = sessions.load_user  # Flask-Login's user loader (see portal.create_app)


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"),
                             validators=[DataRequired(), Length(max=MAX_PASSWORD)])


def _policy(form, field) -> None:
    problem = password_problem(field.data or "", current_user.username)
    if problem:
        raise ValidationError(problem)


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"),
                            validators=[DataRequired(), Length(max=MAX_PASSWORD)])
    new = PasswordField(_l("New password"), validators=[DataRequired(), _policy])
    confirm = PasswordField(_l("New password again"), validators=[
        DataRequired(), EqualTo("new", message=_l("The two new passwords differ."))])


def _counter(scope: str, key: str, limit_setting: str = "LOGIN_MAX_FAILURES") -> Counter:
    cfg = current_app.config
    return Counter(scope, key[:128], cfg[limit_setting], cfg["LOGIN_LOCK_MINUTES"],
                   grows=scope == "address", max_minutes=cfg["LOGIN_LOCK_MAX_MINUTES"])


def known_address(user: User, address: str) -> bool:
    """Tell whether ``user`` has logged in successfully from ``address`` before."""
    return db.session.scalar(select(exists().where(
        AuditLog.username == user.username, AuditLog.action == "login",
        AuditLog.user_id == user.id, AuditLog.ip == address)))


def account_counter(user: User | None, username: str, address: str) -> Counter:
    """Return the counter a login as ``username`` from ``address`` is throttled on.

    From an address the user has logged in from before, the pair of user and address
    is counted instead of the name, so that the lock others put on the name by trying
    it does not keep its owner out.
    """
    if user is not None and known_address(user, address):
        return _counter("pair", f"{user.id} {address}")
    return _counter("name", username.casefold())


def _locked_out(form, username: str, note: str, message: str):
    """Log the refused attempt, keep its count, and answer 429 with ``message``."""
    log_event("login_locked", username=username, note=note)
    db.session.commit()
    flash(message, "error")
    return render_template("login.html", form=form), 429


def _minutes(until: dt.datetime, now: dt.datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds() / 60))


def _change_page(form, status: int = 200):
    return render_template("change_password.html", form=form,
                           min_password=MIN_PASSWORD), status


def _next_page() -> str:
    return safe_next(request.args.get("next"), url_for("admin.index"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form and sign the user in."""
    if current_user.is_authenticated:
        return redirect(_next_page())
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("login.html", form=form)
    now, address = utcnow(), request.remote_addr or ""
    username = form.username.data.strip()
    by_address = _counter("address", address, "LOGIN_ADDRESS_MAX_FAILURES")
    until = reserve(by_address, now)
    if until is not None:
        return _locked_out(form, username, "address", _(
            "Too many failed logins from your network address. Try again in "
            "%(m)d minute(s).", m=_minutes(until, now)))
    user = db.session.scalar(select(User).where(User.username == username))
    by_account = account_counter(user, username, address)
    until = reserve(by_account, now)
    if until is not None:
        return _locked_out(form, username, "locked", _(
            "Too many failed logins: this account is locked. Try again in "
            "%(m)d minute(s).", m=_minutes(until, now)))
    db.session.commit()  # both counts hold for the other requests while this one checks
    # Unknown names cost a password check too, or their speed would tell them apart.
    if not check_login(user, form.password.data) or not user.active:
        fail(by_address, now)
        fail(by_account, now)
        log_event("login_failed", username=username)
        db.session.commit()
        flash(_("Wrong username or password, or the account is disabled."), "error")
        return render_template("login.html", form=form), 401
    succeed(by_address)
    succeed(by_account)
    sessions.start(user)
    log_event("login", username=user.username, user_id=user.id)
    db.session.commit()
    return redirect(_next_page())


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    """Sign the user out on a POST (CSRF-checked); a GET asks first.

    Signing out on a GET would let any page (an <img src="/logout">) sign users out.
    Signing out ends the user's every session, so a copy of the cookie dies with it.
    """
    if request.method == "GET" and current_user.is_authenticated:
        return render_template("logout.html")
    if current_user.is_authenticated:
        log_event("logout")
        sessions.end(current_user._get_current_object())
        db.session.commit()
    else:
        sessions.end(None)
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Let the signed-in user change their password (a temporary one must be changed)."""
    form = ChangePasswordForm()
    if current_user.must_change_password and request.method == "GET":
        flash(_("Your password was set by an administrator: choose your own before "
                "going on."), "info")
    if not form.validate_on_submit():
        return _change_page(form)
    user, now = current_user._get_current_object(), utcnow()
    counter = _counter("password", str(user.id))
    until = reserve(counter, now)
    db.session.commit()
    if until is not None:
        flash(_("Too many wrong passwords. Try again in %(m)d minute(s).",
                m=_minutes(until, now)), "error")
        return _change_page(form, 429)
    if not user.check_password(form.current.data):
        fail(counter, now)
        db.session.commit()
        form.current.errors.append(_("The current password is wrong."))
        return _change_page(form, 400)
    succeed(counter)
    if form.new.data == form.current.data:
        db.session.commit()
        form.new.errors.append(_("Choose a password different from the current one."))
        return _change_page(form, 400)
    user.set_password(form.new.data)  # ends the user's other sessions
    log_event("update", record_type="user", record_id=str(user.id), note="password changed")
    sessions.start(user)  # this session goes on, under the new session version
    db.session.commit()
    flash(_("Your password has been changed; your other sessions were ended."), "success")
    return redirect(_next_page())

