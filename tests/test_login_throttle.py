"""Login throttling: per address and per name, counted before the password is checked."""
from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import select

from models import AuditLog, LoginAttempt, User, db
from models.user import _dummy_hash as REAL_DUMMY_HASH
from tests.conftest import HASHES, PASSWORDS, Auth, csrf_token, flashes, postgres_only

ATTACKER = "203.0.113.9"


@pytest.fixture(autouse=True)
def cheap_dummy_hash(monkeypatch):
    """Check unknown names against a hash as cheap as conftest's users' (~0.3 s saved each)."""
    monkeypatch.setattr("models.user._dummy_hash", lambda: HASHES["staff"])


@pytest.fixture
def checks(monkeypatch):
    """Count the password hashes checked, real users' and unknown names' alike."""
    import models.user

    real, lock, count = models.user.check_password_hash, threading.Lock(), [0]

    def counting(pwhash, password):
        with lock:
            count[0] += 1
        return real(pwhash, password)

    monkeypatch.setattr(models.user, "check_password_hash", counting)
    return count


def client_at(app, address: str):
    """Return a test client whose requests come from ``address``."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def move_clock(monkeypatch, minutes: float) -> None:
    """Make the login view's clock run ``minutes`` ahead of the real one."""
    later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(minutes=minutes)
    monkeypatch.setattr("portal.auth.utcnow", lambda: later)


def test_spraying_many_names_from_one_address_is_locked(app, checks, monkeypatch):
    """20 failures across 20 names lock the address; its next lock lasts twice as long."""
    auth = Auth(client_at(app, ATTACKER))
    names = [*PASSWORDS, *(f"guess{i}" for i in range(16))]
    assert [auth.login(username=n, password="Summer2026!").status_code
            for n in names] == [401] * 20
    refused = auth.login(username="staff", password=PASSWORDS["staff"])
    assert refused.status_code == 429 and "网络地址" in flashes(refused.get_data(as_text=True))
    assert checks[0] == 20  # the refused attempt checked no password
    # Another address is not affected.
    assert Auth(client_at(app, "198.51.100.20")).login("clerk").status_code == 302
    move_clock(monkeypatch, 16)
    for i in range(20):
        assert auth.login(username=f"again{i}", password="x-wrong-1").status_code == 401
    assert auth.login("manager").status_code == 429
    move_clock(monkeypatch, 16 + 16)  # the second lock is 30 minutes
    assert auth.login("manager").status_code == 429
    move_clock(monkeypatch, 16 + 31)
    assert auth.login("manager").status_code == 302


def test_names_are_counted_alike_whatever_their_case(app, client, auth):
    """Varying the case of a name does not give more tries at it."""
    for name in ("staff", "Staff", "STAFF", "sTaff", "staFF"):
        assert auth.login(username=name, password="wrong-pass-1").status_code == 401
    assert auth.login("staff").status_code == 429


@pytest.mark.parametrize("address", ["127.0.0.1", "2001:db8::7"])
def test_owner_at_a_known_address_is_not_locked_out(app, address):
    """Five failures from elsewhere lock the name for others, not for its owner at home."""
    owner = Auth(client_at(app, address))
    assert owner.login("admin").status_code == 302
    owner.logout()
    attacker = Auth(client_at(app, ATTACKER))
    for _ in range(5):
        assert attacker.login("admin", password="wrong-pass-1").status_code == 401
    assert attacker.login("admin").status_code == 429  # even with the right password
    assert Auth(client_at(app, "198.51.100.30")).login("admin").status_code == 429
    assert owner.login("admin").status_code == 302
    with app.app_context():
        locked = db.session.scalars(select(AuditLog.ip).where(
            AuditLog.action == "login_locked").order_by(AuditLog.id)).all()
        assert locked == [ATTACKER, "198.51.100.30"]


def test_known_address_has_its_own_limit(app, client, auth):
    """Wrong passwords from a known address are throttled too, on that pair only."""
    assert auth.login("staff").status_code == 302
    auth.logout()
    for _ in range(5):
        assert auth.login("staff", password="wrong-pass-1").status_code == 401
    assert auth.login("staff").status_code == 429
    assert Auth(client_at(app, "198.51.100.40")).login("staff").status_code == 302


def test_a_successful_login_gives_its_count_back(app, client, auth):
    """Good logins leave the address's count as it was; a name's count starts over."""
    for _ in range(4):
        auth.login("staff", password="wrong-pass-1")
    for _ in range(25):
        assert auth.login("clerk").status_code == 302
        auth.logout()
    with app.app_context():
        assert db.session.get(LoginAttempt, ("address", "127.0.0.1")).failures == 4
    assert auth.login("staff").status_code == 302
    elsewhere = Auth(client_at(app, "198.51.100.50"))
    for _ in range(4):
        assert elsewhere.login("staff", password="wrong-pass-1").status_code == 401
    assert elsewhere.login("staff").status_code == 302


def test_locked_attempts_and_failures_are_logged(app, client, auth):
    """Each failure and each refused attempt leaves an audit entry with name and address."""
    for _ in range(6):
        auth.login("manager", password="wrong-pass-1")
    with app.app_context():
        rows = db.session.execute(select(AuditLog.action, AuditLog.username, AuditLog.ip)
                                  .where(AuditLog.action.like("login%"))
                                  .order_by(AuditLog.id)).all()
    assert [tuple(r) for r in rows] == ([("login_failed", "manager", "127.0.0.1")] * 5
                                        + [("login_locked", "manager", "127.0.0.1")])


def _parallel_logins(app, n: int, username: str, password: str) -> list[int]:
    """Post ``n`` logins at the same moment, each from its own client and thread."""
    clients = [app.test_client() for _ in range(n)]
    tokens = [csrf_token(c) for c in clients]
    barrier, statuses, lock = threading.Barrier(n), [], threading.Lock()

    def run(client, token):
        barrier.wait()
        status = client.post("/login", data={"username": username, "password": password,
                                             "csrf_token": token}).status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=run, args=(client, token))
               for client, token in zip(clients, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(statuses) == n, "a thread hung"
    return statuses


@postgres_only
def test_parallel_wrong_tries_check_at_most_the_limit(app, checks):
    """40 wrong passwords at once for one name: at most 5 password checks, the rest 429."""
    statuses = _parallel_logins(app, 40, "admin", "wrong-pass-1")
    assert 1 <= checks[0] <= 5
    assert sorted(statuses) == [401] * checks[0] + [429] * (40 - checks[0])


@postgres_only
def test_parallel_unknown_names_are_throttled_alike(app, checks):
    """The same burst at a name nobody has also stops at the limit."""
    statuses = _parallel_logins(app, 40, "nobody", "wrong-pass-1")
    assert checks[0] <= 5 and statuses.count(401) == checks[0]


def _time_wrong_logins(auth, username: str, n: int = 20) -> float:
    started = time.perf_counter()
    for _ in range(n):
        assert auth.login(username=username, password="wrong-pass-1").status_code == 401
    return time.perf_counter() - started


def test_unknown_names_take_as_long_as_real_ones(app, client, auth, monkeypatch):
    """A wrong password costs the same for a real name (default hash) and for no user."""
    monkeypatch.setattr("models.user._dummy_hash", REAL_DUMMY_HASH)
    app.config.update(LOGIN_MAX_FAILURES=100, LOGIN_ADDRESS_MAX_FAILURES=100)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "staff"))
        user.set_password("a-real-default-hash")  # not conftest's cheap test hash
        db.session.commit()
    _time_wrong_logins(auth, "nobody", 1)  # warm up: the dummy hash is made once
    real = _time_wrong_logins(auth, "staff")
    unknown = _time_wrong_logins(auth, "nobody")
    assert 0.5 < unknown / real < 2, (real, unknown)
