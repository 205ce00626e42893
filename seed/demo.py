"""Realistic, reproducible demo data made with Faker's zh_CN provider."""
from __future__ import annotations

import contextlib
import datetime as dt
import math
import random
import time

from faker import Faker
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, text

from models import Donation, Item, TrainingClass, User, Worker, db
from models.worker_certificate_rules import add_missing_certificates
from portal.database import ensure_settings
from portal.excel.bulk import roomy_cache
from seed import aid as aid_seed
from seed import campaigns as campaign_seed
from seed import desk as desk_seed
from seed import employment as employment_seed
from seed import handouts as handout_seed
from seed import inventory as inventory_seed
from seed import loans as loan_seed
from seed import notices as notice_seed
from seed import reviews as review_seed
from seed import training as training_seed
from seed import units as unit_seed
from seed import visits as visit_seed
from seed import workers as worker_seed

DEMO_USERS = (
    ("admin", "admin12345", "admin"),
    ("staff", "staff12345", "staff"),
    ("clerk", "clerk12345", "clerk"),
    ("manager", "manager12345", "manager"),
)
DEMO_NAMES = {"admin": "系统管理员", "staff": "王帮扶", "clerk": "李库管", "manager": "赵主任"}
# The demo logins of the stations: (user, password, role, station number from 1).
STATION_USERS = (("station1", "station12345", "staff", 1),)
STATION_NAMES = {"station1": "孙站长"}

# The day the data is "as of": fixed so that the same seed always gives the same data.
AS_OF = dt.date(2026, 11, 1)
# The varied parts (aid records, love cards) go through the rules one by one: they grow
# with the files up to this many, then as the square root (a big centre has more aid,
# not a row for every file), to at most their cap.
PROPORTIONAL_UP_TO = 2000


def scaled(share: float, workers: int, cap: int) -> int:
    """Return how many of a varied part ``workers`` files get: ``share`` of them up to
    ``PROPORTIONAL_UP_TO`` files, then growing as the square root, at most ``cap``."""
    if workers <= PROPORTIONAL_UP_TO:
        return max(1, int(workers * share))
    grown = PROPORTIONAL_UP_TO * share * math.sqrt(workers / PROPORTIONAL_UP_TO)
    return min(cap, max(int(PROPORTIONAL_UP_TO * share), int(grown)))


def _demo_user(username: str, password: str, role: str, full_name: str, unit) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username, full_name=full_name, role=role, unit_id=unit.id)
        user.set_password(password)
        db.session.add(user)
    return user


def ensure_demo_users(units=None) -> dict[str, User]:
    """Create the demo user of each role (at the county) and of each station if missing;
    return the county's by role."""
    units = units or unit_seed.load()
    users = {role: _demo_user(username, password, role, DEMO_NAMES[role], units[0])
             for username, password, role in DEMO_USERS}
    for username, password, role, station in STATION_USERS:
        _demo_user(username, password, role, STATION_NAMES[username], units[station])
    db.session.flush()
    return users


def demo_logins() -> list[tuple[str, str, str, str | None]]:
    """Return ``(user, password, role, station or None)`` of every demo login, to print."""
    return [*((u, p, role, None) for u, p, role in DEMO_USERS),
            *((u, p, role, unit_seed.STATIONS[n - 1]) for u, p, role, n in STATION_USERS)]


def _last_ids() -> dict:
    """Return the highest id of each table the demo spreads over the units (0 if empty)."""
    return {model: db.session.scalar(select(func.coalesce(func.max(model.id), 0)))
            for model in (Item, Donation, TrainingClass)}


class _Stages:
    """Time the parts of the demo after the files, and tell ``told(label, seconds)``."""

    def __init__(self, told=None):
        self.told = told

    def once(self, label, work) -> None:
        """Do ``work()``, timed as ``label``."""
        with self(label):
            work()

    @contextlib.contextmanager
    def __call__(self, label):
        start = time.perf_counter()
        yield
        if self.told is not None:
            self.told(label, time.perf_counter() - start)


@contextlib.contextmanager
def _new_database_writes():
    """Seed a new SQLite database (no files yet) with a rollback journal instead of the
    write-ahead log, and without syncing; put both back after, committed or not.

    A rollback journal keeps only the pages the database held before (a new file's
    pages need none), so the bulk rows are written once, not once to the log and again
    to the database, and a failure still rolls the seed back. A crash meanwhile may
    leave the new file unusable: it held nothing yet.
    """
    conn = db.session.connection()
    raw = conn.connection.dbapi_connection
    if conn.dialect.name != "sqlite" or raw.in_transaction or db.session.scalar(
            select(Worker.id).limit(1)) is not None:
        yield
        return
    journal = raw.execute("PRAGMA journal_mode").fetchone()[0]
    synchronous = raw.execute("PRAGMA synchronous").fetchone()[0]
    raw.execute("PRAGMA journal_mode=TRUNCATE")
    raw.execute("PRAGMA synchronous=OFF")
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise
    finally:
        raw.execute(f"PRAGMA synchronous={int(synchronous)}")
        raw.execute(f"PRAGMA journal_mode={journal}")


def load(workers: int = 2000, seed: int = 20261129, progress=None,
         stage=None) -> dict[str, int]:
    """Add demo users and ``workers`` worker files with households; return the counts.

    ``progress(files, members)`` is told how far the files have got, every 50,000;
    ``stage(label, seconds)`` when each later part is done, and how long it took.
    """
    rnd = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    timed = _Stages(stage)
    db.session.info["audit"] = False  # demo data is not anybody's work
    if db.session.connection().dialect.name == "postgresql":
        # Compiling the bigger statements (a campaign's INSERT … SELECT over a million
        # files) took longer than running them.
        db.session.execute(text("SET LOCAL jit = off"))
    try:
        ensure_settings()
        with _new_database_writes():
            with roomy_cache(worker_seed.cache_kib(workers)):  # the seed's pages, all
                counts = _load(rnd, fake, workers, seed, progress, timed)
            with timed(_l("Saving to the database")):
                db.session.commit()
    finally:
        db.session.info.pop("audit", None)
    return counts


def _certify() -> None:
    """Issue the hardship certificates of the new files (their indexes not built yet)."""
    if db.session.connection().dialect.name == "postgresql":
        # Without statistics of the new rows, PostgreSQL joined the files to their
        # episodes by a scan of the episodes per file.
        db.session.execute(text("ANALYZE worker, worker_episode"))
    add_missing_certificates()


def _load(rnd, fake, workers: int, seed: int, progress, timed) -> dict[str, int]:
    units = unit_seed.load()
    users = ensure_demo_users(units)
    station_user = db.session.scalar(select(User).where(
        User.username == STATION_USERS[0][0]))
    last = _last_ids()
    # Each file is written at its unit (by its id), before the aid, cards and loans are
    # made: they take their worker's unit.
    # The files on record in a qualifying category get their hardship certificates
    # (issue 16) before the files' indexes are built: each such file's row is written
    # again with its number, into two indexes rather than twenty-five.
    made, members = worker_seed.load(
        rnd, fake, AS_OF, users["staff"], workers, progress,
        unit_seed.file_places(units, station_user), timed.told,
        finish=lambda: timed.once(_l("Hardship certificates"), _certify))
    with timed(_l("File reviews")):
        reviews = review_seed.load(users, AS_OF)
    with timed(_l("Assistance records")):
        aid = aid_seed.load(rnd, users, count=scaled(0.3, workers, cap=1500), as_of=AS_OF)
    with timed(_l("Love cards")):
        goods = inventory_seed.load(rnd, users, cards=scaled(0.27, workers, cap=800))
    with timed(_l("Public notices")):
        notices = notice_seed.load(rnd, users)
    with timed(_l("Enrolments")):
        enrolments = training_seed.load(rnd, users, AS_OF)
    with timed(_l("Micro-loans")):
        loans = loan_seed.load(rnd, users, AS_OF)
    with timed(_l("Desk cases")):
        desk = desk_seed.load(rnd, fake, users, AS_OF)
    # After the desk (its walk-ins seek work too); its own stream of chance, so the
    # records seeded after it stay as they were.
    with timed(_l("Job seekers")):
        seekers = employment_seed.load(random.Random(seed + 19), users, AS_OF)
    with timed(_l("Visits")):
        visits = visit_seed.load(rnd, users, AS_OF)
    with timed(_l("Goods hand-outs")):
        # Its own stream of chance: the records seeded after it stay as they were.
        handouts = handout_seed.load(random.Random(seed + 23), users)
    with timed(_l("Campaigns")):
        campaigns = campaign_seed.load(users)
        unit_seed.spread_places(units, last)
    return {_("Org units"): len(units), _("Users"): len(users) + len(STATION_USERS),
            _("Hardship workers"): made,
            _("Household members"): members, _("Assistance records"): aid + campaigns,
            _("Public notices"): notices, _("Enrolments"): enrolments,
            _("Micro-loans"): loans, _("Desk cases"): desk, _("File reviews"): reviews,
            _("Visits"): visits, _("Job seekers"): seekers,
            _("Goods hand-outs"): handouts, **goods}
