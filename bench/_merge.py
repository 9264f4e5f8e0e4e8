"""Merges the results of one `scripts/bench.sh` run into one JSON file and one markdown table, and
rewrites the table in bench/README.md between its markers.

    python bench/_merge.py RUN_DIR OUT_JSON [--readme PATH] [--quick] [--multi] [--keep-others]

RUN_DIR holds `<script>.json` (one process, SQLite), `<script>.multi.json` (`--multi`) and
`<script>.status` (`ok`, `failed <code>`, `no --multi`). With `--keep-others`, the scripts this
run did not run keep their entries from OUT_JSON (when it is of the same scale), each marked with
the run it comes from: `bash scripts/bench.sh ingest` then updates ingest's figures alone.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def _commit() -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=harness.ROOT, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return done.stdout.strip()


def merge(run_dir: Path, quick: bool, multi: bool) -> dict[str, Any]:
    scripts: list[dict[str, Any]] = []
    order_path = run_dir / "order"
    order = order_path.read_text().split() if order_path.exists() else []

    def position(path: Path) -> tuple[int, str]:
        script = path.stem.removesuffix(".multi")
        return (order.index(script) if script in order else len(order), path.stem)

    for status_path in sorted(run_dir.glob("*.status"), key=position):
        script = status_path.stem
        status = status_path.read_text().strip()
        entry: dict[str, Any] = {"script": script, "setup": "multi" if script.endswith(".multi") else "single"}
        entry["status"] = status
        result_path = run_dir / f"{script}.json"
        if result_path.exists():
            entry.update(json.loads(result_path.read_text()))
        scripts.append(entry)
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "commit": _commit(),
        "machine": f"{os.cpu_count()} cores, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}",
        "quick": quick,
        "multi": multi,
        "results": scripts,
    }


def keep_others(merged: dict[str, Any], previous_path: Path) -> None:
    """The entries of `previous_path` for the scripts `merged` did not run, after its own."""
    try:
        previous = json.loads(previous_path.read_text())
    except (OSError, ValueError):
        return
    if previous.get("quick") != merged["quick"]:
        return
    ran = {entry["script"] for entry in merged["results"]}
    for entry in previous.get("results", []):
        if entry.get("script") in ran:
            continue
        entry.setdefault("from_run", {"date": previous.get("date"), "commit": previous.get("commit")})
        merged["results"].append(entry)


def markdown(merged: dict[str, Any]) -> str:
    rows = [row for entry in merged["results"] for row in entry.get("rows", [])]
    scale = "--quick (tiny scale: the path works, the figures mean little)" if merged["quick"] else "full scale"
    lines = [f"Run {merged['date']} on commit `{merged['commit']}`, {merged['machine']}, {scale}."]
    for entry in merged["results"]:
        if "from_run" in entry:
            earlier = entry["from_run"]
            lines.append(f"`{entry['script']}`: from the run of {earlier['date']} on commit `{earlier['commit']}`.")
    lines.append("")
    lines += harness.table_lines(rows)
    notes = [note for entry in merged["results"] for note in entry.get("notes", [])]
    troubles = [f"`{e['script']}`: {e['status']}" for e in merged["results"] if e["status"] not in ("ok",)]
    if notes or troubles:
        lines.append("")
    lines += [f"- {note}" for note in notes]
    lines += [f"- not measured: {trouble}" for trouble in troubles]
    return "\n".join(lines)


def rewrite_readme(readme: Path, table: str) -> None:
    text = readme.read_text()
    if START in text and END in text:
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        text = f"{head}{START}\n{table}\n{END}{tail}"
    else:
        text = f"{text.rstrip()}\n\n{START}\n{table}\n{END}\n"
    readme.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--readme", type=Path)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--multi", action="store_true")
    parser.add_argument("--keep-others", action="store_true")
    args = parser.parse_args()
    merged = merge(args.run_dir, args.quick, args.multi)
    if args.keep_others:
        keep_others(merged, args.out)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(merged, indent=2, ensure_ascii=False) + "\n")
    table = markdown(merged)
    if args.readme:
        rewrite_readme(args.readme, table)
    print(table)
    if any(entry["status"].startswith("failed") for entry in merged["results"]):
        sys.exit(1)


if __name__ == "__main__":
    main()
