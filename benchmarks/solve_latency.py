"""What a user feels: `evoflux solve` with its default settings, one command per task, on the third-party suite's
tasks of 1 to 3 steps. Each task runs as its own child process, as a user would type it, so the wall time
includes starting the servers and loading the local model.

Records per task the wall seconds, the model calls, whether the answer matches the task's expected answer and
whether the workflow ran; writes benchmarks/results/solve_latency.json and prints its BENCHMARKS.md line
(median and 90th percentile seconds); `--record` appends that line.
Needs the suite installed (`python3 benchmarks/suites/thirdparty/setup.py`).
Run: PYTHONPATH=src .venv/bin/python benchmarks/solve_latency.py [--split dev] [--limit N] [--record]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src")]

from evoflux.bench.matchers import matches  # noqa: E402
from evoflux.bench.tasks import Task, load_tasks  # noqa: E402

SUITE = ROOT / "benchmarks" / "suites" / "thirdparty" / "tasks.jsonl"
SERVERS = Path.home() / ".cache" / "evoflux" / "thirdparty" / "servers.json"
OUT = ROOT / "benchmarks" / "results" / "solve_latency.json"
KILL_AFTER_S = 900  # far above the default budget: a run this long is a hang, recorded as such


def _chosen(tasks: list[Task], split: str, max_steps: int, limit: int | None) -> list[Task]:
    picked = [
        t
        for t in tasks
        if t.steps is not None and t.steps <= max_steps and (split == "all" or f"split:{split}" in t.tags)
    ]
    if not limit or limit >= len(picked):
        return picked
    return [picked[i * len(picked) // limit] for i in range(limit)]  # spread over the file's servers


def _solve(task: Task, servers: Path) -> dict[str, Any]:
    command = [
        str(Path(sys.executable).parent / "evoflux"),
        "solve",
        task.query,
        "--servers",
        str(servers),
        "--json",
    ]
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=KILL_AFTER_S, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"task": task.id, "seconds": KILL_AFTER_S, "hung": True, "success": False, "executed": False}
    seconds = time.perf_counter() - started
    try:
        result = json.loads(done.stdout)
    except json.JSONDecodeError:
        result = {}
    answer = result.get("answer")
    cost = result.get("cost") or {}
    return {
        "task": task.id,
        "steps": task.steps,
        "seconds": round(seconds, 1),
        "model_calls": cost.get("model_calls"),
        "executed": bool(result.get("executed")),
        "success": task.expected is not None and matches(task.expected, answer).ok,
        "exit_code": done.returncode,
        "answer": (answer or "")[:200],
        "error": None if result else done.stderr.strip().splitlines()[-1:] or ["no output"],
    }


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=Path, default=SUITE)
    parser.add_argument("--servers", type=Path, default=SERVERS)
    parser.add_argument("--split", choices=("dev", "heldout", "all"), default="all")
    parser.add_argument("--max-steps", type=int, default=3)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    tasks = _chosen(load_tasks(args.tasks), args.split, args.max_steps, args.limit)
    runs = []
    for index, task in enumerate(tasks, 1):
        runs.append(_solve(task, args.servers))
        last = runs[-1]
        print(f"[{index}/{len(tasks)}] {task.id}: {last['seconds']} s, success {last['success']}", flush=True)
    seconds = [r["seconds"] for r in runs]
    summary = {
        "tasks": len(runs),
        "split": args.split,
        "max_steps": args.max_steps,
        "median_s": round(statistics.median(seconds), 1),
        "p90_s": round(_percentile(seconds, 0.9), 1),
        "success": round(sum(r["success"] for r in runs) / len(runs), 3),
        "executed": round(sum(r["executed"] for r in runs) / len(runs), 3),
        "mean_model_calls": round(statistics.mean(r["model_calls"] or 0 for r in runs), 1),
    }
    OUT.write_text(
        json.dumps(
            {"when": datetime.now(UTC).isoformat(timespec="seconds"), **summary, "runs": runs}, indent=2
        )
        + "\n"
    )
    line = (
        f"- {datetime.now(UTC).date().isoformat()} solve_latency: `evoflux solve` default settings, "
        f"{summary['tasks']} third-party tasks of 1-{args.max_steps} steps ({args.split}): median "
        f"{summary['median_s']} s, p90 {summary['p90_s']} s, success {100 * summary['success']:.0f}%, "
        f"ran {100 * summary['executed']:.0f}%, {summary['mean_model_calls']} model calls"
    )
    print(line)
    if args.record:
        with (ROOT / "BENCHMARKS.md").open("a") as handle:
            handle.write(line + "\n")


if __name__ == "__main__":
    main()
