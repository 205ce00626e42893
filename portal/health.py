"""``GET /healthz``: tells a load balancer whether this server can reach its database."""
from __future__ import annotations

from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from models import db


def healthz():
    """Answer 200 when the database answers ``SELECT 1``, else 503; nothing personal."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "unavailable"}, 503, {"Cache-Control": "no-store"}
    finally:
        db.session.remove()  # hand the connection back at once
    return {"status": "ok"}, 200, {"Cache-Control": "no-store"}


def init_app(app: Flask) -> None:
    """Register ``/healthz`` (no login: it answers anyone, and says only up or down)."""
    app.add_url_rule("/healthz", "healthz", healthz)
