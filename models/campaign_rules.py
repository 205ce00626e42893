"""Campaign rules: who is eligible, and generating one application per eligible household.

Eligibility is one SQL expression per worker file (``exclusion``): NULL for a household
the campaign aids, else the code of the first reason it does not. The preview
(``models.campaign_figures``) counts by it and ``generate`` inserts from it, so what the
preview promises is what generate makes. The rules are those of the assistance form
(``models.assistance_rules.check_application``), said set-wise: a file on record; school
aid names a child in school; a cash amount or goods value; one grant per kind and
campaign (and one application per household and campaign: uq_assistance_campaign_worker).
"""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, and_, case, cast, exists, func, insert, literal, null, or_, select

from models.assistance import Assistance
from models.base import DomainError, db, utcnow
from models.campaign import Campaign, CampaignStandard
from models.choices import SCHOOL_LEVELS
from models.orgunit import root_unit_id, subtree_ids
from models.permissions import require
from models.unit_scope import ALL, unit_clause
from models.worker import FamilyMember, Worker

# How a household member's "school or work" names each level (free text on the file:
# 小学, 市第一中学 初二, 山东大学 ...). 中学 alone may be junior or senior: both match.
SCHOOL_WORDS = {
    "primary": ("小学",),
    "junior": ("初中", "初一", "初二", "初三", "中学"),
    "senior": ("高中", "高一", "高二", "高三", "中学"),
    "vocational": ("职高", "中专", "技校", "职校", "职业学校"),
    "college": ("大专", "专科", "职业技术学院", "高职"),
    "university": ("大学", "本科", "学院"),
    "postgraduate": ("研究生", "硕士", "博士"),
}
CHILD_RELATIONS = ("child", "grandchild")
LIVE_STATES = ("applied", "verified", "approved", "paid")
# Kinds whose grants need no amount (assistance_rules.check_application).
NO_AMOUNT_KINDS = ("employment", "legal")

# Why a household is left out, in the order they are asked: a household counts once,
# under the first that holds.
EXCLUSIONS = {
    "not_active": _l("File not on record (pending, out of hardship or withdrawn)"),
    "no_standard": _l("Category without a standard"),
    "base_union": _l("Not in the chosen base unions"),
    "cause": _l("Not of the chosen hardship causes"),
    "no_child": _l("No child in school at the chosen levels"),
    "aided": _l("Already aided in this campaign"),
}

CONSTRAINT_MESSAGES = {
    "uq_campaign_name": lambda: _("A campaign with this name exists."),
    "uq_campaign_standard_campaign_id": lambda: _(
        "Each category has one standard in a campaign."),
    "uq_campaign_goods_campaign_id": lambda: _("Each item is once in the goods package."),
    "uq_assistance_campaign_worker": lambda: _(
        "Applications of this campaign were generated at the same time; reload and see."),
    "ck_campaign_budget_positive": lambda: _("The budget must be more than 0."),
    "ck_campaign_period": lambda: _("The period ends before it starts."),
    "ck_campaign_standard_cash_not_negative": lambda: _("A cash standard cannot be negative."),
    "ck_campaign_goods_quantity_positive": lambda: _(
        "The quantity per household must be at least 1."),
}


def check_campaign(campaign: Campaign) -> None:
    """Refuse a campaign that could not generate valid applications."""
    if campaign.fund is None and campaign.fund_id is None:
        raise DomainError(_("Choose the fund the campaign pays from."))
    if campaign.kind == "medical":
        raise DomainError(_("Medical aid depends on each household's out-of-pocket cost; "
                            "it is applied for one by one, not by campaign."))
    if campaign.budget is None or campaign.budget <= 0:
        raise DomainError(_("The budget must be more than 0."))
    if campaign.starts_on and campaign.ends_on and campaign.ends_on < campaign.starts_on:
        raise DomainError(_("The period ends before it starts."))
    if not campaign.standards:
        raise DomainError(_("Give the cash standard of at least one file category: only "
                            "categories with a standard are aided."))
    categories = [s.category for s in campaign.standards]
    if len(set(categories)) != len(categories):
        raise DomainError(_("Each category has one standard in a campaign."))
    items = [g.item_id or (g.item and g.item.id) for g in campaign.goods]
    if len(set(items)) != len(items):
        raise DomainError(_("Each item is once in the goods package."))
    if any((g.quantity or 0) < 1 for g in campaign.goods):
        raise DomainError(_("The quantity per household must be at least 1."))
    if any(s.cash_amount is None or s.cash_amount < 0 for s in campaign.standards):
        raise DomainError(_("A cash standard cannot be negative."))
    if campaign.kind not in NO_AMOUNT_KINDS and not package_value(campaign) and any(
            not s.cash_amount for s in campaign.standards):
        raise DomainError(_("Each household gets a cash amount or a goods package with a "
                            "value: give the cash of every standard, or goods with a price."))
    if campaign.kind == "education":
        campaign.needs_child_in_school = True  # school aid names the student and school


# What its generated applications carry: fixed once there are any (the one-grant rule
# compares the name, kind and year; the fund is theirs too).
FIXED_ONCE_GENERATED = ("name", "kind", "year", "fund_id", "unit_id")


def has_applications(campaign: Campaign) -> bool:
    """Tell whether the campaign has generated any application."""
    return campaign.id is not None and db.session.scalar(
        select(exists().where(Assistance.campaign_id == campaign.id)))


def check_edit(campaign: Campaign, changed: set[str]) -> None:
    """Refuse changing what the campaign's applications already carry."""
    if changed & set(FIXED_ONCE_GENERATED) and has_applications(campaign):
        raise DomainError(_("Applications have been generated: the name, kind, year, fund "
                            "and unit of the campaign can no longer change."))


def campaign_units(campaign: Campaign):
    """Return the units whose households the campaign reaches: its own and those below."""
    if campaign.unit_id is None or campaign.unit_id == root_unit_id():
        return ALL
    return subtree_ids(campaign.unit_id)


def package_value(campaign: Campaign) -> Decimal:
    """Return the value of one household's goods package at the items' points prices."""
    return sum((Decimal(g.quantity or 0) * (g.item.points_price or Decimal("0"))
                for g in campaign.goods if g.item is not None), Decimal("0")).quantize(
        Decimal("0.01"))


def package_text(campaign: Campaign) -> str:
    """Return the goods package as an application's goods text: 大米 5kg×1袋、..."""
    text = "、".join(f"{g.item.name}×{g.quantity}{g.item.unit}" for g in campaign.goods
                    if g.item is not None)
    return text[:200]


def _levels(campaign: Campaign) -> list[str]:
    return [lv for lv in SCHOOL_LEVELS if lv in (campaign.school_levels or [])] or list(
        SCHOOL_LEVELS)


def _in_school(campaign: Campaign):
    """Return the clause: a household member is a child in school at a chosen level."""
    words = {w for level in _levels(campaign) for w in SCHOOL_WORDS[level]}
    return and_(FamilyMember.worker_id == Worker.id,
                FamilyMember.relation.in_(CHILD_RELATIONS),
                or_(*(FamilyMember.school_or_work.contains(w, autoescape=True)
                      for w in sorted(words))))


def _level_of_school(campaign: Campaign):
    """Return the CASE naming the first chosen level a member's school text matches."""
    return case(*((or_(*(FamilyMember.school_or_work.contains(w, autoescape=True)
                         for w in SCHOOL_WORDS[level])), literal(level))
                  for level in _levels(campaign)), else_=null())


def _first_child(campaign: Campaign, column):
    return (select(column).where(_in_school(campaign)).order_by(FamilyMember.id).limit(1)
            .correlate(Worker).scalar_subquery())


def standard_cash(campaign: Campaign):
    """Return the scalar subquery: the cash standard of the worker's category, or NULL."""
    return (select(CampaignStandard.cash_amount)
            .where(CampaignStandard.campaign_id == campaign.id,
                   CampaignStandard.category == Worker.category)
            .correlate(Worker).scalar_subquery())


def _has_cause(campaign: Campaign):
    causes = list(campaign.causes or [])
    text = cast(Worker.secondary_causes, String)
    return or_(Worker.main_cause.in_(causes),
               *(text.contains(f'"{code}"', autoescape=True) for code in causes))


def _aided(campaign: Campaign, files=None):
    """Return the clause: the household has a record of this campaign, or a live grant of
    the same kind, year and campaign name made by hand (the one-grant rule).

    ``files``, (first, last) file id, says the files asked about lie in that range: the
    records are then read by it too (generate's windows).
    """
    window = () if files is None else (Assistance.worker_id.between(*files),)
    return exists().where(Assistance.worker_id == Worker.id, *window, or_(
        Assistance.campaign_id == campaign.id,
        and_(Assistance.kind == campaign.kind, Assistance.year == campaign.year,
             Assistance.campaign == campaign.name, Assistance.state.in_(LIVE_STATES))))


def exclusion(campaign: Campaign, files=None):
    """Return the CASE giving a worker file's first reason of ``EXCLUSIONS``, NULL if aided
    (``files``: see ``_aided``)."""
    whens = [(Worker.status != "active", "not_active"),
             (~exists().where(CampaignStandard.campaign_id == campaign.id,
                              CampaignStandard.category == Worker.category), "no_standard")]
    if campaign.base_unions:
        whens.append((~Worker.base_union.in_(list(campaign.base_unions)), "base_union"))
    if campaign.causes:
        whens.append((~_has_cause(campaign), "cause"))
    if campaign.needs_child_in_school or campaign.kind == "education":
        whens.append((~exists().where(_in_school(campaign)), "no_child"))
    whens.append((_aided(campaign, files), "aided"))
    return case(*((cond, literal(code)) for cond, code in whens), else_=null())


def households(campaign: Campaign):
    """Return the clause keeping the worker files the campaign reaches (its units')."""
    return unit_clause(Worker, campaign_units(campaign))


def eligible(campaign: Campaign, files=None):
    """Return the clause keeping the households the campaign aids now (of the files with
    an id from ``files[0]`` to ``files[1]``, when given).

    The same tests as ``exclusion``, as plain conditions the indexes can serve.
    """
    window = () if files is None else (Worker.id.between(*files),)
    return and_(households(campaign), Worker.status == "active", *window,
                exclusion(campaign, files).is_(None))


GENERATED = ("worker_id", "unit_id", "kind", "year", "campaign", "campaign_id", "reason",
             "cash_amount", "goods", "goods_value", "fund_id", "state", "applied_by_id",
             "applied_at", "student_name", "school", "school_level")


# File ids per INSERT … SELECT: the audit of one chunk is held at a time. Each window
# also reads what every window does (the active files' index): 20,000 took a sixth less
# than 5,000 over a million files on PostgreSQL.
CHUNK = 20_000


def generate(campaign: Campaign, user, audit=None) -> int:
    """Make one application (state applied, by ``user``) per eligible household, in the
    caller's transaction; return how many. A rerun adds nobody twice.

    INSERT … SELECT by windows of file ids (in file order): no record passes through
    Python, so 20,000 households take about as long as the database needs to write them.
    ``audit(model, ids, user)`` (``portal.audit.log_created_since``) logs each chunk's
    new records (the ids its INSERT returned), in bulk, in the same transaction, so
    memory stays flat.
    """
    require(user, "campaign", "C", _("Your role may not generate applications."))
    # Two generates of one campaign at once: the second waits here, then finds everyone
    # aided (on SQLite the write lock serialises them; the unique index backs both).
    db.session.execute(select(Campaign.id).where(Campaign.id == campaign.id)
                       .with_for_update())
    check_campaign(campaign)
    if not campaign.fund.active:
        raise DomainError(_("The campaign's fund is no longer in use; choose another."))
    made, table = 0, Assistance.__table__
    # Windows of CHUNK file ids, the records that aid them read by the same range: asking
    # for the CHUNK-th eligible file after the last one instead, PostgreSQL read every
    # file on record for each chunk (by the status index, then sorted), and checked the
    # files against all the campaign's records written so far, N² over a million files.
    low, high = db.session.execute(select(func.min(Worker.id), func.max(Worker.id))).one()
    for start in range(low or 0, (high or -1) + 1, CHUNK):
        chosen = _generated_rows(campaign, user, (start, start + CHUNK - 1))
        ids = db.session.scalars(insert(table).from_select(GENERATED, chosen)
                                 .returning(table.c.id)).all()
        made += len(ids)
        if audit is not None and ids:
            audit(Assistance, ids, user)
    return made


def _generated_rows(campaign: Campaign, user, files=None):
    """Return the SELECT of the applications' values (GENERATED), one per eligible file
    (of those with an id in ``files``, when given)."""
    money_type = Assistance.__table__.c.cash_amount.type
    school = campaign.kind == "education"
    text = Assistance.__table__.c.goods.type
    return select(
        Worker.id, Worker.unit_id, literal(campaign.kind, String), literal(campaign.year),
        literal(campaign.name, String), literal(campaign.id), literal(campaign.name, String),
        func.coalesce(standard_cash(campaign), 0),
        literal(package_text(campaign), text), literal(package_value(campaign), money_type),
        literal(campaign.fund_id), literal("applied", String), literal(user.id),
        literal(utcnow(), Assistance.__table__.c.applied_at.type),
        _first_child(campaign, FamilyMember.name) if school else literal("", String),
        func.substr(_first_child(campaign, FamilyMember.school_or_work), 1, 100)
        if school else literal("", String),
        _first_child(campaign, _level_of_school(campaign)) if school else null(),
    ).where(eligible(campaign, files)).order_by(Worker.id)
