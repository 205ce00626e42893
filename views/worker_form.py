"""The worker form's layout: its sections, and the records made from a worker's page."""
from __future__ import annotations

from flask_admin.form import rules
from flask_babel import lazy_gettext as _l

# The worker form in the sections a paper file has (issue 13.7).
SECTIONS = (
    (_l("Identity"), ("name", "id_number", "ethnicity", "phone", "base_union", "employer",
                      "employer_nature", "address")),
    (_l("Hardship"), ("category", "main_cause", "secondary_causes", "health", "disability",
                      "single_parent")),  # certificate_no: the rules' (issue 16)
    (_l("Household income and spending"), ("household_size", "household_income",
                                           "essential_spending", "on_dibao")),
    (_l("Housing and insurance"), ("housing_type", "housing_area", "medical_insurance")),
    (_l("Bank account"), ("bank_name", "bank_card_no")),
    (_l("Household members"), ("members",)),
)
# Status: approve or re-file (返困). Leaving the record (脱困, 撤档) is a review's conclusion.
CLOSING = (_l("File status"), ("status",))
LAST = ("notes", "confirm_duplicates")
# Records made from a worker's page, pre-filled with the worker: endpoint -> button text.
NEW_FOR_WORKER = (("assistance", _l("New assistance")), ("loan", _l("New loan")),
                  ("enrolment", _l("Enrol in a training class")),
                  ("lovecard", _l("Issue a love card")),
                  ("visit", _l("Record a visit")), ("pairing", _l("Pair with a cadre or unit")))


def sections(*extra) -> list:
    """Return the form rules: a header over each section's fields, then the last fields."""
    return [rules.FieldSet(fields, header) for header, fields in SECTIONS + extra] + list(LAST)
