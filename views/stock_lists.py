"""What the warehouse clerk keeps an eye on: low stock, expiry, today's movements."""
from __future__ import annotations

from flask import url_for
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_admin.model.template import EndpointLinkRowAction
from flask_babel import lazy_gettext as _l

from models.dashboard import redeemed_today_clause
from models.inventory import StockMovement
from models.inventory_rules import (
    EXPIRING_DAYS,
    expired_clause,
    expiring_clause,
    local_day_start,
    low_stock_clause,
)
from models.unit_scope import acting_role
from views.filters import ClauseFilter


class LowStockFilter(ClauseFilter):
    clause = staticmethod(low_stock_clause)


class TodayFilter(ClauseFilter):
    clause = staticmethod(lambda: StockMovement.at >= local_day_start())


class RedeemedTodayFilter(ClauseFilter):
    """Redemptions standing (not voided) made today, China time."""

    clause = staticmethod(redeemed_today_clause)


class ExpiryFilter(BaseSQLAFilter):
    def apply(self, query, value, alias=None):
        return query.filter(expired_clause() if value == "expired" else expiring_clause())

    def operation(self):
        return _l("is")

    def get_options(self, view):
        return [("expired", _l("Expired")),
                ("soon", _l("Expiring within %(n)d days", n=EXPIRING_DAYS))]


def view_of(admin, endpoint: str):
    """Return the admin's view registered as ``endpoint``."""
    return next((v for v in admin._views if getattr(v, "endpoint", None) == endpoint), None)


def filtered_url(admin, endpoint: str, filter_class, value: str = "1") -> str | None:
    """Return the list URL of ``endpoint`` with one of its filters set, if the user may read it."""
    view = view_of(admin, endpoint)
    if view is None or not view.is_accessible():
        return None
    for index, flt in enumerate(view._filters or []):
        if isinstance(flt, filter_class):
            arg = f"flt0_{view.get_filter_arg(index, flt)}"
            return url_for(f"{endpoint}.index_view", **{arg: value})
    return None


def clerk_lists(admin) -> list[tuple[object, str]]:
    """Return ``(label, url)`` of the lists the clerk checks every day, as far as readable.

    Worked out once per role and Admin (who may read a list depends on the role only, the
    labels are translated where shown): the counter page after every redemption shows them.
    """
    cache = admin.__dict__.setdefault("_clerk_lists", {})
    role = acting_role()
    if role not in cache:
        links = [(_l("Low stock"), filtered_url(admin, "item", LowStockFilter)),
                 (_l("Expired"), filtered_url(admin, "stocklot", ExpiryFilter, "expired")),
                 (_l("Expiring within %(n)d days", n=EXPIRING_DAYS),
                  filtered_url(admin, "stocklot", ExpiryFilter, "soon")),
                 (_l("Today's movements"), filtered_url(admin, "stockmovement", TodayFilter))]
        cache[role] = [(label, url) for label, url in links if url]
    return cache[role]


class AllowedLink(EndpointLinkRowAction):
    """A row link shown only to roles that may do ``verb`` on the view it leads to, and,
    given ``when(row)`` (a rule of the models), only on rows where that step can be taken."""

    def __init__(self, icon_class, endpoint, title=None, verb="R", when=None, **kwargs):
        super().__init__(icon_class, endpoint, title=title, **kwargs)
        self.verb, self.when = verb, when

    def render(self, context, row_id, row):
        view = context.resolve("admin_view")
        if not self.endpoint.startswith("."):
            view = view_of(view.admin, self.endpoint.split(".")[0])
        if view is None or not view.allows(self.verb) or (self.when and not self.when(row)):
            return ""
        return super().render(context, row_id, row)
