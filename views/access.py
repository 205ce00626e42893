"""The verb a custom view method needs, read by SecuredModelView's single access check."""
from __future__ import annotations


def requires(verb: str):
    """Mark a custom ``@expose``d method with the verb (C/R/U/D/A/X) it needs."""
    def mark(func):
        func.required_verb = verb
        return func
    return mark
