"""Factories for notices, their lines and objections, built through the domain rules."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from models import Notice, Objection, db
from models.notice_lines import add_lines
from models.notice_rules import publish
from tests.factories import make_assistance, make_worker, user


def make_education(name: str = "张晓明", **overrides):
    """Create an approved school-aid record for a new worker called ``name``."""
    values = dict(kind="education", campaign="2026年金秋助学", cash_amount=Decimal("2000.00"),
                  student_name="张小雨", school="济南第一中学", school_level="senior",
                  state="approved", approved_by_id=user("manager").id)
    values.update(overrides)
    if "worker" not in values:
        values["worker"] = make_worker(name=name, employer="第一机床厂", category="deep")
    return make_assistance(**values)


def make_notice(records=(), kind: str = "batch", source: str | None = "assistance",
                title: str = "2026年金秋助学拟资助对象公示", body: str = "",
                commit: bool = True) -> Notice:
    """Create a draft notice drafted by staff, listing ``records``."""
    notice = Notice(kind=kind, source=source if kind == "batch" else None, title=title,
                    body=body, state="draft", created_by_id=user("staff").id)
    db.session.add(notice)
    if records:
        add_lines(notice, records)
    if commit:
        db.session.commit()
    return notice


def make_published(records=None, starts_on: dt.date | None = None,
                   ends_on: dt.date | None = None, **overrides) -> Notice:
    """Create a notice and publish it as the manager (lists one education record by default)."""
    if records is None and overrides.get("kind", "batch") == "batch":
        records = [make_education()]
    if overrides.get("kind") == "free":
        overrides.setdefault("body", "<p>申请办法见下。</p>")
    notice = make_notice(records or (), **overrides)
    publish(notice, user("manager"), starts_on, ends_on)
    db.session.commit()
    return notice


def make_objection(notice: Notice, text: str = "该户家庭收入情况与公示不符。",
                   state: str = "open", **overrides) -> Objection:
    """Create an objection on ``notice`` directly (bypassing the period and rate rules)."""
    objection = Objection(notice_id=notice.id, contact="信访窗口", text=text, state=state,
                          ip="203.0.113.9", **overrides)
    if state == "resolved":
        objection.reply = objection.reply or "经核实，情况属实，异议不成立。"
        objection.resolved_by_id = user("staff").id
    db.session.add(objection)
    db.session.commit()
    return objection
