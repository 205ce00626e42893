"""The assistance workflow: applied → verified → approved → paid, or rejected; reversal."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select

from models import previews
from models.assistance import Assistance
from models.base import DomainError, db, utcnow
from models.grant_limits import check_limit, needs_limit_override
from models.guards import Guards, unless
from models.handout_rules import hand_out_package, void_package
from models.ledger import post_entry, reverse_entry
from models.ledger_text import assistance_payment
from models.notice_rules import passed_notice
from models.settings import get_setting
from models.workflow import Field, Step, Workflow

OPEN_STATES = ("applied", "verified")
GRANTED_STATES = ("approved", "paid")
AMOUNT_FIELDS = ("cash_amount", "goods", "goods_value", "out_of_pocket", "kind", "worker_id",
                 "year", "campaign")

CONSTRAINT_MESSAGES = {
    "uq_assistance_one_grant": lambda: _(
        "This worker already has a grant of this kind in this campaign."),
    "balance_not_negative": lambda: _("The fund does not have enough money."),
}


def check_application(record: Assistance) -> None:
    """Refuse an application that breaks the rules of its kind or its worker's file."""
    if record.worker is None or record.worker.status != "active":
        raise DomainError(_("Aid goes only to workers whose file is on record (先建档后帮扶)."))
    if record.kind == "education" and not (record.student_name and record.school
                                           and record.school_level):
        raise DomainError(_("School aid needs the student, the school and the level."))
    if record.kind == "medical" and not record.out_of_pocket:
        raise DomainError(_("Medical aid needs the out-of-pocket cost."))
    if not record.cash_amount and not record.goods_value and record.kind not in (
            "employment", "legal"):
        raise DomainError(_("Give a cash amount or the value of the goods."))


def other_grants(record: Assistance) -> list[Assistance]:
    """Return the worker's other live records of the same kind and campaign."""
    return list(db.session.scalars(select(Assistance).where(
        Assistance.worker_id == record.worker_id, Assistance.kind == record.kind,
        Assistance.year == record.year, Assistance.campaign == record.campaign,
        Assistance.id != record.id,
        Assistance.state.in_(OPEN_STATES + GRANTED_STATES))))


def apply(record: Assistance, user) -> None:
    """File a new application by ``user``."""
    check_application(record)
    record.state, record.applied_by_id, record.applied_at = "applied", user.id, utcnow()


def check_edit(record: Assistance, changed: set[str]) -> None:
    """Refuse edits the record's state no longer allows."""
    refusal = GUARDS.edit(record)
    if refusal:
        raise DomainError(str(refusal))
    if record.state == "approved" and changed & set(AMOUNT_FIELDS):
        raise DomainError(_("Amounts are read-only once approved."))
    check_application(record)


EDITABLE_STATES = OPEN_STATES + ("approved",)
REJECTABLE_STATES = OPEN_STATES + ("approved",)

GUARDS = Guards(
    edit=unless(lambda record: record.state in EDITABLE_STATES,
                _l("A paid, rejected or reversed record cannot be edited.")),
    # A grant rejected after approval keeps its approval on file: it is not deleted.
    delete=unless(lambda record: record.state in OPEN_STATES or (
        record.state == "rejected" and record.approved_at is None),
        _l("Only unpaid, unapproved records can be deleted.")))


def _verify(record: Assistance, user) -> None:
    """Record the home visit that confirmed the application (入户核实)."""
    record.state, record.verified_by_id, record.verified_at = "verified", user.id, utcnow()


def earlier_grants(record: Assistance) -> list[Assistance]:
    """Return the worker's approved or paid records of the same kind and campaign."""
    return [g for g in other_grants(record) if g.state in GRANTED_STATES]


def needs_override(record: Assistance) -> bool:
    """Tell whether approving ``record`` needs a manager's reason for a second grant."""
    return record.state == "verified" and bool(earlier_grants(record))


def _approve(record: Assistance, user, override_reason: str = "",
             limit_override_reason: str = "") -> None:
    """Approve a verified record; a second grant in a campaign, or one above its kind's
    limit, needs a manager's written reason."""
    if record.applied_by_id == user.id:
        raise DomainError(_("Whoever applied cannot approve the same record."))
    record.limit_override_reason = check_limit(record, limit_override_reason)
    granted = earlier_grants(record)
    override_reason = (override_reason or "").strip()
    if granted and not override_reason:
        raise DomainError(_("%(name)s already has this kind of aid in this campaign (record "
                            "#%(id)d). A second grant needs a manager's written reason.",
                            name=record.worker.name, id=granted[0].id))
    if granted:
        record.override_reason = override_reason
    record.state, record.approved_by_id, record.approved_at = "approved", user.id, utcnow()


def awaiting_approval_by(user_id: int):
    """Return the clause: verified records that ``user_id`` may approve (did not apply for)."""
    return and_(Assistance.state == "verified",
                or_(Assistance.applied_by_id.is_(None), Assistance.applied_by_id != user_id))


def _reject(record: Assistance, user, reason: str) -> None:
    """Turn an open or approved but unpaid application down, with the reason."""
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for the rejection."))
    if record.payment_entry_id is not None:  # paid money is undone by a reversal instead
        raise DomainError(_("Record #%(id)d has a fund entry; reverse the payment instead.",
                            id=record.id))
    record.state, record.rejected_by_id, record.rejected_at = "rejected", user.id, utcnow()
    record.reject_reason = reason.strip()


def needs_notice(record: Assistance) -> bool:
    """Tell whether this kind of aid is paid only after a public notice."""
    kinds = {k.strip() for k in str(get_setting("notice_required_kinds")).split(",")}
    return record.kind in kinds


def _pay(record: Assistance, user) -> None:
    """Pay an approved record: the fund entry is written in the same transaction."""
    if needs_notice(record) and not (record.notice_passed or passed_notice(record)):
        raise DomainError(_("This kind of aid is paid only after a public notice without "
                            "objection."))
    check_limit(record)  # the limit may have been lowered since approval
    if record.cash_amount:
        if record.fund_id is None:
            raise DomainError(_("Choose the fund the cash is paid from."))
        record.payment_entry = post_entry(
            record.fund_id, "assistance_out", -record.cash_amount, user,
            document=f"BF-{record.id}",
            reason=assistance_payment(record.worker.name, record.kind))
    hand_out_package(record, user)  # a campaign's goods package, when it gives one
    record.state, record.paid_by_id, record.paid_at = "paid", user.id, utcnow()


def _reverse(record: Assistance, user, reason: str) -> None:
    """Undo a mistaken payment with a reversing fund entry."""
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for the reversal."))
    if record.payment_entry is not None:
        reverse_entry(record.payment_entry, user, reason.strip())
    # A campaign grant's goods package (handed out when it was paid) goes back into stock.
    void_package(record.id, user, reason.strip())
    record.state, record.reversed_by_id, record.reversed_at = "reversed", user.id, utcnow()
    record.reverse_reason = reason.strip()


def _reason(label) -> tuple[Field, ...]:
    return (Field("reason", label, required=True),)


WORKFLOW = Workflow("assistance", (
    Step("verify", _l("Verify"), ("applied",), "U", _verify, _l("Record verified."),
         _l("Only an assistance officer can verify.")),
    Step("approve", _l("Approve"), ("verified",), "A", _approve, _l("Record approved."),
         _l("Only a centre manager can approve."), style="success",
         fields=(Field("override_reason", _l("Reason for a second grant"), required=True,
                       when=needs_override),
                 Field("limit_override_reason", _l("Reason for exceeding the grant limit"),
                       required=True, when=needs_limit_override))),
    # An approved grant not yet paid can still be turned down (no fund entry exists yet).
    Step("reject", _l("Reject"), REJECTABLE_STATES, "A", _reject, _l("Record rejected."),
         _l("Only a centre manager can reject."), _reason(_l("Reason for rejection")),
         style="danger"),
    Step("pay", _l("Pay"), ("approved",), "A", _pay,
         _l("Record paid; the fund entry is written."), _l("Only a centre manager can pay."),
         style="success", preview=previews.pay_aid),
    Step("reverse", _l("Reverse payment"), ("paid",), "A", _reverse,
         _l("Payment reversed; the reversing fund entry is written."),
         _l("Only a centre manager can reverse a payment."),
         _reason(_l("Reason for reversal")), style="warning", preview=previews.reverse_aid),
), wrong_state=lambda record: _("Record #%(id)d is not in a state that allows this step.",
                                id=record.id))

verify, approve, reject, pay, reverse = (
    WORKFLOW.runner(name) for name in ("verify", "approve", "reject", "pay", "reverse"))
