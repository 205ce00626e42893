"""The record types of the portal and the rules that keep them right.

The rules' session hooks are attached by ``models.listeners.init_app`` (the app factory).
"""
from models import (
           member_search_schema,  # noqa: F401  (household-member search indexes)
           worker_search_schema,  # noqa: F401  (the search indexes, with the table)
)
from models.assistance import Assistance
from models.audit import AuditLog
from models.base import Base, DomainError, db
from models.campaign import Campaign, CampaignGoods, CampaignStandard
from models.card_topup import CardTopUp, CardTopUpLine
from models.donation import Donation, DonationLine
from models.employment import Employer, JobSeeker, Referral, Vacancy
from models.funds import Fund, FundEntry
from models.handout import Handout, HandoutLine
from models.import_upload import ImportUpload
from models.inventory import Item, StockLot, StockMovement
from models.legal_case import LegalCase, LegalSession
from models.loans import Instalment, Loan, Repayment
from models.login_throttle import LoginAttempt
from models.lovecard import CardEntry, LoveCard
from models.notice import Notice, NoticeLine, Objection
from models.numbering import DocCounter
from models.orgunit import OrgUnit
from models.pairing import Pairing
from models.person import Person
from models.redemption import Redemption, RedemptionLine
from models.service_case import ServiceCase
from models.service_case_outcome import ServiceCaseOutcome
from models.settings import Setting
from models.stocktake import Stocktake, StocktakeLine
from models.training import Enrolment, TrainingClass
from models.user import User
from models.visit import Visit
from models.worker import FamilyMember, PersonInFile, Worker
from models.worker_certificate import WorkerCertificate
from models.worker_episode import WorkerEpisode
from models.worker_review import WorkerReview, WorkerSnapshot

__all__ = ["Assistance", "AuditLog", "Base", "CardEntry", "DocCounter", "Donation",
           "DonationLine", "DomainError", "Enrolment", "FamilyMember", "Fund", "FundEntry",
           "ImportUpload",
           "Instalment", "Item", "LegalCase", "LegalSession",
           "Loan", "LoginAttempt", "LoveCard", "Notice", "NoticeLine",
           "Objection", "OrgUnit", "Person", "PersonInFile", "Redemption", "RedemptionLine",
           "Repayment",
           "ServiceCase", "ServiceCaseOutcome", "Setting",
           "StockLot", "StockMovement", "Stocktake", "StocktakeLine", "TrainingClass", "User",
           "Worker", "WorkerCertificate", "WorkerEpisode", "WorkerReview", "WorkerSnapshot", "db",
           "Campaign", "CampaignGoods", "CampaignStandard", "Pairing", "Visit",
           "Handout", "HandoutLine",
           "Employer", "JobSeeker", "Referral", "Vacancy",
           "CardTopUp", "CardTopUpLine"]
