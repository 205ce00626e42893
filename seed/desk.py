"""Demo service desk: a year of visits, calls, letters and online requests to ``as_of``.

Every case goes through the rules (``models.service_case_rules``) on the day it happened
(the clock frozen there), so the stamps, deadlines and states are what the desk would
have made: old cases closed after their return visit (a few reopened first), recent ones
still open, some past their deadline; one collective wage claim of 20 migrant workers.
Some callers come back; some hold an ID number that stands in a hardship file.
"""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

import models.base
from models import Worker, db
from models.base import freeze_now, freeze_today
from models.person_rules import find_or_make
from models.service_case import ServiceCase
from models.service_case_rules import assign, receive, resolve, start, supervise, take, visit
from seed import desk_legal

CHANNELS = (("call", 45), ("visit", 35), ("online", 10), ("letter", 8))
TYPES = (("wages", 18), ("policy", 16), ("living", 12), ("job", 10), ("medical", 8),
         ("mediation", 8), ("legal_aid", 7), ("training", 6), ("loan", 5),
         ("counselling", 4), ("complaint", 3), ("other", 3))
SUMMARIES = {
    "wages": "工地包工头拖欠工资{n}个月，约{m}元", "policy": "咨询困难职工建档条件",
    "living": "家中生活困难，申请临时救助", "job": "下岗后求职，希望介绍保洁、保安类岗位",
    "medical": "住院自付费用较高，咨询医疗互助", "mediation": "与单位解除劳动合同，补偿金有争议",
    "legal_aid": "工伤认定后单位拒绝赔偿，申请法律援助", "training": "想报名家政服务培训班",
    "loan": "想开小吃店，咨询小额借款", "counselling": "失业后情绪低落，需要心理疏导",
    "complaint": "反映社区帮扶站办事效率低", "other": "询问送温暖活动时间",
}
RESULTS = ("已协调解决", "已转相关部门办理并跟踪", "已答复政策", "已追回工资", "已纳入帮扶")


def _weighted(rnd: random.Random, table) -> str:
    return rnd.choices([code for code, _w in table], [w for _c, w in table])[0]


def _at(day: dt.date, rnd: random.Random) -> dt.datetime:
    """Return a moment of office hours on ``day`` (China time) as stored (UTC)."""
    return dt.datetime.combine(day, dt.time(rnd.randint(0, 8), rnd.randint(0, 59)))


def _on(day: dt.date, rnd: random.Random) -> None:
    freeze_today(day)
    freeze_now(_at(day, rnd))


def _callers(rnd, fake, files: list[Worker], n: int) -> list[dict]:
    """Return ``n`` callers: some holding a file's ID number, most only a phone."""
    callers = []
    for i in range(n):
        caller = {"phone": f"1{rnd.choice('3578')}{rnd.randint(0, 999999999):09d}",
                  "name": fake.name(), "employer": fake.company(),
                  "is_migrant": rnd.random() < 0.3, "address": fake.street_address()}
        if files and i % 12 == 0:  # a hardship worker who calls the desk
            worker = files[(i // 12) % len(files)]
            caller.update(name=worker.name, id_number=worker.id_number, phone=worker.phone
                          or caller["phone"])
        callers.append(caller)
    return callers


def _handle(case, users, rnd, day: dt.date, as_of: dt.date) -> None:
    """Take ``case`` as far as the days since it came in allow.

    Of the last ten days' cases, about half are assigned and not yet started.
    """
    staff, manager = users["staff"], users["manager"]
    steps = []
    if (as_of - day).days < 10 and rnd.random() < 0.5:
        steps.append((1, lambda: assign(case, manager, staff.id, "self", "", "")))
        as_of = min(as_of, day + dt.timedelta(days=1))
    elif rnd.random() < 0.4:
        steps.append((1, lambda: take(case, staff)))
    else:
        mode = rnd.choice(("self", "self", "assist", "transfer"))
        partner = "" if mode == "self" else rnd.choice(("区人社局劳动监察大队", "区法律援助中心",
                                                        "街道社区服务中心"))
        steps += [(1, lambda: assign(case, manager, staff.id, mode, partner, "")),
                  (1, lambda: start(case, staff))]
    if rnd.random() < 0.1:
        steps.append((2, lambda: supervise(case, manager, "请加快办理，按期办结")))
    steps.append((rnd.randint(3, 25), lambda: resolve(case, staff, "经调查核实，" + rnd.choice(
        RESULTS) + "，已告知本人。", rnd.choice(RESULTS))))
    if rnd.random() < 0.08:  # the person is not satisfied: handled again
        steps += [(rnd.randint(2, 6), lambda: visit(case, staff, "unsatisfied", "认为处理不彻底")),
                  (rnd.randint(3, 10), lambda: resolve(case, staff, "再次协调，问题已解决。",
                                                       "已协调解决"))]
    steps.append((rnd.randint(2, 8), lambda: visit(case, staff, rnd.choice(
        ("satisfied", "satisfied", "satisfied", "basic")), "")))
    for after, step in steps:
        day += dt.timedelta(days=after)
        if day > as_of:
            return
        _on(day, rnd)
        step()


def load(rnd: random.Random, fake, users, as_of: dt.date, cases: int = 240) -> int:
    """Add a year of desk cases up to ``as_of``; return how many."""
    rnd = random.Random(rnd.random())  # the desk's own sequence: later parts stay as they were
    files = list(db.session.scalars(select(Worker).where(Worker.status == "active")
                                    .order_by(Worker.id).limit(20)))
    callers = _callers(rnd, fake, files, max(cases * 2 // 3, 1))
    frozen, frozen_now = models.base._frozen_today, models.base._frozen_now
    try:
        days = sorted(as_of - dt.timedelta(days=rnd.randint(0, 364)) for _ in range(cases - 1))
        for n, day in enumerate(days, 1):
            caller = rnd.choice(callers)  # a caller drawn twice comes back
            case_type = _weighted(rnd, TYPES)
            channel = _weighted(rnd, CHANNELS)
            _on(day, rnd)
            summary = SUMMARIES[case_type].format(n=rnd.randint(2, 6),
                                                  m=rnd.randint(5, 40) * 1000)
            case = receive(ServiceCase(channel=channel, case_type=case_type, summary=summary,
                                       hotline=channel == "call" and rnd.random() < 0.3),
                           find_or_make(**caller), users["staff"])
            db.session.flush()
            if n == len(days):  # the newest: assigned, not started (every state shows)
                assign(case, users["manager"], users["staff"].id, "self", "", "")
            elif rnd.random() < 0.9:  # a few stay received, never assigned
                _handle(case, users, rnd, day, as_of)
        _collective(rnd, fake, users, as_of)
        db.session.flush()
    finally:
        freeze_today(frozen)
        freeze_now(frozen_now)
    return cases


def _collective(rnd, fake, users, as_of: dt.date) -> None:
    """The year's collective wage claim: 20 migrant workers of one site, recovered in part."""
    day = as_of - dt.timedelta(days=75)
    _on(day, rnd)
    leader = find_or_make(phone="13853100817", name="马广才", employer="鲁兴建筑劳务公司",
                          is_migrant=True, address="长清区文昌街道工地宿舍")
    case = receive(ServiceCase(channel="collective", head_count=20, case_type="wages",
                               summary="20名农民工集体反映某工地拖欠工资共计46.8万元"),
                   leader, users["staff"])
    db.session.flush()
    for after, step in ((0, lambda: assign(case, users["manager"], users["staff"].id, "assist",
                                           "区人社局劳动监察大队", "")),
                        (0, lambda: supervise(case, users["manager"], "集体欠薪，列入督办")),
                        (1, lambda: start(case, users["staff"])),
                        (30, lambda: resolve(case, users["staff"],
                                             "联合劳动监察大队约谈总包单位，追回工资31.2万元，"
                                             "余款已进入仲裁程序。", "部分追回 31.2 万元")),
                        (5, lambda: visit(case, users["staff"], "basic", "余款仍在追讨"))):
        day += dt.timedelta(days=after)
        _on(day, rnd)
        step()
    desk_legal.load(rnd, users, as_of, case)  # the claim's legal case, and others
