"""What a campaign's batch step is about to do, said before it is confirmed; writes nothing.

The step itself checks everything again when confirmed (``models.campaign_batch``); a
step that would be refused now is refused here already, with the same message.
"""
from __future__ import annotations

from flask_babel import gettext as _

from models.campaign import Campaign
from models.campaign_batch import Batch, check
from models.display import money
from models.workflow import Preview


def yuan(value) -> str:
    return _("%(amount)s yuan", amount=money(value or 0))


def batch_preview(campaign: Campaign, step: str, user) -> Preview:
    """Return the counts and totals ``step`` would move now, and what it leaves aside."""
    batch = check(campaign, step, user)
    facts = [(_("Campaign"), campaign.name), (_("Grants"), str(batch.count)),
             (_("Cash total"), yuan(batch.cash)), (_("Goods value"), yuan(batch.goods_value))]
    if step == "verify":
        summary = _("Verify %(n)d applied grants of the campaign.", n=batch.count)
    elif step == "approve":
        summary = _("Approve %(n)d verified grants of the campaign.", n=batch.count)
    else:
        summary = _("Pay %(n)d approved grants: %(cash)s from %(fund)s, one fund entry per "
                    "payment; goods packages leave stock.", n=batch.count,
                    cash=yuan(batch.cash), fund=batch.fund_name)
        facts += [(_("Balance now"), yuan(batch.fund_balance)),
                  (_("Balance after"), yuan(batch.fund_balance - batch.cash))]
    return Preview(summary, tuple(facts), left_aside_text(batch))


def left_aside_text(batch: Batch) -> str:
    """Return the sentence naming the grants the batch leaves for one-by-one steps."""
    parts = []
    if batch.over_limit:
        parts.append(_("%(n)d above their kind's grant limit (approved one by one, with the "
                       "written reason)", n=batch.over_limit))
    if batch.second_grant:
        parts.append(_("%(n)d with a grant of this kind already (approved one by one, with "
                       "the written reason)", n=batch.second_grant))
    if batch.waiting:
        parts.append(_("%(n)d above the limit without a reason or paid from another fund "
                       "(paid one by one)", n=batch.waiting))
    if not parts:
        return ""
    return _("Left aside: %(list)s.", list=_("; ").join(parts))
