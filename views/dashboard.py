"""Figures for the start page."""
from __future__ import annotations

from sqlalchemy import func, select

from models import Worker, db
from models.worker_rules import review_overdue_clause


def dashboard_figures(role: str) -> dict:
    """Return the counts the start page shows to ``role``."""
    if role not in ("admin", "staff", "manager", "clerk"):
        return {}
    by_status = dict(db.session.execute(
        select(Worker.status, func.count()).group_by(Worker.status)).all())
    by_category = dict(db.session.execute(
        select(Worker.category, func.count()).where(Worker.status == "active")
        .group_by(Worker.category)).all())
    overdue = db.session.scalar(select(func.count()).where(review_overdue_clause()))
    return {"by_status": by_status, "by_category": by_category, "review_overdue": overdue}
