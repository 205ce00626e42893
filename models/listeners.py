"""The session hooks that keep the rules, registered by ``init_app`` (not on import).

Each hook is a plain function in its rules module; this is the one list of them.
Registering twice is harmless (an app factory may run many times in one process).
"""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from models import (
    case_outcomes,
    inventory_rules,
    ledger,
    lovecard_rules,
    notice_rules,
    unit_scope,
    visit_rules,
    worker_rules,
)

HOOKS = (
    ("before_flush", unit_scope.assign_and_check_units),
    ("before_flush", ledger.refuse_ledger_edits),
    ("before_flush", notice_rules.refuse_changing_what_was_published),
    ("before_flush", worker_rules.derive_before_flush),
    ("before_flush", inventory_rules.keep_item_search_keys),
    ("before_flush", lovecard_rules.keep_holder_initials),
    ("after_flush", worker_rules.sync_person_index),
    ("after_flush", case_outcomes.link_new_outcomes),
    ("before_flush", visit_rules.link_new_aid),
)


def init_app(app=None) -> None:
    """Attach the rules' session hooks to every SQLAlchemy session."""
    for name, hook in HOOKS:
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)
