"""`bash scripts/bench.sh --quick` runs every benchmark at tiny scale and merges what each measured:
every figure is there with a number, and the committed results and README table stay untouched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Each figure by the start of its name; a benchmark added later brings its own rows.
EXPECTED = [
    "signed webhooks answered/s",
    "signed webhook answer p99",
    "webhooks processed into messages/s",
    "webhooks lost",
    "outbound accepted by the emulator/s",
    "outbound rate held at the default 80/s",
    "sends queued through the API/s",
    "chats whose messages went out of order",
    "tokens minted/s",
    "tokens minted and exchanged/s",
    "webhook → live event on the page's socket, same process",
    "webhook → live event on the page's socket, through Redis",
    "seeding [sqlite]",
    "chats search by message text [sqlite]",
    "history around an old message (search jump) [sqlite]",
]


def _file(path: Path) -> bytes | None:
    return path.read_bytes() if path.exists() else None


def test_quick_run_measures_every_figure_into_the_results_it_was_given(tmp_path: Path) -> None:
    committed = ROOT / "bench" / "results" / "latest.json"
    readme = ROOT / "bench" / "README.md"
    before = (_file(committed), _file(readme))
    results = tmp_path / "latest.json"
    env = {**os.environ, "PYTHON": sys.executable}
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "bench.sh"), "--quick", "--results", str(results)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    merged = json.loads(results.read_text())
    assert merged["quick"] is True
    assert all(entry["status"] == "ok" for entry in merged["results"]), merged["results"]
    rows = [row for entry in merged["results"] for row in entry["rows"]]
    for figure in EXPECTED:
        found = [row for row in rows if row["figure"].startswith(figure)]
        assert found, f"no figure {figure!r} in {[row['figure'] for row in rows]}"
        assert isinstance(found[0]["value"], int | float), found[0]
    for row in rows:
        assert set(row) >= {"figure", "p50", "p95", "p99", "value", "unit", "baseline", "baseline_value"}
        assert set(row) >= {"ratio", "goal", "met"}
    assert "| figure | value |" in done.stdout
    assert (_file(committed), _file(readme)) == before
