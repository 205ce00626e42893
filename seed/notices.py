"""Demo notices: running and ended lists of names, a policy text, a withdrawn and a draft one."""
from __future__ import annotations

import contextlib
import datetime as dt
import random

from sqlalchemy import select

from models import Assistance, Notice, Objection, Worker, db
from models import base as model_base
from models.base import freeze_today, today, utcnow
from models.notice_lines import add_lines
from models.notice_rules import publish, withdraw
from models.objection_rules import handle

MAX_LINES = 60
GUIDE = """<h3>一、资助对象</h3>
<p>在档困难职工家庭中当年考入或就读普通高校、高职（专科）及中等职业学校的子女。</p>
<h3>二、资助标准</h3>
<table><thead><tr><th>学段</th><th>标准（元/人）</th></tr></thead>
<tbody><tr><td>本科及以上</td><td>5000</td></tr><tr><td>高职（专科）</td><td>4000</td></tr>
<tr><td>中职、高中</td><td>2000</td></tr></tbody></table>
<h3>三、办理程序</h3>
<ol><li>职工向所在基层工会提出申请，填写《金秋助学申请表》；</li>
<li>基层工会入户核实，签署意见后报市总工会帮扶中心；</li>
<li>中心审核后在本网站和中心公示栏公示7天，无异议后发放。</li></ol>
<p>咨询电话：0531-86001234（工作日 9:00—17:00）。详见
<a href="https://www.acftu.org/">中华全国总工会网站</a>。</p>"""


@contextlib.contextmanager
def _as_of(day: dt.date):
    """Run the block as if today were ``day`` (notices cannot be published in the past)."""
    previous = model_base._frozen_today
    freeze_today(day)
    try:
        yield
    finally:
        freeze_today(previous)


def _notice(title: str, staff, kind: str = "batch", source: str | None = "assistance",
            body: str = "", records=()) -> Notice | None:
    if kind == "batch" and not records:
        return None  # a small demo may have nothing of this kind to list
    notice = Notice(kind=kind, source=source, title=title, body=body, state="draft",
                    created_by_id=staff.id)
    db.session.add(notice)
    if records:
        add_lines(notice, records[:MAX_LINES])
    db.session.flush()
    return notice


def _aid(state: str, campaign: str | None = None) -> list[Assistance]:
    query = select(Assistance).where(Assistance.state == state).order_by(Assistance.id)
    if campaign is not None:
        query = query.where(Assistance.campaign == campaign)
    return list(db.session.scalars(query))


def load(rnd: random.Random, users: dict) -> int:
    """Add demo notices built from the demo aid and files; return how many were made."""
    staff, manager, day = users["staff"], users["manager"], today()
    notices = []

    ended = _notice("2026年春节送温暖慰问对象公示", staff,
                    records=_aid("paid", "2026年春节送温暖"))
    if ended:
        with _as_of(day - dt.timedelta(days=26)):
            publish(ended, manager)
        ended.state = "ended"
        notices.append(ended)

    running = _notice("2026年度拟帮扶对象公示", staff, records=_aid("approved"),
                      body="<p>以下职工经基层工会申报、帮扶中心入户核实和审批，拟给予帮扶。"
                           "如有异议，请在公示期内向帮扶中心反映。</p>")
    if running:
        with _as_of(day - dt.timedelta(days=2)):
            publish(running, manager)
        notices.append(running)
        for hours, text, reply in (
                (30, "名单中第一位职工家中新购置了轿车，是否符合困难条件请核实。",
                 "经入户核实，该车辆为亲属所有，职工家庭仍符合困难条件，异议不成立。"),
                (5, "我单位有一名同事生活困难但未在名单中，是否可以申请？", "")):
            objection = Objection(notice=running, name=rnd.choice(("", "王女士", "李先生")),
                                  contact=f"139{rnd.randrange(10**8):08d}", text=text,
                                  state="open", filed_at=utcnow() - dt.timedelta(hours=hours))
            db.session.add(objection)
            if reply:
                handle(objection, staff, reply, resolve=True)

    guide = _notice("2026年金秋助学申请指南", staff, kind="free", source=None, body=GUIDE)
    with _as_of(day - dt.timedelta(days=3)):
        publish(guide, manager, ends_on=day + dt.timedelta(days=27))
    notices.append(guide)

    wrong = _notice("2025年春节送温暖慰问对象公示（初稿）", staff,
                    records=_aid("paid", "2025年春节送温暖"))
    if wrong:
        with _as_of(day - dt.timedelta(days=6)):
            publish(wrong, manager)
            withdraw(wrong, manager, "名单年度有误，核实后重新公示")
        notices.append(wrong)

    pending = list(db.session.scalars(select(Worker).where(Worker.status == "pending")
                                      .order_by(Worker.filed_on.desc()).limit(20)))
    draft = _notice("新建档困难职工公示", staff, source="worker", records=pending)
    if draft:
        notices.append(draft)
    db.session.flush()
    return len(notices)

