"""bench/excel.py's import runs end to end on a few hundred rows, so it cannot rot (it did
once: its seed made users without a unit after the stations came)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ON_POSTGRES

BENCH = Path(__file__).resolve().parent.parent / "bench" / "excel.py"


@pytest.mark.skipif(ON_POSTGRES, reason="bench/excel.py measures its own SQLite files")
def test_import_bench_creates_then_updates_every_row():
    done = subprocess.run([sys.executable, str(BENCH), "--import-only", "--rows", "300",
                           "--audit-rounds", "1"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(created 300, updated 0, errors 0)" in done.stdout, done.stdout
    assert "(created 0, updated 300, errors 0)" in done.stdout, done.stdout
    assert "audit cost, creating import (median of 1 each" in done.stdout, done.stdout
