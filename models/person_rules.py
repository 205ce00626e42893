"""Finding and keeping the people the desk serves: by phone or ID, linked to their file.

A person is found again by ID number (whole) or phone (whole); whoever has an ID number
that stands in a hardship file, as the worker or a household member, is linked to that
file rather than copied from it (``link_to_file``).
"""
from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import select, text

from models.base import DomainError, db
from models.idnumber import normalize_id_number
from models.person import Person
from models.unit_scope import may_see, scope
from models.worker import Worker

PHONE = re.compile(r"\+?[0-9]{5,20}")
DETAILS = ("gender", "employer", "address", "is_migrant")
CONSTRAINT_MESSAGES = {
    "person.id_number": lambda: _("This ID number is already registered to another person."),
    "uq_person_id_number": lambda: _("This ID number is already registered to another "
                                     "person."),
    "ck_person_named": lambda: _("Give the person's phone or name."),
}


def clean_phone(raw) -> str:
    """Return a phone number without spaces and dashes, or refuse one that is not a number."""
    phone = re.sub(r"[\s\-()（）]", "", str(raw or ""))
    if phone and not PHONE.fullmatch(phone):
        raise DomainError(_("A phone number is 5 to 20 digits."), field="phone")
    return phone


def clean_id_number(raw) -> str | None:
    """Return a valid ID number compact and upper case, None when none was given."""
    raw = (raw or "").strip()
    return normalize_id_number(raw) if raw else None


def file_holding(id_number: str | None) -> int | None:
    """Return the file (worker id) in which ``id_number`` stands: a live one first."""
    if not id_number:
        return None
    return db.session.scalar(text(
        "SELECT worker_id FROM person_in_file WHERE id_number = :n "
        "ORDER BY live DESC, worker_id DESC LIMIT 1"), {"n": id_number})


def link_to_file(person: Person) -> None:
    """Link ``person`` to the file holding their ID number, taking what they left blank."""
    worker_id = file_holding(person.id_number)
    if worker_id is None or worker_id == person.worker_id:
        return
    person.worker_id = worker_id
    worker = db.session.get(Worker, worker_id)
    if worker is not None and worker.id_number == person.id_number:
        person.name = person.name or worker.name
        person.phone = person.phone or worker.phone or ""
        person.employer = person.employer or worker.employer or ""


def check_person(person: Person) -> None:
    """Clean and check what was typed for ``person``; derive gender; link the file."""
    person.name = (person.name or "").strip()
    person.phone = clean_phone(person.phone)
    person.id_number = clean_id_number(person.id_number)
    if not (person.name or person.phone):
        raise DomainError(_("Give the person's phone or name."), field="phone")
    if person.id_number:
        person.gender = "M" if int(person.id_number[16]) % 2 else "F"
        with db.session.no_autoflush:  # not the person itself, inserted by an autoflush
            other = db.session.scalar(select(Person.id).where(
                Person.id_number == person.id_number, Person.id != (person.id or 0)))
        if other is not None:
            raise DomainError(_("This ID number is already registered to another person."),
                              field="id_number")
    link_to_file(person)


def people_with_phone(phone: str) -> list[Person]:
    """Return the user's units' people with this whole phone number, newest first."""
    return list(db.session.scalars(scope(select(Person), Person).where(
        Person.phone == phone).order_by(Person.id.desc())))


def person_with_id(id_number: str) -> Person | None:
    """Return the person with this ID number, in any unit (it is unique everywhere)."""
    return db.session.scalar(select(Person).where(Person.id_number == id_number))


def find_person(phone: str = "", id_number: str | None = None, name: str = "") -> Person | None:
    """Return the person a desk entry names: by ID number, else by phone (and name)."""
    if id_number:
        person = person_with_id(id_number)
        if person is not None and not may_see(person):
            raise DomainError(_("This ID number is registered by another unit."),
                              field="id_number")
        if person is not None:
            return person
    if not phone:
        return None
    people = people_with_phone(phone)
    if name:  # a family sharing a phone: the one of that name, or one still unnamed
        return next((p for p in people if p.name == name),
                    next((p for p in people if not p.name), None))
    return people[0] if people else None


def find_or_make(phone="", name="", id_number=None, **details) -> Person:
    """Return the returning person a desk entry names (filling their blanks), or a new one."""
    phone, name, id_number = clean_phone(phone), (name or "").strip(), clean_id_number(id_number)
    if not (phone or name):
        raise DomainError(_("Give the person's phone or name."), field="phone")
    person = find_person(phone, id_number, name)
    if person is None:
        person = Person(phone=phone, name=name, id_number=id_number, **details)
        db.session.add(person)
    else:
        for key, value in (("phone", phone), ("name", name), ("id_number", id_number),
                           *details.items()):
            if value and not getattr(person, key):
                setattr(person, key, value)
    check_person(person)
    return person


def matching_people(term: str, limit: int = 5) -> list[Person]:
    """Return the people a desk lookup finds: the whole phone number or ID number typed."""
    term = re.sub(r"[\s\-]", "", term or "").upper()
    if len(term) < 5:
        return []
    query = scope(select(Person), Person).where(
        (Person.phone == term) | (Person.id_number == term)).order_by(Person.id.desc())
    return list(db.session.scalars(query.limit(limit)))
