"""Centre-wide settings an administrator may change, with typed defaults."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import DomainError, db, label
from models.choices import ASSISTANCE_KINDS, WORKER_CATEGORIES
from models.desk_choices import deadlines_code_text, deadlines_text

# key -> (type, default, label)
SETTINGS = {
    "dibao_line": (Decimal, Decimal("800.00"),
                   _l("Local minimum living allowance line (yuan per person per month)")),
    "review_interval_days": (int, 365, _l("Days between annual reviews of a file")),
    "notice_days": (int, 7, _l("Default notice period (days)")),
    "notice_required_kinds": (str, "education", _l(
        "Kinds of aid paid only after a public notice without objection")),
    # Issue 16: files on record in these categories hold a hardship certificate (特困职工证).
    "certificate_categories": (str, "deep", _l(
        "Categories of files on record that hold a hardship certificate")),
    # Issue 17: how long the service desk has to handle a case (接待登记).
    "case_deadline_days": (int, 15, _l("Days to handle a service desk case")),
    "case_deadline_by_type": (str, "wages=30,legal_aid=30,mediation=30", _l(
        "Days to handle a case, by type (type=days, comma separated)")),
    # Issue 18: love-card points are bought from a fund (models.card_topup_rules).
    "card_point_yuan": (Decimal, Decimal("1.00"), _l("Yuan per love-card point")),
    "card_topup_approval_above": (Decimal, Decimal("2000.00"), _l(
        "Love-card top-ups above this value need a manager's approval (yuan)")),
}
# Issue 18: the most cash one grant of a kind gives without a manager's written reason
# (0 = no limit). One typed setting per kind, so /admin/setting/ lists each by its label.
GRANT_LIMIT_DEFAULTS = {"living": 3000, "medical": 10000, "education": 5000, "festival": 2000,
                        "emergency": 5000, "employment": 2000, "legal": 3000}


def grant_limit_key(kind: str) -> str:
    """Return the key of the setting that holds the grant limit of ``kind``."""
    return f"grant_limit_{kind}"


for _kind, _kind_label in ASSISTANCE_KINDS.items():
    SETTINGS[grant_limit_key(_kind)] = (
        Decimal, Decimal(GRANT_LIMIT_DEFAULTS.get(_kind, 0)),
        LazyString(lambda label=_kind_label: _(
            "Maximum cash per grant, %(kind)s (yuan; 0 = no limit)", kind=label)))
# Text settings read by a parser that refuses what it cannot read: (the text stored, in
# codes; the text people read and edit, in names).
TEXT_FORMS = {"case_deadline_by_type": (deadlines_code_text, deadlines_text)}
# Settings whose value is a set of codes from a choice list, stored comma separated and
# edited as ticks beside the choices' labels.
CHOICE_SETS = {"notice_required_kinds": ASSISTANCE_KINDS,
               "certificate_categories": WORKER_CATEGORIES}


class Setting(db.Model):
    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True,
                                     info=label(_l("Setting")))
    value: Mapped[str] = mapped_column(String(256), info=label(_l("Value")))

    @property
    def description(self):
        return SETTINGS[self.key][2] if self.key in SETTINGS else self.key

    def __str__(self) -> str:
        return str(self.description)


def parse_setting(key: str, raw: str):
    """Return ``raw`` converted to the setting's type, or raise DomainError in Chinese."""
    if key not in SETTINGS:
        raise DomainError(_("Unknown setting: %(key)s", key=key))
    if key in CHOICE_SETS:
        return _codes_text(key, raw)
    kind = SETTINGS[key][0]
    try:
        value = kind(str(raw).strip())
    except (ValueError, InvalidOperation):
        raise DomainError(_("The value must be a number.")) from None
    if kind is not str and value < 0:
        raise DomainError(_("The value cannot be negative."))
    if key in TEXT_FORMS:
        return TEXT_FORMS[key][0](value)
    return value


def get_setting(key: str):
    """Return the stored value of ``key`` or its default."""
    row = db.session.get(Setting, key)
    if row is not None and key in CHOICE_SETS:  # as stored: an unknown code matches nothing
        return row.value
    return parse_setting(key, row.value) if row else SETTINGS[key][1]


def setting_codes(key: str, raw) -> list[str]:
    """Return the codes a choice-set setting's value (text or list) holds."""
    parts = raw.split(",") if isinstance(raw, str) else list(raw or ())
    return [part.strip() for part in parts if part and part.strip()]


def _codes_text(key: str, raw) -> str:
    """Return the stored text of a choice-set value, in the choices' order; refuse unknowns."""
    choices, codes = CHOICE_SETS[key], setting_codes(key, raw)
    unknown = [code for code in codes if code not in choices]
    if unknown:
        raise DomainError(_("Not a choice of this setting: %(codes)s", codes="、".join(unknown)))
    return ",".join(code for code in choices if code in codes)


def setting_text(key: str, raw) -> str:
    """Return a setting's value as people read it: a choice set by its labels, a text
    setting in names, an amount with two decimals."""
    if key in TEXT_FORMS:
        return TEXT_FORMS[key][1](raw)
    if key in SETTINGS and SETTINGS[key][0] is Decimal:
        try:
            return f"{Decimal(str(raw)):,.2f}"
        except InvalidOperation:
            return str(raw)
    if key not in CHOICE_SETS:
        return str(raw)
    labels = [str(CHOICE_SETS[key].get(code, code)) for code in setting_codes(key, raw)]
    return "、".join(labels) or "—"
