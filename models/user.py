"""Portal users and their roles."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from models.base import db, label, utcnow
from models.choices import ROLES


class User(UserMixin, db.Model):
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

    @property
    def is_active(self) -> bool:
        return self.active

    def set_password(self, password: str) -> None:
        """Store a salted hash of ``password``; the password itself is never kept."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """Tell whether ``password`` matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    def __str__(self) -> str:
        return self.full_name or self.username
