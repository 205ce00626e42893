"""Assistance records (帮扶记录): what a worker on file applied for and received."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, label, today, utcnow
from models.choices import ASSISTANCE_KINDS, ASSISTANCE_STATES, SCHOOL_LEVELS
from models.unit_scope import UnitOwned

MONEY = Numeric(12, 2)
# The fields only one kind of aid asks for: the form shows them for that kind alone, and
# a record of another kind keeps none of them (what was typed before the kind changed).
KIND_FIELDS = {"education": ("student_name", "school", "school_level"),
               "medical": ("out_of_pocket",)}
EMPTY = {"student_name": "", "school": "", "school_level": None, "out_of_pocket": Decimal("0")}


class Assistance(UnitOwned, db.Model):
    unit_parents = ("worker",)
    __tablename__ = "assistance"
    __table_args__ = (
        CheckConstraint("cash_amount >= 0 AND goods_value >= 0 AND out_of_pocket >= 0",
                        name="amounts_not_negative"),
        CheckConstraint("state IN ('applied', 'verified', 'approved', 'paid', 'rejected', "
                        "'reversed')", name="state"),
        CheckConstraint("kind IN ('living', 'medical', 'education', 'festival', 'emergency', "
                        "'employment', 'legal')", name="kind"),
        # One grant per worker, kind and campaign, unless a manager overrode with a reason.
        Index("uq_assistance_one_grant", "worker_id", "kind", "year", "campaign", unique=True,
              sqlite_where=text("state IN ('approved', 'paid') AND override_reason = ''"),
              postgresql_where=text("state IN ('approved', 'paid') AND override_reason = ''")),
        Index("ix_assistance_state_kind", "state", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id"), index=True,
                                           info=label(_l("Worker")))
    kind: Mapped[str] = mapped_column(String(16), info=label(_l("Kind of aid"),
                                                             choices=ASSISTANCE_KINDS))
    year: Mapped[int] = mapped_column(default=lambda: today().year, index=True,
                                      info=label(_l("Year")))
    campaign: Mapped[str] = mapped_column(String(64), default="", index=True, info=label(
        _l("Campaign"), description=_l("e.g. 2026年金秋助学; empty for year-round aid")))
    reason: Mapped[str] = mapped_column(Text, default="", info=label(_l("Reason for aid")))
    cash_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"),
                                                 info=label(_l("Cash (yuan)")))
    goods: Mapped[str] = mapped_column(String(200), default="", info=label(_l("Goods")))
    goods_value: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"),
                                                 info=label(_l("Goods value (yuan)")))
    fund_id: Mapped[int | None] = mapped_column(ForeignKey("fund.id"), index=True,
                                                info=label(_l("Paid from fund")))
    student_name: Mapped[str] = mapped_column(String(32), default="",
                                              info=label(_l("Student")))
    school: Mapped[str] = mapped_column(String(100), default="", info=label(_l("School")))
    school_level: Mapped[str | None] = mapped_column(
        String(16), info=label(_l("School level"), choices=SCHOOL_LEVELS))
    out_of_pocket: Mapped[Decimal] = mapped_column(
        MONEY, default=Decimal("0"), info=label(_l("Out-of-pocket medical cost (yuan)")))
    state: Mapped[str] = mapped_column(String(16), default="applied", index=True,
                                       info=label(_l("State"), choices=ASSISTANCE_STATES))
    notice_passed: Mapped[bool] = mapped_column(default=False, info=label(
        _l("Passed public notice without objection")))
    override_reason: Mapped[str] = mapped_column(String(200), default="", info=label(
        _l("Reason for a second grant")))
    # Issue 18: a grant above its kind's limit (settings) is approved only with this reason.
    limit_override_reason: Mapped[str] = mapped_column(String(200), default="", info=label(
        _l("Reason for exceeding the grant limit")))

    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    applied_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True,
                                                    info=label(_l("Applied at")))
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    verified_at: Mapped[dt.datetime | None] = mapped_column(info=label(_l("Verified at")))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    approved_at: Mapped[dt.datetime | None] = mapped_column(info=label(_l("Approved at")))
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    paid_at: Mapped[dt.datetime | None] = mapped_column(info=label(_l("Paid at")))
    rejected_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    rejected_at: Mapped[dt.datetime | None] = mapped_column(info=label(_l("Rejected at")))
    reject_reason: Mapped[str] = mapped_column(String(200), default="",
                                               info=label(_l("Reason for rejection")))
    reversed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reversed_at: Mapped[dt.datetime | None] = mapped_column(info=label(_l("Reversed at")))
    reverse_reason: Mapped[str] = mapped_column(String(200), default="",
                                                info=label(_l("Reason for reversal")))
    payment_entry_id: Mapped[int | None] = mapped_column(ForeignKey("fund_entry.id"))
    # The campaign that generated the record (models.campaign_rules.generate), whose name
    # ``campaign`` also carries, so the one-grant index holds for it as for any record.
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"), index=True,
                                                    info=label(_l("Generated by campaign")))
    # Optimistic lock: two users moving the same record at once cannot both succeed.
    version: Mapped[int] = mapped_column(default=1, info={"audit": False})
    __mapper_args__ = {"version_id_col": version}

    worker = relationship("Worker")
    fund = relationship("Fund")
    applied_by = relationship("User", foreign_keys=[applied_by_id])
    verified_by = relationship("User", foreign_keys=[verified_by_id])
    approved_by = relationship("User", foreign_keys=[approved_by_id])
    paid_by = relationship("User", foreign_keys=[paid_by_id])
    rejected_by = relationship("User", foreign_keys=[rejected_by_id])
    reversed_by = relationship("User", foreign_keys=[reversed_by_id])
    payment_entry = relationship("FundEntry", foreign_keys=[payment_entry_id])
    campaign_record = relationship("Campaign", foreign_keys=[campaign_id])

    def drop_other_kinds_fields(self) -> None:
        """Empty the fields that belong to kinds of aid other than this record's."""
        for kind, fields in KIND_FIELDS.items():
            if kind != self.kind:
                for name in fields:
                    if getattr(self, name) != EMPTY[name]:
                        setattr(self, name, EMPTY[name])

    @property
    def total_value(self) -> Decimal:
        return (self.cash_amount or Decimal("0")) + (self.goods_value or Decimal("0"))

    def __str__(self) -> str:
        return f"#{self.id}"


# A campaign generates one application per household: a rerun, or two at once, add nobody
# twice (NULLs, the records made one by one, never collide).
Index("uq_assistance_campaign_worker", Assistance.campaign_id, Assistance.worker_id,
      unique=True)
