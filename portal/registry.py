"""The registry: each record type's model, view and menu place; its roles come from
``models.permissions``, the one role matrix.

Adding a record type is one model, one short view, one line here and one line there.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from models import Assistance, AuditLog, FamilyMember, Fund, FundEntry, Setting, User, Worker
from models.campaign import Campaign
from models.card_topup import CardTopUp
from models.donation import Donation
from models.employment import Employer, JobSeeker, Referral, Vacancy
from models.handout import Handout
from models.inventory import Item, StockLot, StockMovement
from models.legal_case import LegalCase
from models.loans import Loan, Repayment
from models.lovecard import CardEntry, LoveCard
from models.notice import Notice, Objection
from models.orgunit import OrgUnit
from models.pairing import Pairing
from models.permissions import PERMISSIONS, ROLES, VERBS, allows
from models.person import Person
from models.redemption import Redemption
from models.service_case import ServiceCase
from models.stocktake import Stocktake
from models.training import Enrolment, TrainingClass
from models.visit import Visit
from models.worker_certificate import WorkerCertificate
from models.worker_episode import WorkerEpisode
from models.worker_review import WorkerReview
from views.assistance import AssistanceView
from views.audit import AuditLogView
from views.campaigns import CampaignView
from views.card_topups import CardTopUpView
from views.counter import CounterView, RedemptionView
from views.donations import DonationView
from views.employment import EmployerView, JobSeekerView, ReferralView, VacancyView
from views.funds import FundEntryView, FundView
from views.handouts import HandoutView
from views.inventory import ItemView, StockLotView, StockMovementView
from views.legal_cases import LegalCaseView
from views.loans import LoanView, RepaymentView
from views.lovecards import CardEntryView, LoveCardView
from views.notices import NoticeView
from views.objections import ObjectionView
from views.orgunits import OrgUnitView
from views.people import PersonView
from views.service_cases import ServiceCaseView
from views.settings import SettingView
from views.stocktake import StocktakeView
from views.training import EnrolmentView, TrainingClassView
from views.users import UserView
from views.visits import PairingView, VisitView
from views.worker_certificates import WorkerCertificateView
from views.worker_reviews import WorkerEpisodeView, WorkerReviewView
from views.workers import FamilyMemberView, WorkerView

__all__ = ["ROLES", "VERBS", "RecordType", "by_endpoint", "record_types"]


@dataclass(frozen=True)
class RecordType:
    endpoint: str
    model: type
    view: type
    name: object
    category: object | None

    @property
    def perms(self) -> dict[str, str]:
        """Return the verbs each role has here (from ``models.permissions``)."""
        return PERMISSIONS.get(self.endpoint, {})

    def allows(self, role: str | None, verb: str) -> bool:
        """Tell whether ``role`` may do ``verb`` on this record type."""
        return allows(role, self.endpoint, verb)

    def make_view(self, session):
        """Build this record type's admin view."""
        view = self.view(self.model, session, name=self.name, endpoint=self.endpoint,
                         category=self.category)
        view.record_type = self
        return view


def record_types() -> list[RecordType]:
    """Return every record type, in menu order."""
    # Few top-level menus, by what a desk does, so the bar stays one row at 1366 px as
    # record types arrive (campaigns go under aid, employment under jobs).
    files, aid, system = _l("Worker files"), _l("Assistance"), _l("System")
    money = goods = _l("Funds and goods")
    market = _l("Love supermarket")
    training = loans = jobs = _l("Jobs and loans")
    notices = _l("Notices")
    desk = _l("Service desk")
    return [
        RecordType("worker", Worker, WorkerView, _l("Hardship workers"), files),
        RecordType("familymember", FamilyMember, FamilyMemberView, _l("Household members"),
                   files),
        RecordType("workerreview", WorkerReview, WorkerReviewView, _l("File reviews"), files),
        RecordType("workerepisode", WorkerEpisode, WorkerEpisodeView, _l("File episodes"),
                   files),
        RecordType("workercertificate", WorkerCertificate, WorkerCertificateView,
                   _l("Hardship certificates"), files),
        RecordType("assistance", Assistance, AssistanceView, _l("Assistance records"), aid),
        RecordType("campaign", Campaign, CampaignView, _l("Campaigns"), aid),
        RecordType("pairing", Pairing, PairingView, _l("Pairings"), aid),
        RecordType("visit", Visit, VisitView, _l("Visits"), aid),
        RecordType("fund", Fund, FundView, _l("Funds"), money),
        RecordType("fundentry", FundEntry, FundEntryView, _l("Fund ledger"), money),
        RecordType("donation", Donation, DonationView, _l("Donations"), goods),
        RecordType("item", Item, ItemView, _l("Goods on offer"), goods),
        RecordType("stocklot", StockLot, StockLotView, _l("Lots and expiry"), goods),
        RecordType("stockmovement", StockMovement, StockMovementView, _l("Stock ledger"),
                   goods),
        RecordType("stocktake", Stocktake, StocktakeView, _l("Stocktakes"), goods),
        RecordType("counter", Redemption, CounterView, _l("Counter"), market),
        RecordType("lovecard", LoveCard, LoveCardView, _l("Love cards"), market),
        RecordType("cardentry", CardEntry, CardEntryView, _l("Points ledger"), market),
        RecordType("cardtopup", CardTopUp, CardTopUpView, _l("Card top-ups"), market),
        RecordType("redemption", Redemption, RedemptionView, _l("Redemptions"), market),
        RecordType("handout", Handout, HandoutView, _l("Goods hand-outs"), market),
        RecordType("trainingclass", TrainingClass, TrainingClassView, _l("Training classes"),
                   training),
        RecordType("enrolment", Enrolment, EnrolmentView, _l("Enrolments"), training),
        RecordType("loan", Loan, LoanView, _l("Micro-loans"), loans),
        RecordType("repayment", Repayment, RepaymentView, _l("Repayments"), loans),
        RecordType("jobseeker", JobSeeker, JobSeekerView, _l("Job seekers"), jobs),
        RecordType("employer", Employer, EmployerView, _l("Employers"), jobs),
        RecordType("vacancy", Vacancy, VacancyView, _l("Vacancies"), jobs),
        RecordType("referral", Referral, ReferralView, _l("Referrals and placements"), jobs),
        RecordType("servicecase", ServiceCase, ServiceCaseView, _l("Desk cases"), desk),
        RecordType("person", Person, PersonView, _l("People served"), desk),
        RecordType("legalcase", LegalCase, LegalCaseView, _l("Legal aid and mediation"), desk),
        RecordType("notice", Notice, NoticeView, _l("Public notices"), notices),
        RecordType("objection", Objection, ObjectionView, _l("Objections"), notices),
        RecordType("orgunit", OrgUnit, OrgUnitView, _l("Org units"), system),
        RecordType("user", User, UserView, _l("Users"), system),
        RecordType("auditlog", AuditLog, AuditLogView, _l("Audit log"), system),
        RecordType("setting", Setting, SettingView, _l("Settings"), system),
    ]


def by_endpoint() -> dict[str, RecordType]:
    """Return the record types keyed by endpoint."""
    return {rt.endpoint: rt for rt in record_types()}
