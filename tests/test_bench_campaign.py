"""bench/campaign.py runs end to end on a few hundred households, so it cannot rot."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ON_POSTGRES

BENCH = Path(__file__).resolve().parent.parent / "bench" / "campaign.py"


@pytest.mark.skipif(ON_POSTGRES, reason="bench/campaign.py measures its own SQLite file")
def test_campaign_bench_generates_what_it_previews():
    done = subprocess.run([sys.executable, str(BENCH), "--households", "200"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "generate: " in done.stdout and "for 200 applications" in done.stdout, done.stdout
    assert "preview = generate: yes" in done.stdout, done.stdout
    assert "second generate made 0" in done.stdout, done.stdout
    assert "met" in done.stdout.splitlines()[-1], done.stdout
