"""Workflow steps declared once: each rules module lists its steps, views and pages loop.

A step names the states it starts from, the verb (``models.permissions``) it needs, the
function that does it, the message shown when done and the form fields it asks for.
Calling a step through its workflow checks the state, then the role, then runs it: the
workflow page, the bulk actions and the rules' own public functions go the same way.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _

from models.base import DomainError
from models.permissions import allows


@dataclass(frozen=True)
class Field:
    """One input a step asks for: ``kind`` is text, textarea, amount, date or fund."""

    name: str
    label: object
    kind: str = "textarea"
    required: bool = False
    when: Callable | None = None        # when(record): asked only if true (None: always)

    def shown(self, record) -> bool:
        """Tell whether the step's form asks for this field on ``record``."""
        return self.when is None or bool(self.when(record))


@dataclass(frozen=True)
class Preview:
    """What a step is about to do, shown for confirmation before it is taken."""

    summary: object                     # one sentence: what will happen
    facts: tuple = ()                   # (label, value) rows: amount, fund, balance after …
    warning: object = ""


@dataclass(frozen=True)
class Step:
    name: str
    label: object                       # the button
    from_states: tuple[str, ...]
    verb: str                           # C/R/U/D/A/X in models.permissions
    run: Callable                       # run(record, user, *field values)
    done: object                        # flashed when it worked
    refused: object = None              # said when the role lacks the verb
    fields: tuple[Field, ...] = ()
    style: str = "primary"              # the button's Bootstrap colour
    endpoint: str | None = None         # whose verb, when not the workflow's own
    inline: bool = False                # offered beside each line, not in the side panel
    preview: Callable | None = None     # preview(record, user, *fields) -> Preview: confirm first


class Workflow:
    """The steps of one record type, in the order the workflow page offers them."""

    def __init__(self, endpoint: str, steps: tuple[Step, ...],
                 wrong_state: Callable[[object], str]):
        self.endpoint = endpoint
        self.steps = {step.name: step for step in steps}
        self.wrong_state = wrong_state

    def __getitem__(self, name: str) -> Step:
        return self.steps[name]

    def __contains__(self, name: str) -> bool:
        return name in self.steps

    def may(self, user, name: str) -> bool:
        """Tell whether ``user``'s role may take step ``name`` at all."""
        step = self.steps.get(name)
        return step is not None and allows(user, step.endpoint or self.endpoint, step.verb)

    def check(self, name: str, record, user) -> Step:
        """Return step ``name`` if ``record`` is in a state for it and ``user`` may take it."""
        step = self.steps[name]
        if record.state not in step.from_states:
            raise DomainError(self.wrong_state(record))
        if not self.may(user, name):
            raise DomainError(str(step.refused or _("Your role may not do this.")))
        return step

    def run(self, name: str, record, user, *args, **kwargs):
        """Take step ``name`` on ``record`` as ``user``."""
        return self.check(name, record, user).run(record, user, *args, **kwargs)

    def preview(self, name: str, record, user, *args) -> Preview | None:
        """Return what step ``name`` would do (None when it needs no confirmation)."""
        step = self.check(name, record, user)
        return step.preview(record, user, *args) if step.preview else None

    def runner(self, name: str) -> Callable:
        """Return a function ``(record, user, *args)`` that takes step ``name``."""
        def take(record, user, *args, **kwargs):
            return self.run(name, record, user, *args, **kwargs)
        take.__name__ = take.__qualname__ = name
        take.__doc__ = f"Take the {name!r} step of the {self.endpoint} workflow."
        return take

    def offered(self, record, user, inline: bool = False) -> list[Step]:
        """Return the steps the page offers ``user`` on ``record`` now."""
        return [step for step in self.steps.values()
                if step.inline == inline and record.state in step.from_states
                and self.may(user, step.name)]
