"""``benchmarks/consensus_sim.py --through-services`` at a tiny size: the web app's vote path
agrees with the pure model on the same votes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "consensus_sim.py"
SMALL = ("--docs", "30", "--background", "20", "--targets", "5")


def test_votes_cast_through_the_service_give_the_pure_paths_labels(tmp_path: Path) -> None:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--through-services", *SMALL],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "150 votes cast with `services.cast_vote`" in out
    assert "Stored labels equal to the pure fit on the same votes: 30/30." in out
    assert "Stored labels equal to the pure path: live 25/25, after the refit 25/25." in out
    # The brigade's flips, through the service and pure, are the same figures.
    rows = r"^\| (?:through the service \(stored labels\)|pure, on the same votes) \|.*$"
    service, pure = re.findall(rows, out, re.M)
    assert service.split("|")[2:] == pure.split("|")[2:]
