"""The record types of the portal and the rules that keep them right."""
from models import ledger, worker_rules  # noqa: F401  (register the flush listeners)
from models.assistance import Assistance
from models.audit import AuditLog
from models.base import Base, DomainError, db
from models.funds import Fund, FundEntry
from models.settings import Setting
from models.user import User
from models.worker import FamilyMember, PersonInFile, Worker

__all__ = ["Assistance", "AuditLog", "Base", "DomainError", "FamilyMember", "Fund",
           "FundEntry", "PersonInFile", "Setting", "User", "Worker", "db"]
