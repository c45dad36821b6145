"""Record a finished `evoflux bench` run: its per-strategy aggregates as JSON and one line in BENCHMARKS.md.

Usage: python benchmarks/bench_summary.py RUN_DIR NAME [--note TEXT]

Writes benchmarks/results/bench_NAME.json (the run's settings and, per strategy, every metric's mean and
95% bootstrap interval over tasks) and appends a line with success, feasibility and cost per strategy.
The run itself is made with `evoflux bench ... --out RUN_DIR` (see the README).
"""

from __future__ import annotations

import argparse
import datetime
import json
from pathlib import Path

from evoflux.bench.metrics import summarize
from evoflux.bench.run_folder import load_run

ROOT = Path(__file__).resolve().parents[1]


def _pct(estimate: dict | None) -> str:
    if estimate is None:
        return "-"
    return f"{100 * estimate['mean']:.0f}% [{100 * estimate['low']:.0f}, {100 * estimate['high']:.0f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("name")
    parser.add_argument("--note", default="")
    args = parser.parse_args()
    run = load_run(args.run)
    rows = [row.to_json() for row in summarize(run.records)]
    settings = run.settings
    result = {"run": str(args.run), "settings": settings, "strategies": rows, "warnings": run.warnings}
    out = ROOT / "benchmarks" / "results" / f"bench_{args.name}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    parts = []
    for row in rows:
        m = row["metrics"]
        calls = m.get("model_calls") or {}
        seconds = m.get("seconds") or {}
        parts.append(
            f"{row['strategy']} success {_pct(m.get('success'))}, feasible {_pct(m.get('feasibility'))}, "
            f"{calls.get('mean', 0):.1f} calls, {seconds.get('mean', 0):.0f} s"
        )
    budget = settings.get("budget", {})
    tasks = len({r["task_id"] for r in run.records})
    line = (
        f"- {datetime.date.today().isoformat()} bench {args.name} ({tasks} tasks, model {settings.get('model')}, "
        f"budget {budget.get('model_calls')} calls/{budget.get('seconds')} s): " + "; ".join(parts)
    )
    if args.note:
        line += f" ({args.note})"
    with (ROOT / "BENCHMARKS.md").open("a") as handle:
        handle.write(line + "\n")
    print(line)


if __name__ == "__main__":
    main()
