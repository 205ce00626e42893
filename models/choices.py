"""Choice values and their labels, declared once for forms, lists, Excel and reports."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l


def sql_codes(choices) -> str:
    """Return ``choices``' codes as an SQL list for a CHECK: ``'a', 'b'``."""
    return ", ".join(f"'{code}'" for code in choices)

ROLES = {
    "admin": _l("System administrator"),
    "staff": _l("Assistance officer"),
    "clerk": _l("Warehouse clerk"),
    "manager": _l("Centre manager"),
}

UNIT_KINDS = {
    "city": _l("City federation"),
    "county": _l("County or district centre"),
    "station": _l("Assistance station"),
}

GENDERS = {"M": _l("Male"), "F": _l("Female")}

WORKER_CATEGORIES = {
    "deep": _l("Deep hardship"),
    "relative": _l("Relative hardship"),
    "accident": _l("Hardship by accident"),
    "migrant": _l("Migrant worker in hardship"),
}

HARDSHIP_CAUSES = {
    "no_capacity": _l("Unable to work"),
    "unemployed": _l("Able to work but unemployed"),
    "laid_off": _l("Laid off"),
    "no_insurance": _l("No social insurance"),
    "insurance_gap": _l("Social insurance benefits not delivered"),
    "illness": _l("Major or serious illness"),
    "disaster": _l("Natural disaster"),
    "accident": _l("Accident"),
    "schooling": _l("Children in school"),
    "other": _l("Other"),
}

WORKER_STATUSES = {
    "pending": _l("Pending review"),
    "active": _l("On file"),
    "exited": _l("Out of hardship"),
    "removed": _l("File withdrawn"),
}

EMPLOYER_NATURES = {
    "state": _l("State-owned enterprise"),
    "collective": _l("Collective enterprise"),
    "private": _l("Private enterprise"),
    "foreign": _l("Foreign-invested enterprise"),
    "public": _l("Government or public institution"),
    "individual": _l("Self-employed"),
    "other": _l("Other"),
}

HEALTH = {
    "healthy": _l("Healthy"),
    "chronic": _l("Chronic illness"),
    "serious": _l("Serious illness"),
    "disabled": _l("Disabled"),
}

HOUSING_TYPES = {
    "owned": _l("Own home"),
    "rented": _l("Rented"),
    "public_rental": _l("Public rental housing"),
    "dormitory": _l("Employer dormitory"),
    "other": _l("Other"),
}

MEDICAL_INSURANCE = {
    "employee": _l("Employee medical insurance"),
    "resident": _l("Resident medical insurance"),
    "none": _l("Not insured"),
}

RELATIONS = {
    "spouse": _l("Spouse"),
    "child": _l("Child"),
    "parent": _l("Parent"),
    "sibling": _l("Sibling"),
    "grandchild": _l("Grandchild"),
    "other": _l("Other"),
}

FUND_SOURCES = {
    "government": _l("Government allocation"),
    "union": _l("Union funds"),
    "donation": _l("Public donations"),
}

FUND_ENTRY_KINDS = {
    "allocation_in": _l("Allocation in"),
    "donation_in": _l("Donation in"),
    "assistance_out": _l("Assistance paid out"),
    "loan_out": _l("Loan disbursed"),
    "repayment_in": _l("Loan repayment in"),
    "reversal": _l("Reversal"),
    # Issue 18: money moved between funds, one entry out and its pair in (one document no.).
    "transfer_out": _l("Transfer to another fund"),
    "transfer_in": _l("Transfer from another fund"),
    # Issue 18: love-card points bought from a fund, and their return when reversed.
    "card_topup": _l("Love-card top-up"),
    "card_topup_reversal": _l("Love-card top-up reversed"),
}
# Issue 18: a batch of love-card top-ups paid from a fund (models.card_topup).
TOPUP_STATES = {
    "pending": _l("Awaiting approval"),
    "posted": _l("Posted"),
    "rejected": _l("Rejected"),
    "reversed": _l("Reversed"),
}

ASSISTANCE_KINDS = {
    "living": _l("Living aid"),
    "medical": _l("Medical aid"),
    "education": _l("School aid"),
    "festival": _l("Festival visit (warmth)"),
    "emergency": _l("Emergency aid"),
    "employment": _l("Employment help"),
    "legal": _l("Legal aid"),
}

ASSISTANCE_STATES = {
    "applied": _l("Applied"),
    "verified": _l("Verified"),
    "approved": _l("Approved"),
    "paid": _l("Paid"),
    "rejected": _l("Rejected"),
    "reversed": _l("Reversed"),
}

SCHOOL_LEVELS = {
    "primary": _l("Primary school"),
    "junior": _l("Junior secondary"),
    "senior": _l("Senior secondary"),
    "vocational": _l("Vocational school"),
    "college": _l("College"),
    "university": _l("University"),
    "postgraduate": _l("Postgraduate"),
}

AUDIT_ACTIONS = {
    "create": _l("Create"),
    "update": _l("Update"),
    "delete": _l("Delete"),
    "login": _l("Login"),
    "login_failed": _l("Failed login"),
    "login_locked": _l("Login while locked"),
    "logout": _l("Logout"),
    "export": _l("Export"),
    "verify": _l("Verify"),
    "approve": _l("Approve"),
    "reject": _l("Reject"),
    "pay": _l("Pay"),
    "reverse": _l("Reverse"),
    "import": _l("Import"),
    "backup": _l("Backup"),
    "restore": _l("Restore"),
}


def pairs(mapping: dict) -> list[tuple[str, object]]:
    """Return ``(value, label)`` pairs for a WTForms select."""
    return list(mapping.items())

TRAINING_CATEGORIES = {
    "welding": _l("Welding"),
    "computer": _l("Computer skills"),
    "sewing": _l("Sewing"),
    "housekeeping": _l("Housekeeping services"),
    "catering": _l("Nutritional catering"),
    "syb": _l("SYB start-your-business training"),
    "gyb": _l("GYB generate-your-business training"),
    "other": _l("Other"),
}

TRAINING_CLASS_STATES = {
    "planned": _l("Planned"),
    "running": _l("Running"),
    "finished": _l("Finished"),
}

ENROLMENT_STATES = {
    "enrolled": _l("Enrolled"),
    "completed": _l("Completed"),
    "dropped": _l("Dropped out"),
}

TRAINING_OUTCOMES = {
    "reemployed": _l("Re-employed"),
    "business": _l("Started a business"),
    "not_employed": _l("Not yet employed"),
}

LOAN_STATES = {
    "applied": _l("Applied"),
    "approved": _l("Approved"),
    "disbursed": _l("Disbursed"),
    "repaid": _l("Repaid"),
    "rejected": _l("Rejected"),
    "written_off": _l("Written off"),
}

ARREARS_BUCKETS = {
    "1-30": _l("1–30 days"),
    "31-60": _l("31–60 days"),
    "61-90": _l("61–90 days"),
    "90+": _l("Over 90 days"),
}

NOTICE_KINDS = {
    "batch": _l("List of names"),
    "free": _l("Free text"),
}

NOTICE_SOURCES = {
    "assistance": _l("Approved assistance"),
    "loan": _l("Approved micro-loans"),
    "worker": _l("Newly filed workers"),
}

NOTICE_STATES = {
    "draft": _l("Draft"),
    "published": _l("Published"),
    "ended": _l("Ended"),
    "withdrawn": _l("Withdrawn"),
}

OBJECTION_STATES = {
    "open": _l("Open"),
    "resolved": _l("Resolved"),
}

DONOR_KINDS = {"person": _l("Individual"), "organisation": _l("Organisation")}

DONATION_STATES = {"draft": _l("Draft"), "recorded": _l("Recorded"), "voided": _l("Voided")}

ITEM_CATEGORIES = {
    "grain_oil": _l("Grain and oil"),
    "food": _l("Food"),
    "daily": _l("Daily necessities"),
    "bedding": _l("Clothing and bedding"),
    "school": _l("School supplies"),
    "appliance": _l("Small appliances"),
    "other": _l("Other"),
}

MOVEMENT_REASONS = {
    "donation_in": _l("Donated goods in"),
    "purchase_in": _l("Purchase in"),
    "redemption_out": _l("Redemption out"),
    "handout_out": _l("Hand-out out"),
    "loss_out": _l("Loss or expiry out"),
    "stocktake": _l("Stocktake adjustment"),
    "reversal": _l("Reversal"),
}

STOCKTAKE_STATES = {"open": _l("Counting"), "confirmed": _l("Confirmed")}

CARD_STATUSES = {"active": _l("Active"), "lost": _l("Lost (replaced)"),
                 "cancelled": _l("Cancelled")}

CARD_ENTRY_KINDS = {
    "topup": _l("Top-up"),
    "redemption": _l("Redemption"),
    "refund": _l("Refund of a voided redemption"),
    "transfer_out": _l("Moved to the replacement card"),
    "transfer_in": _l("Moved from the lost card"),
    "topup_reversal": _l("Top-up reversal"),
}

REDEMPTION_STATES = {"done": _l("Redeemed"), "voided": _l("Voided")}
HANDOUT_STATES = {"done": _l("Handed out"), "voided": _l("Voided")}

# Why a file left hardship (脱困): the reasons the year-end summary counts.
EXIT_CAUSES = {
    "employment": _l("More income from work"),
    "business": _l("Started a business"),
    "safety_net": _l("Covered by the social safety net"),
    "children_work": _l("Children found work"),
    "other": _l("Other"),
}

# How an episode of a file (filed → closed) ended.
EPISODE_CLOSE_KINDS = {"exited": _l("Out of hardship"), "removed": _l("File withdrawn")}

REVIEW_STATES = {
    "assigned": _l("Assigned"),
    "submitted": _l("Submitted"),
    "returned": _l("Returned for rework"),
    "approved": _l("Approved"),
}

REVIEW_CONCLUSIONS = {
    "continue": _l("Stays on file"),
    "exit": _l("Out of hardship"),
    "remove": _l("Withdraw the file"),
}
