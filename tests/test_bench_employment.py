"""bench/employment.py runs end to end on a few thousand seekers, so it cannot rot."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ON_POSTGRES

BENCH = Path(__file__).resolve().parent.parent / "bench" / "employment.py"


@pytest.mark.skipif(ON_POSTGRES, reason="bench/employment.py measures its own SQLite file")
def test_employment_bench_matches_soundly(tmp_path):
    done = subprocess.run([sys.executable, str(BENCH), "--seekers", "1200", "--vacancies",
                           "120", "--samples", "5", "--file", str(tmp_path / "bench.db"),
                           "--sqlite"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "seeded 1,200 seekers, 120 vacancies" in done.stdout, done.stdout
    lines = done.stdout.splitlines()
    for name in ("seekers for a vacancy", "vacancies for a seeker"):
        line = next(line for line in lines if line.startswith(name + ": median"))
        assert "answers sound: yes" in line, line
    again = subprocess.run([sys.executable, str(BENCH), "--seekers", "1200", "--vacancies",
                            "120", "--samples", "2", "--file", str(tmp_path / "bench.db"),
                            "--sqlite"], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "reusing 1,200 seekers" in again.stdout, again.stdout
