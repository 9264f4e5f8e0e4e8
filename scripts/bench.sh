#!/usr/bin/env bash
# The benchmarks: bash scripts/bench.sh [--quick] [--multi] [--results PATH] [FIGURE…]
#
# Runs every benchmark script in bench/ (or the FIGUREs named: a script's name, e.g. `ingest`),
# each of which starts what it measures (Sportello, the Cloud API emulator, its baseline) and
# stops it; merges their results into bench/results/latest.json (or --results PATH, or
# $SPORTELLO_BENCH_RESULTS) and prints one markdown table, which a full-scale run to the default
# path also writes into bench/README.md between <!-- bench:start --> and <!-- bench:end -->; such a
# run of some FIGUREs keeps the other scripts' figures from the run before, marked as such.
#   --quick   tiny scale, under a minute in all: proves the path works (the suite's smoke test)
#   --multi   also each script with --multi: 2 web processes + PostgreSQL + Redis
# A benchmark script is any bench/*.py but harness.py and _*.py (the contract is in bench/harness.py).
# Python: $PYTHON, else .venv/bin/python, else python3.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

QUICK=()
MULTI=0
RESULTS="${SPORTELLO_BENCH_RESULTS:-}"
NAMED=()
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) QUICK=(--quick) ;;
        --multi) MULTI=1 ;;
        --results) RESULTS="$2"; shift ;;
        --results=*) RESULTS="${1#--results=}" ;;
        -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "bench.sh: unknown option $1" >&2; exit 2 ;;
        *) NAMED+=("$1") ;;
    esac
    shift
done
DEFAULT_RESULTS="$ROOT/bench/results/latest.json"
RESULTS="${RESULTS:-$DEFAULT_RESULTS}"

if [ -n "${PYTHON:-}" ]; then PY="$PYTHON"
elif [ -x "$ROOT/.venv/bin/python" ]; then PY="$ROOT/.venv/bin/python"
else PY="python3"; fi
export PYTHONPATH="$ROOT/src${PYTHONPATH:+:$PYTHONPATH}"

# The known benchmarks in their order, then any other script; a missing one is skipped.
ORDER=(ingest outbound handshake reads_at_scale live_latency live_fanout host_events)
AVAILABLE=()
for name in "${ORDER[@]}"; do [ -f "bench/$name.py" ] && AVAILABLE+=("$name"); done
for path in bench/*.py; do
    name="$(basename "$path" .py)"
    case "$name" in harness|_*) continue ;; esac
    [[ " ${AVAILABLE[*]} " == *" $name "* ]] || AVAILABLE+=("$name")
done
SELECTED=()
if [ ${#NAMED[@]} -eq 0 ]; then
    SELECTED=("${AVAILABLE[@]}")
else
    for name in "${NAMED[@]}"; do
        name="$(basename "$name" .py)"
        if [[ " ${AVAILABLE[*]} " == *" $name "* ]]; then SELECTED+=("$name")
        else echo "bench.sh: no bench/$name.py (available: ${AVAILABLE[*]}); skipped" >&2; fi
    done
fi

RUN="$(mktemp -d "${TMPDIR:-/tmp}/sportello-bench-run.XXXXXX")"
export SPORTELLO_BENCH_CACHE="$RUN/cache" SPORTELLO_BENCH_PIDS="$RUN/pids"
CHILDREN=()
cleanup() {
    trap - EXIT INT TERM
    for child in "${CHILDREN[@]}"; do kill -TERM "$child" 2>/dev/null || true; done
    for child in "${CHILDREN[@]}"; do
        for _ in $(seq 1 100); do kill -0 "$child" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$child" 2>/dev/null || true
    done
    # Whatever a benchmark started and could not stop itself (each in a process group of its own).
    if [ -f "$RUN/pids" ]; then
        while read -r pid; do
            kill -0 "$pid" 2>/dev/null && kill -TERM -- "-$pid" 2>/dev/null || true
        done < "$RUN/pids"
        sleep 0.5
        while read -r pid; do
            kill -0 "$pid" 2>/dev/null && kill -KILL -- "-$pid" 2>/dev/null || true
        done < "$RUN/pids"
    fi
    rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

run_one() {  # run_one NAME LABEL [ARGS…]: runs bench/NAME.py, records LABEL.status
    local name="$1" label="$2"; shift 2
    local code=0
    echo "==> $label" >&2
    "$PY" "bench/$name.py" "${QUICK[@]}" --json "$RUN/$label.json" "$@" &
    local child=$!
    CHILDREN+=("$child")
    wait "$child" || code=$?
    if [ "$code" -eq 0 ]; then echo ok > "$RUN/$label.status"
    elif [ "$code" -eq 2 ] && [ "$*" = "--multi" ]; then echo "no --multi" > "$RUN/$label.status"; rm -f "$RUN/$label.json"
    else echo "failed (exit $code)" > "$RUN/$label.status"; fi
}

STARTED=$SECONDS
echo "${SELECTED[@]}" > "$RUN/order"
"$PY" bench/harness.py  # the SQLite folder every benchmark copies, migrated and seeded once
run_script() {
    run_one "$1" "$1"
    if [ "$MULTI" -eq 1 ]; then run_one "$1" "$1.multi" --multi; fi
}
if [ ${#QUICK[@]} -gt 0 ]; then
    # Quick figures mean nothing anyway: the scripts run side by side, to stay under a minute.
    for name in "${SELECTED[@]}"; do run_script "$name" > "$RUN/$name.out" 2>&1 & CHILDREN+=($!); done
    wait || true
    for name in "${SELECTED[@]}"; do grep -v '^|' "$RUN/$name.out" | grep -v '^###' | grep -v '^- ' >&2 || true; done
else
    for name in "${SELECTED[@]}"; do run_script "$name"; done
fi

MERGE=("$RUN" "$RESULTS")
[ ${#QUICK[@]} -gt 0 ] && MERGE+=(--quick)
[ "$MULTI" -eq 1 ] && MERGE+=(--multi)
if [ ${#QUICK[@]} -eq 0 ] && [ "$RESULTS" = "$DEFAULT_RESULTS" ]; then MERGE+=(--readme "$ROOT/bench/README.md" --keep-others); fi
echo "==> $((SECONDS - STARTED)) s; results in $RESULTS" >&2
"$PY" bench/_merge.py "${MERGE[@]}"
