"""bench/card_topups.py runs end to end on a few hundred cards, so it cannot rot."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ON_POSTGRES

BENCH = Path(__file__).resolve().parent.parent / "bench" / "card_topups.py"


@pytest.mark.skipif(ON_POSTGRES, reason="bench/card_topups.py measures its own SQLite file")
def test_card_topup_bench_posts_and_reverses_every_card():
    done = subprocess.run([sys.executable, str(BENCH), "--cards", "300"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    for step in ("request", "approve", "reverse"):
        assert f"{step}: " in done.stdout and "for 300 cards" in done.stdout, done.stdout
    assert "balances = ledgers: yes" in done.stdout, done.stdout
    assert done.stdout.splitlines()[-1].endswith("met"), done.stdout
