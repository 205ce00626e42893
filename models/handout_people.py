"""Find who receives goods at the clothing corner: a worker on file (by name, pinyin-free
name part, the last digits of the ID number or a love card no.) or a desk person (by name
or the last digits of the phone). Each way is one indexed query or a small scan."""
from __future__ import annotations

import re

from sqlalchemy import select

from models.base import db
from models.lovecard import LoveCard
from models.permissions import masked_number_pattern
from models.person import Person
from models.unit_scope import scope
from models.worker import Worker

TAIL = re.compile(r"\d{3,17}[\dXx]")
CARD = re.compile(r"(AX)?\d{9,11}", re.IGNORECASE)


def find_workers(text: str, masked: bool = True, limit: int = 10) -> list[Worker]:
    """Workers on file matching ``text``; ``masked``: compare only the ID digits shown."""
    text = (text or "").strip()
    if not text:
        return []
    query = scope(select(Worker), Worker).where(Worker.status == "active")
    upper = text.upper()
    if CARD.fullmatch(text):
        by_card = db.session.scalars(query.join(LoveCard, LoveCard.worker_id == Worker.id)
                                     .where(LoveCard.card_no.in_((upper, "AX" + upper)))).all()
        if by_card:
            return list(by_card)
    if TAIL.fullmatch(text):
        condition = Worker.id_number.like(masked_number_pattern(upper) if masked
                                          else "%" + upper)
    else:
        condition = Worker.name.contains(text, autoescape=True)
    return list(db.session.scalars(query.where(condition).order_by(Worker.name, Worker.id)
                                   .limit(limit)))


def find_people(text: str, limit: int = 10) -> list[Person]:
    """Desk persons by part of the name, or the last 4+ digits of the phone."""
    text = (text or "").strip()
    if not text:
        return []
    condition = (Person.phone.endswith(text, autoescape=True) if text.isdigit()
                 and len(text) >= 4 else Person.name.contains(text, autoescape=True))
    return list(db.session.scalars(scope(select(Person), Person).where(condition)
                                   .order_by(Person.name, Person.id).limit(limit)))
