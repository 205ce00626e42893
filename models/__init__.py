"""The record types of the portal and the rules that keep them right."""
from models import worker_rules  # noqa: F401  (registers the flush listeners)
from models.audit import AuditLog
from models.base import Base, DomainError, db
from models.settings import Setting
from models.user import User
from models.worker import FamilyMember, PersonInFile, Worker

__all__ = ["AuditLog", "Base", "DomainError", "FamilyMember", "PersonInFile", "Setting",
           "User", "Worker", "db"]
