"""Portal users and their roles, passwords and session version."""
from __future__ import annotations

import datetime as dt
import secrets
from functools import cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, String, false
from sqlalchemy.orm import Mapped, mapped_column, validates
from werkzeug.security import check_password_hash, generate_password_hash

from models.base import db, label, utcnow
from models.choices import ROLES
from models.unit_scope import UnitOwned

MIN_PASSWORD = 10
# Longer input is no password of ours: the login form refuses it before any hashing.
MAX_PASSWORD = 256


class User(UserMixin, UnitOwned, db.Model):
    __tablename__ = "user"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'staff', 'clerk', 'manager')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True,
                                          info=label(_l("Username")))
    full_name: Mapped[str] = mapped_column(String(64), default="", info=label(_l("Full name")))
    role: Mapped[str] = mapped_column(String(16), info=label(_l("Role"), choices=ROLES))
    password_hash: Mapped[str] = mapped_column(String(256), info={"audit": False})
    active: Mapped[bool] = mapped_column(default=True, info=label(_l("Enabled")))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow,
                                                    info=label(_l("Created at")))
    # Part of every session's user id (get_id): raising it ends all of the user's sessions.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0",
                                                 info={"audit": False})
    must_change_password: Mapped[bool] = mapped_column(
        default=False, server_default=false(), info=label(_l("Must change password")))

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """Return the id Flask-Login keeps in the session: the user's id and session version.

        A cookie made before the version was raised names an id no user has any more,
        which is Flask-Login's documented way of invalidating sessions.
        """
        return f"{self.id}:{self.session_version or 0}"

    def end_sessions(self) -> None:
        """Make every session of this user invalid from its next request on."""
        self.session_version = (self.session_version or 0) + 1

    def set_password(self, password: str, temporary: bool = False) -> None:
        """Store a salted hash of ``password`` and end the user's sessions.

        The policy is not checked here but by ``password_problem`` on the forms: the demo
        users are given known, printed passwords on purpose. A ``temporary`` password
        (one an administrator chose) must be changed at the next login.
        """
        self.password_hash = generate_password_hash(password)
        self.must_change_password = temporary
        self.end_sessions()

    def check_password(self, password: str) -> bool:
        """Tell whether ``password`` matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    @validates("active")
    def _disabling_ends_sessions(self, key, value):
        # Re-enabling the user later must not bring the old sessions back.
        if self.active and not value:
            self.end_sessions()
        return value

    def __str__(self) -> str:
        return self.full_name or self.username


@cache
def _dummy_hash() -> str:
    """Return a hash made like real ones, of a password nobody knows."""
    return generate_password_hash(secrets.token_hex(16))


def check_login(user: User | None, password: str) -> bool:
    """Tell whether ``password`` is ``user``'s; for no user, spend the same time and say no.

    Checking a real name costs a password hash; answering an unknown name at once would
    tell an attacker which names exist.
    """
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return False
    return user.check_password(password)


def password_problem(password: str, username: str) -> str | None:
    """Return why ``password`` may not be set for ``username``, or None if it may."""
    if len(password or "") < MIN_PASSWORD:
        return _("The password must have at least %(n)d characters.", n=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        return _("The password may have at most %(n)d characters.", n=MAX_PASSWORD)
    name = (username or "").strip().casefold()
    if name and name in password.casefold():
        return _("The password must not contain the user name.")
    return None
