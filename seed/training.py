"""Demo training classes with rosters and outcome follow-ups, enrolled through the rules."""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sqlalchemy import select

from models import TrainingClass, Worker, db
from models.training import Enrolment
from models.training_rules import check_follow_up, complete, drop, enrol

# (name, category, hours, places, instructor, venue)
PLANS = (
    ("电焊工（初级）培训班", "welding", 160, 30, "刘振东", "市职工技能实训基地"),
    ("计算机办公应用培训班", "computer", 60, 40, "陈晓燕", "市总工会职工学校机房"),
    ("服装缝纫技能培训班", "sewing", 120, 25, "赵玉兰", "长清区职工服务中心"),
    ("家政服务员（育婴）培训班", "housekeeping", 80, 35, "孙丽华", "市家政服务协会培训部"),
    ("中式营养配餐员培训班", "catering", 100, 30, "王国庆", "市烹饪职业培训学校"),
    ("SYB创业培训班", "syb", 80, 30, "李明远", "市创业孵化基地"),
    ("GYB创业意识培训班", "gyb", 24, 40, "张海燕", "市创业孵化基地"),
)
EMPLOYERS = ("济南华美焊接有限公司", "山东鲁信物业服务有限公司", "济南巧手家政服务有限公司",
             "历城区金太阳幼儿园食堂", "济南恒达服装厂", "山东快捷物流有限公司",
             "济南舜耕大酒店", "市第三人民医院后勤中心")
BUSINESSES = ("社区早餐店", "便民缝补铺", "家常菜外卖小店", "网店（手工编织）", "社区家电维修部")


def _class(plan, start: dt.date, state: str) -> TrainingClass:
    name, category, hours, capacity, instructor, venue = plan
    weeks = max(1, hours // 20)
    klass = TrainingClass(
        name=f"{start.year}年第{(start.month - 1) // 3 + 1}期{name}", category=category,
        start_date=start, end_date=start + dt.timedelta(weeks=weeks), hours=hours,
        capacity=capacity, instructor=instructor, venue=venue,
        state="running" if state == "finished" else state)
    db.session.add(klass)
    db.session.flush()
    return klass


def _follow_up(rnd: random.Random, record: Enrolment, as_of: dt.date) -> None:
    end = record.training_class.end_date
    roll = rnd.random()
    record.attendance_rate = Decimal(rnd.randint(80, 100))
    record.certificate_no = f"ZJ{end:%Y%m}{record.id:05d}"
    if roll < 0.15:  # not yet reached by the follow-up
        return
    record.outcome = "reemployed" if roll < 0.62 else ("business" if roll < 0.77
                                                       else "not_employed")
    if record.outcome != "not_employed":
        record.outcome_on = min(as_of, end + dt.timedelta(days=rnd.randint(7, 120)))
        record.employer = rnd.choice(EMPLOYERS if record.outcome == "reemployed"
                                     else BUSINESSES)
        record.monthly_income = Decimal(rnd.randrange(2400, 6500, 100))
    record.followed_up_on = min(as_of, end + dt.timedelta(days=rnd.randint(90, 150)))
    check_follow_up(record)


def load(rnd: random.Random, users: dict, as_of: dt.date) -> int:
    """Add classes in every state with rosters and outcomes; return how many enrolments."""
    staff = users["staff"]
    workers = db.session.scalars(select(Worker.id).where(Worker.status == "active")
                                 .order_by(Worker.id)).all()
    if not workers:
        return 0
    made = 0
    schedule = ([(plan, "finished", 120 + 60 * i) for i, plan in enumerate(PLANS)]
                + [(plan, "running", rnd.randint(5, 30)) for plan in PLANS[:3]]
                + [(plan, "planned", -rnd.randint(10, 40)) for plan in PLANS[3:5]])
    for plan, state, days_ago in schedule:
        klass = _class(plan, as_of - dt.timedelta(days=days_ago), state)
        size = min(len(workers), rnd.randint(klass.capacity * 2 // 3, klass.capacity))
        for worker_id in rnd.sample(workers, size):
            record = Enrolment(training_class=klass, worker=db.session.get(Worker, worker_id),
                               enrolled_on=klass.start_date - dt.timedelta(days=rnd.randint(3, 20)))
            enrol(record, staff)
            made += 1
        db.session.flush()
        if state == "planned":
            continue
        for record in klass.enrolments:
            if rnd.random() < 0.08:
                drop(record, staff)
                record.dropped_on = min(as_of, klass.start_date + dt.timedelta(days=7))
            elif state == "finished":
                complete(record, staff)
                record.completed_on = klass.end_date
                _follow_up(rnd, record, as_of)
        klass.state = state
        db.session.flush()
    return made
