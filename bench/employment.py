"""Time matching (issue 19): seekers for a vacancy and vacancies for a seeker, ≤ 200 ms each.

    python bench/employment.py                         # 100,000 seekers, 10,000 vacancies
    python bench/employment.py --seekers 2000 --vacancies 200
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test python bench/employment.py

Seeds, in bulk, N job seekers (a quarter hardship-file workers, a third of whom completed
a training class of a trade; the rest desk people), 500 employers, M vacancies (ordinary,
public-welfare and labour-export; most open) and a referral for every fifth seeker, into
a scratch SQLite file (``--file``, reused when it holds N seekers and M vacancies) or the
PostgreSQL schema ``bench_employment`` of ``DATABASE_URL`` (reused likewise). Then runs
``models.employment_match.seekers_for`` on ``--samples`` open vacancies and
``vacancies_for`` on as many seeking seekers, after one warm-up each, and prints the
median and max milliseconds of each, and whether each answer holds only what fits, its
score the sum of its reasons' points. Exits 1 when an answer is wrong (not on time).
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import scratch_db  # noqa: E402  (beside this file)
from fake_ids import unique_ids  # noqa: E402

LIMIT_MS = 200.0
SCHEMA = "bench_employment"
EMPLOYERS = 500
TRADES = ("welding", "computer", "sewing", "housekeeping", "catering")


def config(args) -> dict:
    """Return the app config of the database to measure."""
    return scratch_db.config(args, f"/tmp/bench_employment_{args.seekers}_{args.vacancies}.db")


def _insert(model, rows: list[dict]) -> None:
    from sqlalchemy import insert

    from models import db
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(model), rows[start:start + 5000])


def _workers(rnd, count: int, unit_id: int) -> None:
    from models import Worker
    rows, people = [], unique_ids(rnd, dt.date(1962, 1, 1), 14000)
    for i in range(count):
        born, number = next(people)
        rows.append(dict(
            name=rnd.choice("张王李赵刘陈杨黄") + rnd.choice(("建国", "秀英", "海燕", "志强")),
            id_number=number, gender="M" if int(number[16]) % 2 else "F", birth_date=born,
            phone=f"139{i:08d}", base_union=f"第{i % 20}基层工会", employer=f"第{i % 20}机械厂",
            category=rnd.choice(("deep", "relative", "migrant")), main_cause="illness",
            household_size=3, household_income=Decimal("24000"),
            essential_spending=Decimal("6000"), per_capita_income=Decimal("500.00"),
            status="active", filed_on=dt.date(2025, 5, 1), secondary_causes=[],
            unit_id=unit_id))
    _insert(Worker, rows)


def _training(rnd, worker_ids: list[int], unit_id: int) -> None:
    """Give a third of the workers a completed class of a trade."""
    from sqlalchemy import select

    from models import db
    from models.training import Enrolment, TrainingClass
    trained = worker_ids[::3]
    per_class = max(1, len(trained) // len(TRADES) + 1)
    _insert(TrainingClass, [dict(
        name=f"{code}培训班", category=code, start_date=dt.date(2025, 9, 1),
        end_date=dt.date(2025, 10, 31), hours=80, capacity=per_class, enrolled_count=0,
        state="finished", unit_id=unit_id) for code in TRADES])
    classes = db.session.scalars(select(TrainingClass.id).order_by(TrainingClass.id)).all()
    _insert(Enrolment, [dict(class_id=classes[i % len(classes)], worker_id=worker_id,
                             state="completed", enrolled_on=dt.date(2025, 9, 1),
                             completed_on=dt.date(2025, 10, 31))
                        for i, worker_id in enumerate(trained)])


def seed(app, seekers: int, vacancies: int) -> None:
    """Make the schema and the seekers and vacancies (reused when they are there)."""
    from sqlalchemy import func, select
    from stdnum.cn import uscc

    from models import Person, User, Worker, db
    from models.employment import JOB_TYPES, Employer, JobSeeker, Referral, Vacancy
    from portal.database import ensure_settings
    with app.app_context():
        db.create_all()
        have = (db.session.scalar(select(func.count()).select_from(JobSeeker)),
                db.session.scalar(select(func.count()).select_from(Vacancy)))
        if have == (seekers, vacancies):
            print(f"reusing {seekers:,} seekers and {vacancies:,} vacancies")
            return
        if any(have):
            sys.exit(f"the database holds {have[0]:,} seekers and {have[1]:,} vacancies: "
                     "remove it first")
        start = time.perf_counter()
        rnd = random.Random(19)
        db.session.info["audit"] = False
        ensure_settings()
        staff = User(username="staff", role="staff", full_name="staff")
        staff.set_password("bench-pass-1")
        db.session.add(staff)
        db.session.flush()
        unit = staff.unit_id
        on_file = seekers // 4
        _workers(rnd, on_file, unit)
        worker_ids = db.session.scalars(select(Worker.id).order_by(Worker.id)).all()
        _training(rnd, worker_ids, unit)
        _insert(Person, [dict(name=f"求职者{i}", phone=f"137{i:08d}", employer="",
                              address="", notes="", is_migrant=i % 3 == 0, unit_id=unit)
                         for i in range(seekers - on_file)])
        person_ids = db.session.scalars(select(Person.id).order_by(Person.id)).all()
        codes = list(JOB_TYPES)
        _insert(Employer, [dict(name=f"第{i}用工单位", credit_code=_code(uscc, i),
                                contact="", phone="", address="", notes="", is_base=False,
                                unit_id=unit) for i in range(EMPLOYERS)])
        employer_ids = db.session.scalars(select(Employer.id)).all()
        rows = []
        for i in range(vacancies):
            kind = rnd.choices(("ordinary", "public_welfare", "labour_export"), (8, 1, 1))[0]
            state = rnd.choices(("open", "filled", "closed"), (8, 1, 1))[0]
            places = rnd.randint(1, 20)
            low = rnd.randrange(1800, 5000, 100)
            rows.append(dict(employer_id=rnd.choice(employer_ids), title=f"岗位{i}",
                             job_type=rnd.choice(codes), kind=kind, places=places,
                             places_taken=places if state == "filled" else 0,
                             destination="北京" if kind == "labour_export" else "",
                             wage_min=Decimal(low), wage_max=Decimal(low + 1000),
                             requirements="", location="历下区", state=state,
                             open_from=dt.date(2026, 1, 1) + dt.timedelta(days=i % 300),
                             unit_id=unit))
        _insert(Vacancy, rows)
        rows = []
        for i in range(seekers):
            holder = ({"worker_id": worker_ids[i]} if i < on_file
                      else {"person_id": person_ids[i - on_file]})
            rows.append(dict(
                **holder, registered_on=dt.date(2026, 1, 1) + dt.timedelta(days=i % 300),
                desired_job_types=rnd.sample(codes, rnd.randint(1, 3)), skills="",
                desired_wage=Decimal(rnd.randrange(1800, 6000, 100)),
                willing_to_travel=rnd.random() < 0.3, availability="now",
                state=rnd.choices(("seeking", "placed", "withdrawn"), (17, 2, 1))[0],
                is_4050=rnd.random() < 0.25, has_file=i < on_file,
                is_migrant=rnd.random() < 0.3, name=f"求职者{i}", notes="", unit_id=unit))
        _insert(JobSeeker, rows)
        seeker_ids = db.session.scalars(select(JobSeeker.id).order_by(JobSeeker.id)).all()
        vacancy_ids = db.session.scalars(select(Vacancy.id)).all()
        _insert(Referral, [dict(seeker_id=seeker_id, vacancy_id=rnd.choice(vacancy_ids),
                                referred_on=dt.date(2026, 3, 1), state="referred",
                                times_undone=0, undo_reason="", notes="", unit_id=unit)
                           for seeker_id in seeker_ids[::5]])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":  # as autovacuum would, soon after
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE job_seeker, vacancy, referral, person, "
                                     "worker, enrolment, training_class")
        else:
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
        print(f"seeded {seekers:,} seekers, {vacancies:,} vacancies in "
              f"{time.perf_counter() - start:.0f} s")


def _code(uscc, i: int) -> str:
    body = f"913701{i:011d}"
    return body + uscc.calc_check_digit(body + "0")


def _fits(match, vacancy=None, seeker=None) -> bool:
    """Tell whether a match is sound: seeking / open, a reason given, score = points."""
    from models.employment_match import POINTS
    seeker, vacancy = seeker or match.record, vacancy or match.record
    wanted = vacancy.job_type in (seeker.desired_job_types or [])
    return (seeker.state == "seeking" and vacancy.state == "open"
            and ("wants_type" in match.reasons) == wanted
            and ("wants_type" in match.reasons or "trained" in match.reasons)
            and (vacancy.kind != "labour_export" or seeker.willing_to_travel)
            and match.score == sum(POINTS[r] for r in match.reasons))


def _time(call, items) -> tuple[list[float], bool]:
    from models import db
    call(items[0])  # warm-up
    times, sound = [], True
    for item in items:
        start = time.perf_counter()
        matches = call(item)
        times.append((time.perf_counter() - start) * 1000)
        sound = sound and all(_fits(m, **({"vacancy": item} if hasattr(item, "job_type")
                                          else {"seeker": item})) for m in matches)
        db.session.expunge_all()
    return times, sound


def measure(app, samples: int) -> bool:
    """Time both matchings on ``samples`` records each; print the figures."""
    from sqlalchemy import func, select

    from models import db
    from models.employment import JobSeeker, Vacancy
    from models.employment_match import seekers_for, vacancies_for
    with app.app_context():
        vacancies = db.session.scalars(select(Vacancy).where(Vacancy.state == "open")
                                       .order_by(func.random()).limit(samples)).all()
        seekers = db.session.scalars(select(JobSeeker).where(JobSeeker.state == "seeking")
                                     .order_by(func.random()).limit(samples)).all()
        db.session.expunge_all()
        vacancies = [db.session.merge(v, load=True) for v in vacancies]
        seekers = [db.session.merge(s, load=True) for s in seekers]
        counts = [len(seekers_for(vacancies[0])), len(vacancies_for(seekers[0]))]
        ok = True
        print(f"database: {db.engine.dialect.name}; a first vacancy has {counts[0]} matches "
              f"shown, a first seeker {counts[1]}")
        for name, call, items in (("seekers for a vacancy", seekers_for, vacancies),
                                  ("vacancies for a seeker", vacancies_for, seekers)):
            items = [db.session.merge(i) for i in items]
            times, sound = _time(lambda x, c=call: c(db.session.merge(x)), items)
            ok = ok and sound
            worst = max(times)
            print(f"{name}: median {statistics.median(times):.1f} ms, max {worst:.1f} ms "
                  f"over {len(times)}; answers sound: {'yes' if sound else 'NO'}; "
                  f"≤ {LIMIT_MS:.0f} ms: {'met' if worst <= LIMIT_MS else 'NOT MET'}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seekers", type=int, default=100_000)
    parser.add_argument("--vacancies", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--file", help="SQLite file (default /tmp/bench_employment_N_M.db)")
    parser.add_argument("--schema", default=SCHEMA, help="PostgreSQL schema of DATABASE_URL")
    parser.add_argument("--sqlite", action="store_true", help="SQLite even with DATABASE_URL")
    args = parser.parse_args()
    from portal import create_app
    app = create_app(config(args))
    seed(app, args.seekers, args.vacancies)
    sys.exit(0 if measure(app, args.samples) else 1)


if __name__ == "__main__":
    main()
