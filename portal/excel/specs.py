"""The spec of each record type: explicit ones for imported types, derived for the rest."""
from __future__ import annotations

from dataclasses import replace
from importlib import import_module

from flask import has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect
from sqlalchemy.orm import RelationshipProperty, aliased

from models import FamilyMember, Worker
from models.idnumber import mask_id_number
from portal.excel.spec import Column, Spec, columns_of

WORKER_KEYS = [
    "name", "id_number", "gender", "birth_date", "ethnicity", "phone", "base_union",
    "employer", "employer_nature", "address", "category", "main_cause", "secondary_causes",
    "health", "disability", "single_parent", "household_size", "household_income",
    "essential_spending", "per_capita_income", "on_dibao", "housing_type", "housing_area",
    "medical_insurance", "bank_name", "bank_card_no", "status", "filed_on",
    "last_reviewed_on", "exit_date", "exit_reason", "certificate_no", "notes"]
DERIVED = {"export_only": True, "required": False}


def worker_spec() -> Spec:
    """Return the spec of worker files, with household members on a second sheet."""
    from portal.excel import worker_import

    columns = columns_of(Worker, WORKER_KEYS, gender=DERIVED, birth_date=DERIVED,
                         per_capita_income=DERIVED, certificate_no=DERIVED,
                         secondary_causes={"limit": 3}, household_size={"required": False},
                         status={"required": False}, filed_on={"required": False},
                         address={"width": 30})
    members = columns_of(FamilyMember, ["name", "relation", "id_number", "health",
                                        "monthly_income", "school_or_work"])
    # The worker's name beside the ID number, so a printed sheet says whose household it
    # is; the ID number alone links the rows on import.
    worker = Column("worker_name", _l("Worker name"), expr=Worker.name, export_only=True)
    parent = Column("worker_id_number", _l("Worker ID number"), required=True,
                    expr=Worker.id_number)
    children = Spec("familymember", FamilyMember, _l("Household members"),
                    [worker, parent] + members, parent_key="worker_id_number")
    return Spec("worker", Worker, _l("Hardship workers"), columns, key="id_number",
                children=children, importer=worker_import)


# Record types with a spec of their own: a function, or a module whose spec() builds it.
EXPLICIT = {
    "worker": worker_spec,
    "item": "portal.excel.item_import",
    "stockmovement": "portal.excel.stock_import",
    "enrolment": "portal.excel.enrolment_import",
    "loan": "portal.excel.loan_spec",
    "servicecase": "portal.excel.desk_import",
    "assistance": "portal.excel.assistance_import",
    "vacancy": "portal.excel.vacancy_import",
    "jobseeker": "portal.excel.seeker_import",
}


def _explicit(endpoint: str) -> Spec:
    maker = EXPLICIT[endpoint]
    if isinstance(maker, str):
        maker = import_module(maker).spec
    return maker()


def _relation_column(view, model, key):
    """Return a column showing a many-to-one relation by the target's name, or None."""
    prop = inspect(model).attrs.get(key)
    if not isinstance(prop, RelationshipProperty) or prop.uselist:
        return None
    target = prop.mapper.class_
    shown = next((c for c in ("name", "username", "title", "card_no")
                  if c in target.__table__.c), None)
    if shown is None:
        return None
    alias = aliased(target)
    label = (view.column_labels or {}).get(key, key)
    return Column(key, label, expr=getattr(alias, shown), width=16), (alias, prop)


def masked(view, spec: Spec) -> Spec:
    """Return ``spec`` as the user's role may export it: each number the role sees masked
    (``views.identity``, columns keyed as the view's ``identity_columns``) masked as the
    list shows it, and the columns derived from hidden digits left out."""
    kind_of_name = getattr(view, "_name_kind", None)
    if kind_of_name is None or not has_request_context():
        return spec
    columns = []
    for column in spec.columns:
        kind = kind_of_name(column.key)
        if kind == "number":
            column = replace(column, derive=mask_id_number, export_only=True)
        if kind != "derived":
            columns.append(column)
    return replace(spec, columns=columns) if columns != spec.columns else spec


def spec_for(view) -> tuple[Spec, list]:
    """Return the spec for ``view``'s record type and the joins its columns need."""
    spec, joins = _spec_for(view)
    return masked(view, spec), joins


def _spec_for(view) -> tuple[Spec, list]:
    if view.endpoint in EXPLICIT:
        return _explicit(view.endpoint), []
    model, joins, columns = view.model, [], []
    names = [c if isinstance(c, str) else c[0]
             for c in (view.column_export_list or view.column_list or [])]
    table_columns = inspect(model).columns
    for name in names:
        if name in table_columns:
            columns.extend(columns_of(model, [name], **{name: {"label": (
                view.column_labels or {}).get(name, name)}}))
            continue
        found = _relation_column(view, model, name)
        if found:
            columns.append(found[0])
            joins.append(found[1])
    return Spec(view.endpoint, model, view.name, columns), joins
