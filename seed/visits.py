"""Demo pairs and visits: about 40 一对一 pairs and a year of visits of every kind to ``as_of``.

Made through the rules (``models.pairing_rules``, ``models.visit_rules``) with the clock at
``as_of``. Festival visits around the Spring Festival and the Mid-Autumn Festival, home
checks, the 三必访 to files whose main cause is illness or an accident, pairing visits
about every two months — but some pairs were last visited long ago (overdue) and many
files were not visited at all this year, so the start page has work to show.
"""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

import models.base
from models import Worker, db
from models.base import freeze_today
from models.pairing import Pairing
from models.pairing_rules import end_pairing, make_pairing
from models.visit import Visit
from models.visit_rules import record_visit

MAX_FILES = 2000  # a big demo centre visits its first files: the seed stays fast
CADRES = ("周志刚", "陈立新", "刘红梅", "孙建华", "杨卫东", "赵丽萍", "黄海涛", "吴秀兰")
POSTS = ("副主席", "科长", "副科长", "主任科员", "办公室主任")
UNITS = ("市总工会办公室", "市总工会财务部", "市总工会权益保障部", "区总工会", "第一机床厂工会")
PARTNERS = ("市供电公司工会", "市第一人民医院工会", "城投集团工会", "市邮政分公司工会")
VISITORS = ("王帮扶、社区主任", "帮扶站站长、网格员", "区总工会副主席、王帮扶", "孙站长")
FOUND = ("家中老人卧床，收入不稳定", "孩子上学开支大，房屋漏雨", "术后在家休养，医药费负担重",
         "已找到保洁工作，生活有所好转", "配偶失业，靠低保维持")
LEFT = ("慰问信一封", "米面油一份（见帮扶记录）", "慰问金（见帮扶记录）", "")
FOLLOW = ("协助申请医疗救助", "介绍就业岗位", "咨询子女助学政策")


def _day(rnd: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rnd.randint(0, max((end - start).days, 0)))


def load(rnd: random.Random, users, as_of: dt.date, pairs: int = 40) -> int:
    """Add ``pairs`` pairs and a year of visits up to ``as_of``; return the visits made."""
    rnd = random.Random(rnd.random())  # their own sequence: later parts stay as they were
    staff = users["staff"]
    files = list(db.session.scalars(select(Worker).where(Worker.status == "active")
                                    .order_by(Worker.id).limit(MAX_FILES)))
    if not files:
        return 0
    frozen = models.base._frozen_today
    freeze_today(as_of)
    try:
        year_ago = as_of - dt.timedelta(days=364)
        made = []
        for n, worker in enumerate(rnd.sample(files, min(pairs, len(files)))):
            unit = n % 4 == 3
            made.append(make_pairing(Pairing(
                worker=worker, kind="unit" if unit else "cadre",
                cadre_name="" if unit else rnd.choice(CADRES),
                partner_unit=rnd.choice(PARTNERS) if unit else rnd.choice(UNITS),
                cadre_post="" if unit else rnd.choice(POSTS),
                cadre_phone="" if unit else f"139{rnd.randint(0, 99999999):08d}",
                starts_on=_day(rnd, as_of - dt.timedelta(days=700), year_ago),
                commitment="每季度至少走访一次，帮助解决实际困难"), staff))
        db.session.flush()
        visits = [*_pair_visits(rnd, made, as_of), *_other_visits(rnd, files, year_ago, as_of)]
        for visit in visits:
            record_visit(visit, staff)
        # Two pairs end (the worker is out of hardship): history.
        for pair in made[-2:]:
            end_pairing(pair, staff, as_of, "职工已脱困，结对任务完成")
        db.session.flush()
    finally:
        freeze_today(frozen)
    return len(visits)


def _pair_visits(rnd, pairs, as_of) -> list[Visit]:
    """Visits of each pair about every two months; one pair in four is overdue."""
    visits = []
    for n, pair in enumerate(pairs):
        last = as_of - dt.timedelta(days=rnd.randint(100, 200) if n % 4 == 1 else
                                    rnd.randint(0, 60))
        day = last
        while day >= max(pair.starts_on, as_of - dt.timedelta(days=364)):
            visits.append(Visit(worker=pair.worker, pairing=pair, kind="pairing", visited_on=day,
                                visitors=pair.cadre_name or pair.partner_unit,
                                found=rnd.choice(FOUND), left_behind=rnd.choice(LEFT)))
            day -= dt.timedelta(days=rnd.randint(50, 75))
    return visits


def _other_visits(rnd, files, year_ago, as_of) -> list[Visit]:
    """Festival visits, home checks and the 三必访 to some files; the rest not visited."""
    visits = []
    festivals = (dt.date(as_of.year, 1, 20), dt.date(as_of.year, 2, 10),
                 dt.date(as_of.year, 9, 10), dt.date(as_of.year, 9, 25))
    for worker in files:
        roll = rnd.random()
        if roll < 0.35:
            day = rnd.choice(festivals) + dt.timedelta(days=rnd.randint(0, 6))
            visits.append(_visit(rnd, worker, "festival", min(day, as_of)))
        if roll < 0.15 or 0.6 < roll < 0.7:
            visits.append(_visit(rnd, worker, "home_check", _day(rnd, year_ago, as_of)))
        if worker.main_cause == "illness" and rnd.random() < 0.5:
            visits.append(_visit(rnd, worker, "hospital", _day(rnd, year_ago, as_of)))
        elif worker.main_cause in ("accident", "disaster") and rnd.random() < 0.5:
            visits.append(_visit(rnd, worker, rnd.choice(("family_change", "major_hardship")),
                                 _day(rnd, year_ago, as_of)))
    return visits


def _visit(rnd, worker, kind, day) -> Visit:
    follow = rnd.random() < 0.1
    return Visit(worker=worker, kind=kind, visited_on=day, visitors=rnd.choice(VISITORS),
                 found=rnd.choice(FOUND), left_behind=rnd.choice(LEFT), follow_up=follow,
                 follow_up_note=rnd.choice(FOLLOW) if follow else "")
