"""bench/load.py runs end to end (2 clients, 2 seconds, a small seed, a small server), so it
cannot rot."""
from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import DATABASE_URL, postgres_only

BENCH = Path(__file__).resolve().parent.parent / "bench" / "load.py"


@pytest.fixture
def schema():
    """Yield the name of a new PostgreSQL schema, dropped afterwards."""
    name = "bl_" + uuid.uuid4().hex[:12]
    yield name
    engine = create_engine(DATABASE_URL)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    engine.dispose()


def run(mode: str, schema: str, log: Path) -> str:
    """Run the bench briefly and return what it printed, or fail with it."""
    done = subprocess.run(
        [sys.executable, str(BENCH), mode, "--schema", schema, "--seed", "60", "--clients",
         "2", "--seconds", "2", "--warmup", "0.5", "--workers", "2", "--threads", "2",
         "--server-log", str(log)],
        capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@postgres_only
def test_both_modes_run_and_the_counter_check_holds(schema, tmp_path):
    """Both modes serve every request; the counter leaves every ledger as its cache."""
    browse = run("browse", schema, tmp_path / "browse.log")
    assert "first page" in browse and "requests/s" in browse
    assert "0 errors" in browse and "0 errors                                         met" in browse
    counter = run("counter", schema, tmp_path / "counter.log")
    assert "redeem POST" in counter
    checks = counter.split("counter check", 1)[1]
    assert "FAILED" not in checks and checks.count(" ok") == 9
    assert "0 oversold (stock and balances = ledgers, >= 0)  met" in counter
