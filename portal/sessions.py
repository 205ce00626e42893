"""Sessions that end: at logout, with a new password, when disabled or left idle; and the
forced change of a temporary password.

A session names its user as ``"<id>:<session version>"`` (``User.get_id``); raising the
user's version in the database ends every session made before, even a copied cookie.
The signed cookie also carries when the session was last used, checked on the server;
that time is kept to the minute (``SEEN_STEP``), so a page seldom has to sign the cookie
again.
"""
from __future__ import annotations

import time

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import bindparam, select

from models import User, db
from models.unit_scope import root_unit_query

# Pages a user who must change the password may still open: logging in and out, the
# change itself, the public notice board and static files.
OPEN_ENDPOINTS = ("auth.", "public.")
SEEN_STEP = 60  # seconds: the session's last use is written again once it is this old


# The signed-in user, with the top unit's id (every page asks which units the user sees):
# built once, so each request skips making the statement and its cache key.
USER_AND_ROOT = select(User, root_unit_query().scalar_subquery()).where(
    User.id == bindparam("ident"))


def clock() -> float:
    """Return the current time in seconds (tests replace it to move time on)."""
    return time.time()


def load_user(user_id: str) -> User | None:
    """Return the active user named by a session's ``"<id>:<version>"``, if still current."""
    ident, _sep, version = user_id.partition(":")
    if not (ident.isdecimal() and version.isdecimal()) or len(ident) > 18:
        return None  # a session from before versions, or not ours
    found = db.session.execute(USER_AND_ROOT, {"ident": int(ident)}).first()
    if found is None:
        return None
    user, g.root_unit_id = found
    if not user.active or user.session_version != int(version):
        return None
    g.user_name = user.username  # for the request's log line (portal.requestlog)
    return user


def start(user: User) -> None:
    """Sign ``user`` in on this session, its idle clock starting now."""
    login_user(user)
    g.user_name = user.username
    # Permanent, so that the browser also drops the cookie after PERMANENT_SESSION_LIFETIME
    # (the idle time) instead of keeping it until it is closed.
    session.permanent = True
    session["seen"] = int(clock())


def end(user: User | None) -> None:
    """Sign this session out; with ``user``, end all of ``user``'s sessions (the caller commits)."""
    if user is not None:
        user.end_sessions()
    logout_user()
    session.pop("seen", None)


def _open_to_all(endpoint: str | None) -> bool:
    return (endpoint is None or endpoint == "static" or endpoint.endswith(".static")
            or endpoint.startswith(OPEN_ENDPOINTS))


def check_request():
    """End a session left idle too long; send a user with a temporary password to change it."""
    if "_user_id" not in session:
        return None
    minutes = current_app.config["SESSION_IDLE_MINUTES"]
    now, seen = clock(), session.get("seen")
    if not isinstance(seen, int) or now - seen > minutes * 60:
        end(None)
        flash(_("You were logged out after %(m)d minutes without activity. Please log in "
                "again.", m=minutes), "info")
        return None  # the page's own login check sends the user to the login page
    if not current_user.is_authenticated:
        end(None)  # the session's version was raised: forget the stale user id
        return None
    if now - seen >= SEEN_STEP:
        session["seen"] = int(now)
    if current_user.must_change_password and not _open_to_all(request.endpoint):
        return redirect(url_for("auth.change_password", next=request.full_path))
    return None
