"""Demo episodes and reviews: every file's episodes from its status, one file back in
hardship (返困), and reviews in every state, through the rules; the hardship certificates
of the files on record in a qualifying category, one of them re-issued."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

import models.base
from models import Worker, db
from models.base import DomainError, freeze_today
from models.worker_certificate_rules import add_missing_certificates, reissue, valid_certificate
from models.worker_episode_rules import add_missing_episodes
from models.worker_review_rules import approve, return_review, start_review, submit
from models.worker_rules import activate, refile
from models.worker_snapshots import facts_of

# (state, conclusion) of the demo's reviews, in the order the files are taken.
PLAN = (("assigned", None), ("assigned", None), ("returned", "continue"),
        ("submitted", "continue"), ("submitted", "exit"), ("approved", "continue"),
        ("approved", "exit"), ("approved", "remove"))


def _form(worker, conclusion: str) -> dict:
    facts = facts_of(worker)
    form = {k: "" if v is None else str(v) for k, v in facts.items() if k != "members"}
    form["on_dibao"] = "1" if facts["on_dibao"] else ""
    form.update(conclusion=conclusion, new_category=worker.category or "",
                exit_cause="employment" if conclusion == "exit" else "",
                conclusion_reason={"exit": "家庭收入提高，已稳定脱困",
                                   "remove": "经核实不再符合建档条件"}.get(conclusion, ""))
    for member in facts["members"]:
        form[f"member-{member['id']}-monthly_income"] = member["monthly_income"]
        form[f"member-{member['id']}-health"] = member["health"] or ""
    return form


def _return_to_hardship(users) -> int:
    """Re-file the first exited file whose people are free, and approve it (返困)."""
    # A file of the county's own: a station's files stay filed by the station's staff.
    for worker in db.session.scalars(select(Worker).where(
            Worker.status == "exited", Worker.unit_id == users["staff"].unit_id)
            .order_by(Worker.id).limit(10)):
        try:
            with db.session.begin_nested():
                refile(worker, users["staff"])
                db.session.flush()
                activate(worker, users["manager"])
            return 1
        except DomainError:
            continue
    return 0


def _reviews(users, as_of: dt.date) -> int:
    files = db.session.scalars(select(Worker).where(Worker.status == "active")
                               .order_by(Worker.id).limit(len(PLAN))).all()
    staff, manager = users["staff"], users["manager"]
    for n, (worker, (state, conclusion)) in enumerate(zip(files, PLAN, strict=False)):
        if n == 0:  # started six weeks before the demo's day, due a month ago: overdue
            freeze_today(as_of - dt.timedelta(days=45))
        review = start_review(worker, manager, staff, as_of + dt.timedelta(
            days=-30 if n == 0 else 30))
        freeze_today(as_of)
        db.session.flush()
        if conclusion is None:
            continue
        submit(review, staff, _form(worker, conclusion))
        if state == "returned":
            return_review(review, manager, "请补充家庭成员收入证明")
        elif state == "approved":
            approve(review, manager)
    db.session.flush()
    return len(files)


def _reissue_one(users) -> None:
    """Re-issue one lost certificate (补发), so that the demo shows a second edition."""
    worker = db.session.scalar(select(Worker).where(
        Worker.status == "active", Worker.certificate_no != "").order_by(Worker.id).limit(1))
    if worker is not None and valid_certificate(worker) is not None:
        reissue(worker, users["staff"], "lost", "持证人报失")
        db.session.flush()


def load(users, as_of: dt.date) -> int:
    """Give every file its episodes, one return to hardship and the demo's reviews."""
    add_missing_episodes(db.session.connection())
    add_missing_certificates()  # issue 16: the files on record in a qualifying category
    frozen = models.base._frozen_today
    try:
        freeze_today(as_of)  # the rules refuse future dates: the demo lives on as_of
        returned = _return_to_hardship(users)
        made = _reviews(users, as_of)
        _reissue_one(users)
    finally:
        freeze_today(frozen)
    return made + returned
