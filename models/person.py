"""People who contact the service desk (服务对象): anyone, with or without a hardship file."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, label, utcnow
from models.choices import GENDERS
from models.unit_scope import UnitOwned


class Person(UnitOwned, db.Model):
    """Someone the desk served; linked to the hardship file that holds their ID number.

    The file is never copied: a person whose ID number stands in a file (as the worker
    or a household member) points to that file (``models.person_rules.link_to_file``).
    """

    __tablename__ = "person"
    __table_args__ = (
        # Someone must be reachable or at least named (a letter may come without a phone).
        CheckConstraint("phone <> '' OR name <> ''", name="named"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32), default="", index=True,
                                      info=label(_l("Name")))
    phone: Mapped[str] = mapped_column(String(20), default="", index=True,
                                       info=label(_l("Phone")))
    # Optional; unique when given (NULL when not: several people without one).
    id_number: Mapped[str | None] = mapped_column(String(18), unique=True,
                                                  info=label(_l("ID number")))
    gender: Mapped[str | None] = mapped_column(String(1), info=label(_l("Gender"),
                                                                     choices=GENDERS))
    employer: Mapped[str] = mapped_column(String(100), default="",
                                          info=label(_l("Employer")))
    is_migrant: Mapped[bool] = mapped_column(Boolean, default=False, index=True,
                                             info=label(_l("Migrant worker")))
    address: Mapped[str] = mapped_column(String(200), default="", info=label(_l("Address")))
    notes: Mapped[str] = mapped_column(Text, default="", info=label(_l("Notes")))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("worker.id"), index=True,
                                                  info=label(_l("Hardship file")))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow,
                                                    info=label(_l("First contact")))

    worker = relationship("Worker")

    def __str__(self) -> str:
        name = self.name or self.phone
        return f"{name}（{self.phone[-4:]}）" if self.name and self.phone else name
