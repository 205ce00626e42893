"""Which unit a record belongs to, and the one rule of who sees and changes it.

A record type that belongs to a household or a place derives from ``UnitScoped``: it
carries ``unit_id``, or (``unit_from``) takes its unit from the record it belongs to, as a
household member from its file. A user sees and changes the records of their unit and
of the units below it (``visible_units``); ``unit_clause`` is the one filter that views,
lookups, exports, imports and reports apply, and ``assign_and_check_units`` (a flush
hook) gives new records their unit and refuses any write outside the user's units, so a
forged id in a form or URL changes nothing.
"""
from __future__ import annotations

from flask import g, has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import ForeignKey, inspect, select, true
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from models.base import DomainError, db, label
from models.orgunit import OrgUnit, root_unit_id, subtree_ids

ALL = None  # visible_units() of a user at the top unit: no filter at all
ACTING = object()  # default argument: the units of the signed-in user of the request


class UnitScoped:
    """A record that belongs to a unit through the record named by ``unit_from``."""

    # The relationship to the record whose unit this one's is (a member's file).
    unit_from: str | None = None


class UnitOwned(UnitScoped):
    """A record that carries its unit: ``unit_id``, given when it is made.

    A new record takes the unit of the first record named in ``unit_parents`` it has
    (aid takes its worker's), else its maker's, else the top unit's.
    """

    unit_parents: tuple[str, ...] = ()

    @declared_attr
    def unit_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("orgunit.id"), index=True, default=_default_unit,
                             info=label(_l("Unit")))

    # Named org_unit: "unit" is taken (an item's unit of measure, 件/袋).
    @declared_attr
    def org_unit(cls) -> Mapped[OrgUnit]:
        return relationship(OrgUnit, foreign_keys=[cls.unit_id])


def _default_unit(context=None) -> int | None:
    """Column default for inserts that name no unit (bulk imports): the acting user's unit,
    else the top unit. ``context`` is SQLAlchemy's execution context, or None when the
    portal's bulk writer (portal.excel.bulk) evaluates the default once for a batch."""
    user = acting_user()
    if user is not None and user.unit_id is not None:
        return user.unit_id
    if context is None:
        return root_unit_id()
    return context.connection.scalar(root_unit_query())


def root_unit_query():
    """Return the query of the top unit's id (for a column default, run on its connection)."""
    return (select(OrgUnit.id).where(OrgUnit.parent_id.is_(None)).order_by(OrgUnit.id)
            .limit(1))


def acting_user():
    """Return the signed-in user of this request, or None (CLI, seed, tests without one).

    The user Flask-Login loaded for the request is read from ``g`` where it keeps it:
    asked some hundred times a page, each attribute of ``current_user`` went through
    three proxies."""
    if not has_request_context():
        return None
    user = g.get("_login_user")
    if user is None:
        user = current_user._get_current_object() if current_user else None
    return user if user is not None and user.is_authenticated else None


def acting_role() -> str | None:
    """Return the acting user's role, or None (no one signed in, or no request)."""
    user = acting_user()
    return user.role if user is not None else None


def visible_units(user=None) -> frozenset[int] | None:
    """Return the ids of the units ``user`` (default: the acting one) sees; ALL for the top.

    Kept for the request: a page asks it once per list, lookup and flush.
    """
    user = user if user is not None else acting_user()
    if user is None:
        return ALL
    cache = g.setdefault("visible_units", {}) if has_request_context() else {}
    key = (user.id, user.unit_id)
    if key not in cache:
        unit = user.unit_id
        cache[key] = ALL if unit is None or unit == _root_unit_id() else subtree_ids(unit)
    return cache[key]


def _root_unit_id() -> int | None:
    """Return the top unit's id: as read with the signed-in user this request
    (``portal.sessions.load_user``), else asked now."""
    known = g.get("root_unit_id") if has_request_context() else None
    return known if known is not None else root_unit_id()


def scoped_model(model) -> type | None:
    """Return the model that carries the unit for ``model`` (itself or an ancestor)."""
    while model is not None and issubclass(model, UnitScoped):
        if issubclass(model, UnitOwned):
            return model
        model = inspect(model).relationships[model.unit_from].mapper.class_
    return None


def unit_clause(model, units=ALL):
    """Return the WHERE clause keeping ``model``'s rows of ``units`` (true for ALL or unscoped).

    A record scoped through its parent is kept when its parent is (EXISTS on the
    parent's key, which is indexed).
    """
    if units is ALL:
        return true()
    if model is OrgUnit:  # a unit is seen by who sees its records
        return OrgUnit.id.in_(sorted(units))
    if not (isinstance(model, type) and issubclass(model, UnitScoped)):
        return true()
    if issubclass(model, UnitOwned):
        return model.unit_id.in_(sorted(units))
    relation = getattr(model, model.unit_from)
    parent = inspect(model).relationships[model.unit_from].mapper.class_
    return relation.has(unit_clause(parent, units))


def unit_of(obj, session=None) -> int | None:
    """Return the unit ``obj`` belongs to (its own, or its parent's), loading what it must."""
    if isinstance(obj, OrgUnit):
        return obj.id
    while obj is not None and isinstance(obj, UnitScoped):
        if isinstance(obj, UnitOwned):
            chosen = obj.__dict__.get("org_unit")  # a unit set on the record, not flushed
            return chosen.id if chosen is not None and chosen.id is not None else obj.unit_id
        obj = _parent(obj, obj.unit_from, session or db.session)
    return None


def _parent(obj, key, session):
    """Return the record ``obj``'s relationship ``key`` names, loaded by key if pending."""
    rel = inspect(type(obj)).relationships[key]
    parent = getattr(obj, key)
    if parent is None:  # a pending record with only the key set: load its parent
        keys = [getattr(obj, c.key) for c in rel.local_columns]
        if all(k is not None for k in keys):
            with session.no_autoflush:
                parent = session.get(rel.mapper.class_, keys[0] if len(keys) == 1 else keys)
    return parent


def scope(query, model, units=ACTING):
    """Return ``query`` (a Query or a Select) keeping ``model``'s rows the user may see.

    ``units`` defaults to the acting user's (``visible_units``): lookups, pickers, custom
    pages and domain searches all filter through here or ``unit_clause``.
    """
    units = visible_units() if units is ACTING else units
    return query if units is ALL else query.filter(unit_clause(model, units))


def may_see(obj, units=ACTING) -> bool:
    """Tell whether the user may see ``obj`` (a record of one of their units, or unscoped)."""
    units = visible_units() if units is ACTING else units
    if obj is None or units is ALL:
        return True
    if not isinstance(obj, (UnitScoped, OrgUnit)):
        return True
    return unit_of(obj) in units


def get_visible(model, key, session=None):
    """Return the ``model`` record with primary key ``key`` if the user may see it, else None.

    The one way a page, a picker or a form loads a record by an id it was sent: another
    unit's record is as if there were none.
    """
    if key is None:
        return None
    session = session or db.session
    with session.no_autoflush:
        record = session.get(model, key)
    return record if record is not None and may_see(record) else None


def visible_rows(rows, model):
    """Return the rows of ``rows`` the user may see: a Query is filtered, a list sifted."""
    if hasattr(rows, "filter") and hasattr(rows, "column_descriptions"):
        return scope(rows, model)
    units = visible_units()
    return rows if units is ALL else [r for r in rows if may_see(r, units)]


def home_unit(user, session=None) -> int | None:
    """Return ``user``'s unit, or the top unit for a user without one (or no user)."""
    unit = getattr(user, "unit_id", None)
    return unit if unit is not None else root_unit_id(session)


def refuse_other_units(unit_id, units) -> None:
    if units is not ALL and unit_id is not None and unit_id not in units:
        raise DomainError(_("This record belongs to another unit; you may not change it."))


def assign_and_check_units(session, flush_context, instances):
    """Give new records their unit; refuse writes to records outside the user's units."""
    user = acting_user()
    units = visible_units(user) if user is not None else ALL
    top = []  # the top unit's id, asked at most once a flush
    for obj in session.new:
        if isinstance(obj, UnitOwned) and unit_of(obj, session) is None:
            obj.unit_id = _unit_for_new(obj, user, session, top)
        if units is not ALL and isinstance(obj, UnitScoped):
            refuse_other_units(unit_of(obj, session), units)
    if units is ALL:  # the top unit's users, the CLI and the seed: nothing to refuse
        return
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, UnitScoped):
            refuse_other_units(unit_of(obj, session), units)
            if isinstance(obj, UnitOwned):  # and the unit it had before this change
                before = inspect(obj).attrs.unit_id.history.deleted
                refuse_other_units(before[0] if before else obj.unit_id, units)


def _unit_for_new(obj, user, session, top: list) -> int | None:
    """The unit of a new record: its household's or place's, else its maker's, else the top
    (kept in ``top`` for the rest of the flush)."""
    for rel in getattr(obj, "unit_parents", ()):
        parent = _parent(obj, rel, session)
        if parent is not None:
            return unit_of(parent, session)
    if user is not None and user.unit_id is not None:
        return user.unit_id
    if not top:
        top.append(root_unit_id(session))
    return top[0]

