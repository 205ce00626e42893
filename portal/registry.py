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
    from models.donation import Donation
    from models.inventory import Item, StockLot, StockMovement
    from models.loans import Loan, Repayment
    from models.lovecard import CardEntry, LoveCard
    from models.notice import Notice, Objection
    from models.redemption import Redemption
    from models.stocktake import Stocktake
    from models.training import Enrolment, TrainingClass
    from views.assistance import AssistanceView
    from views.audit import AuditLogView
    from views.counter import CounterView, RedemptionView
    from views.donations import DonationView
    from views.funds import FundEntryView, FundView
    from views.inventory import ItemView, StockLotView, StockMovementView
    from views.loans import LoanView, RepaymentView
    from views.lovecards import CardEntryView, LoveCardView
    from views.notices import NoticeView
    from views.objections import ObjectionView
    from views.settings import SettingView
    from views.stocktake import StocktakeView
    from views.training import EnrolmentView, TrainingClassView
    from views.users import UserView
    from views.workers import FamilyMemberView, WorkerView

    files, aid, money, system = (_l("Worker files"), _l("Assistance"), _l("Funds"),
                                 _l("System"))
    goods, market = _l("Donations and goods"), _l("Love supermarket")
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
        # Donations, the goods warehouse and the love supermarket (issue 4). Ledger rows
        # (stock movements, card entries) and redemptions are never edited or deleted:
        # mistakes are reversed or voided (C), so nobody has U or D on them.
        RecordType("donation", Donation, DonationView, _l("Donations"), goods,
                   {"admin": "CRUDX", "staff": "R", "clerk": "CRU", "manager": "RX"}),
        RecordType("item", Item, ItemView, _l("Goods on offer"), goods,
                   {"admin": "CRUDX", "staff": "R", "clerk": "CRU", "manager": "RX"}),
        RecordType("stocklot", StockLot, StockLotView, _l("Lots and expiry"), goods,
                   {"admin": "RX", "staff": "R", "clerk": "R", "manager": "RX"}),
        RecordType("stockmovement", StockMovement, StockMovementView, _l("Stock ledger"),
                   goods, {"admin": "CRX", "staff": "R", "clerk": "CR", "manager": "RX"}),
        RecordType("stocktake", Stocktake, StocktakeView, _l("Stocktakes"), goods,
                   {"admin": "CRUDX", "staff": "R", "clerk": "CRU", "manager": "RX"}),
        RecordType("counter", Redemption, CounterView, _l("Counter"), market,
                   {"admin": "CR", "clerk": "CR"}),
        RecordType("lovecard", LoveCard, LoveCardView, _l("Love cards"), market,
                   {"admin": "CRUDX", "staff": "R", "clerk": "CRU", "manager": "RX"}),
        RecordType("cardentry", CardEntry, CardEntryView, _l("Points ledger"), market,
                   {"admin": "CRX", "staff": "R", "clerk": "CR", "manager": "RX"}),
        RecordType("redemption", Redemption, RedemptionView, _l("Redemptions"), market,
                   {"admin": "CRX", "staff": "R", "clerk": "CR", "manager": "RX"}),
        RecordType("trainingclass", TrainingClass, TrainingClassView, _l("Training classes"),
                   _l("Training"), {"admin": "CRUDX", "staff": "CRU", "manager": "RX"}),
        RecordType("enrolment", Enrolment, EnrolmentView, _l("Enrolments"), _l("Training"),
                   {"admin": "CRUDX", "staff": "CRU", "manager": "RX"}),
        RecordType("loan", Loan, LoanView, _l("Micro-loans"), _l("Loans"),
                   {"admin": "CRUDAX", "staff": "CRU", "manager": "RAX"}),
        # Repayments are ledger rows: no U/D for anyone; A reverses a wrong one.
        RecordType("repayment", Repayment, RepaymentView, _l("Repayments"), _l("Loans"),
                   {"admin": "CRAX", "staff": "CR", "manager": "RAX"}),
        # Staff draft, managers publish and withdraw (A); what was published never changes.
        RecordType("notice", Notice, NoticeView, _l("Public notices"), _l("Notices"),
                   {"admin": "CRUDA", "staff": "CRU", "manager": "RA"}),
        RecordType("objection", Objection, ObjectionView, _l("Objections"), _l("Notices"),
                   {"admin": "RU", "staff": "RU", "manager": "R"}),
        RecordType("user", User, UserView, _l("Users"), system, {"admin": "CRUD"}),
        RecordType("auditlog", AuditLog, AuditLogView, _l("Audit log"), system,
                   {"admin": "R", "manager": "R"}),
        RecordType("setting", Setting, SettingView, _l("Settings"), system, {"admin": "RU"}),
    ]


def by_endpoint() -> dict[str, RecordType]:
    """Return the record types keyed by endpoint."""
    return {rt.endpoint: rt for rt in record_types()}
