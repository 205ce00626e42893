"""Org units (三级网络): the city federation, its county and district centres, their stations.

Every user belongs to one unit and sees the records of that unit and of the units below
it (``models.unit_scope``). The tree is small (a province has a few thousand units), so a
unit's subtree is read with one recursive query and kept for the request.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from models.base import DomainError, db, label, utcnow
from models.choices import UNIT_KINDS

# A unit's kind and the kinds it may sit under: 市总 → 县/区 centre → 帮扶站.
PARENT_KINDS = {"city": (), "county": ("city",), "station": ("city", "county")}
DEFAULT_ROOT_NAME = "帮扶中心"


class OrgUnit(db.Model):
    __tablename__ = "orgunit"
    __table_args__ = (
        CheckConstraint("kind IN ('city', 'county', 'station')", name="kind"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        UniqueConstraint("parent_id", "name", name="uq_orgunit_parent_id_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), info=label(_l("Unit name")))
    kind: Mapped[str] = mapped_column(String(16), default="station",
                                      info=label(_l("Unit kind"), choices=UNIT_KINDS))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("orgunit.id"), index=True,
                                                  info=label(_l("Parent unit")))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow,
                                                    info=label(_l("Created at")))

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[OrgUnit]] = relationship(back_populates="parent",
                                                   order_by="OrgUnit.id")

    @validates("name")
    def _clean_name(self, key, value):
        value = (value or "").strip()
        if not value:
            raise DomainError(_("A unit needs a name."), field="name")
        return value

    def __str__(self) -> str:
        return self.name or ""


def subtree_ids(unit_id: int | None, session=None) -> frozenset[int]:
    """Return the ids of unit ``unit_id`` and of every unit below it (one recursive query)."""
    if unit_id is None:
        return frozenset()
    session = session or db.session
    tree = select(OrgUnit.id).where(OrgUnit.id == unit_id).cte("tree", recursive=True)
    tree = tree.union_all(select(OrgUnit.id).where(OrgUnit.parent_id == tree.c.id))
    return frozenset(session.scalars(select(tree.c.id)))


def root_unit_id(session=None) -> int | None:
    """Return the id of the top unit (the first one without a parent)."""
    session = session or db.session
    return session.scalar(select(OrgUnit.id).where(OrgUnit.parent_id.is_(None))
                          .order_by(OrgUnit.id).limit(1))


def ensure_root_unit(session=None) -> int:
    """Return the top unit's id, creating one (the centre itself) on an empty database."""
    session = session or db.session
    found = root_unit_id(session)
    if found is None:
        unit = OrgUnit(name=DEFAULT_ROOT_NAME, kind="county")
        session.add(unit)
        session.flush()
        found = unit.id
    return found


def check_unit(unit: OrgUnit, units) -> None:
    """Refuse a unit placed where the user may not put it, or under a wrong parent.

    ``units``: the ids of the units the user sees (None: all). Only a user who sees all
    may make or move a unit to the top.
    """
    if units is not None:
        if unit.parent is None:
            raise DomainError(_("Choose the unit this one sits under."), field="parent")
        if unit.parent.id not in units:
            raise DomainError(_("You may place units only under your own unit or those "
                                "below it."), field="parent")
    check_parent(unit)


def users_and_records_of(unit_id: int, session=None) -> int:
    """Return how many sub-units, users and records point to unit ``unit_id``."""
    session = session or db.session
    count = session.scalar(select(func.count()).select_from(OrgUnit)
                           .where(OrgUnit.parent_id == unit_id)) or 0
    for table in db.metadata.sorted_tables:
        column = table.columns.get("unit_id")
        if column is not None and any(fk.column.table.name == OrgUnit.__tablename__
                                      for fk in column.foreign_keys):
            count += session.scalar(select(func.count()).select_from(table)
                                    .where(column == unit_id)) or 0
    return count


def check_unit_unused(unit: OrgUnit) -> None:
    """Refuse to delete a unit that units, users or records still belong to."""
    if users_and_records_of(unit.id):
        raise DomainError(_("Units, users or records still belong to %(name)s; move or "
                            "close them before deleting the unit.", name=unit.name))


def check_parent(unit: OrgUnit) -> None:
    """Refuse a parent of the wrong kind, or one inside the unit itself (a loop)."""
    parent = unit.parent
    if parent is None:
        return
    if parent.kind not in PARENT_KINDS.get(unit.kind, ()):
        raise DomainError(_("A unit of this kind cannot sit under that unit."),
                          field="parent")
    if unit.id is not None and parent.id in subtree_ids(unit.id):
        raise DomainError(_("A unit cannot sit under itself or a unit below it."),
                          field="parent")
