"""The registry: each record type's model, view, menu place and the roles allowed each verb.

Verbs: C create, R read, U update, D delete, A approve, X export (DESIGN.md).
Adding a record type is one model, one short view and one line here.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

ROLES = ("admin", "staff", "clerk", "manager")
VERBS = "CRUDAX"


@dataclass(frozen=True)
class RecordType:
    endpoint: str
    model: type
    view: type
    name: object
    category: object | None
    perms: dict[str, str] = field(default_factory=dict)

    def allows(self, role: str | None, verb: str) -> bool:
        """Tell whether ``role`` may do ``verb`` on this record type."""
        return bool(role) and verb in self.perms.get(role, "")

    def make_view(self, session):
        """Build this record type's admin view."""
        view = self.view(self.model, session, name=self.name, endpoint=self.endpoint,
                         category=self.category)
        view.record_type = self
        return view


def record_types() -> list[RecordType]:
    """Return every record type, in menu order."""
    from models import Assistance, AuditLog, FamilyMember, Fund, FundEntry, Setting, User, Worker
    from views.assistance import AssistanceView
    from views.audit import AuditLogView
    from views.funds import FundEntryView, FundView
    from views.settings import SettingView
    from views.users import UserView
    from views.workers import FamilyMemberView, WorkerView

    files, aid, money, system = (_l("Worker files"), _l("Assistance"), _l("Funds"),
                                 _l("System"))
    return [
        RecordType("worker", Worker, WorkerView, _l("Hardship workers"), files,
                   {"admin": "CRUDX", "staff": "CRU", "clerk": "R", "manager": "RX"}),
        RecordType("familymember", FamilyMember, FamilyMemberView, _l("Household members"),
                   files, {"admin": "CRUDX", "staff": "CRU", "clerk": "R", "manager": "RX"}),
        RecordType("assistance", Assistance, AssistanceView, _l("Assistance records"), aid,
                   {"admin": "CRUDAX", "staff": "CRU", "manager": "RAX"}),
        RecordType("fund", Fund, FundView, _l("Funds"), money,
                   {"admin": "CRUDX", "staff": "R", "clerk": "R", "manager": "RX"}),
        # Ledger rows are only ever added: nobody edits or deletes them.
        RecordType("fundentry", FundEntry, FundEntryView, _l("Fund ledger"), money,
                   {"admin": "CRX", "staff": "R", "clerk": "R", "manager": "RX"}),
        RecordType("user", User, UserView, _l("Users"), system, {"admin": "CRUD"}),
        RecordType("auditlog", AuditLog, AuditLogView, _l("Audit log"), system,
                   {"admin": "R", "manager": "R"}),
        RecordType("setting", Setting, SettingView, _l("Settings"), system, {"admin": "RU"}),
    ]


def by_endpoint() -> dict[str, RecordType]:
    """Return the record types keyed by endpoint."""
    return {rt.endpoint: rt for rt in record_types()}
