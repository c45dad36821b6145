"""Run every reference workflow of the third-party suite live and check each task's expected answer.

    PYTHONPATH=src python benchmarks/suites/thirdparty/verify.py [--dir DIR] [--only ID ...] [--write]

Starts the servers of DIR/servers.json (see setup.py), executes each task's reference workflow with
evoflux's executor, matches the answer with `evoflux.bench.matchers`, prints a table and the suite's stats,
and exits 1 on any mismatch. `--write` fills each `expected.value` in tasks.jsonl from the live answer
(a reference's answer node writes just the value: a number, a string, a JSON list or SQL rows) where it is
still a placeholder (0, "?", ["?"]), keeping each match kind and tolerance, and checks the rest: this is
how the expected answers were made.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from evoflux.bench.matchers import find_numbers, matches
from evoflux.bench.tasks import Task, load_tasks
from evoflux.catalog.config import load_servers_config
from evoflux.environment import ToolEnvironment
from evoflux.workflow.graph import Workflow
from evoflux.workflow.parse import parse_workflow

HERE = Path(__file__).resolve().parent
TASKS = HERE / "tasks.jsonl"
REFERENCES = HERE / "reference.jsonl"
PLACEHOLDERS = (0, "?", ["?"])
"""Expected values not yet made: `--write` fills these from the live answers and checks the rest."""
_DECIMAL = re.compile(r"Decimal\('([^']*)'\)")
sys.path.insert(0, str(HERE))
from setup import default_dir  # noqa: E402  (the suite's own install script: where DIR is)


def read_references(path: Path = REFERENCES) -> dict[str, Workflow]:
    """Task id -> reference workflow; a line may also carry a `note` (what the reference leaves to verify)."""
    lines = (line for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return {data["id"]: parse_workflow(data["workflow"]) for data in map(json.loads, lines)}


def stats(tasks: Iterable[Task]) -> dict[str, Any]:
    """Counts the suite's thresholds are stated in: tasks, servers, share multi-server and 4+ steps."""
    tasks = list(tasks)
    servers = Counter(s for t in tasks for s in t.servers)
    multi = sum(len(t.servers) >= 2 for t in tasks)
    long = sum((t.steps or 0) >= 4 for t in tasks)
    return {
        "tasks": len(tasks),
        "servers": dict(sorted(servers.items())),
        "multi_share": multi / len(tasks) if tasks else 0.0,
        "four_plus_share": long / len(tasks) if tasks else 0.0,
        "steps": dict(sorted(Counter(t.steps for t in tasks).items())),
    }


def split_of(task: Task) -> str:
    return next(tag.split(":", 1)[1] for tag in task.tags if tag.startswith("split:"))


def answer_value(answer: str, kind: str) -> Any:
    """The expected value a reference's answer stands for, in the form its match kind takes.

    An answer that is a JSON value or a Python literal (a SQL server's row tuples, `Decimal`s included) gives
    its scalar items: a set takes them all, a contains check takes the one item.
    """
    if kind == "number":
        return find_numbers(answer)[0]
    try:
        items = list(_scalars(json.loads(answer)))
    except json.JSONDecodeError:
        try:
            items = list(_scalars(ast.literal_eval(_DECIMAL.sub(r"\1", answer))))
        except (ValueError, SyntaxError):
            items = [answer.strip()]
    if kind == "set":
        return sorted(items, key=str)
    return str(items[0]) if len(items) == 1 else answer.strip()


def _scalars(value: Any) -> Iterator[Any]:
    if isinstance(value, list | tuple):
        for item in value:
            yield from _scalars(item)
    elif value is not None:
        yield value


async def run_references(config: Path, references: Mapping[str, Workflow]) -> dict[str, tuple[str | None, str]]:
    """Task id -> (answer, failure text) from one live run of each reference."""
    results: dict[str, tuple[str | None, str]] = {}
    async with ToolEnvironment(load_servers_config(config), call_timeout=60.0) as env:
        for task_id, workflow in references.items():
            execution = await env.execute(workflow)
            failure = "; ".join(f"{o.node}: {o.status} {o.error or ''}".strip() for o in execution.failures())
            results[task_id] = (execution.answer, failure)
    return results


def verify(config: Path, only: Iterable[str] = (), write: bool = False) -> int:
    """Check (or with `write`, refresh) the expected answers; the number of tasks that failed."""
    tasks = load_tasks(TASKS)
    wanted = set(only)
    chosen = [t for t in tasks if not wanted or t.id in wanted]
    references = read_references()
    missing = [t.id for t in chosen if t.id not in references]
    results = asyncio.run(run_references(config, {t.id: references[t.id] for t in chosen if t.id in references}))
    failed = len(missing)
    fresh: dict[str, Any] = {}
    print(f"{'task':34} {'split':8} ok  detail")
    for task in chosen:
        answer, failure = results.get(task.id, (None, "no reference"))
        if write and answer is not None and task.expected is not None and task.expected.value in PLACEHOLDERS:
            fresh[task.id] = answer_value(answer, task.expected.match)
            print(f"{task.id:34} {split_of(task):8} w   {fresh[task.id]!r:.70}")
            continue
        result = matches(task.expected, answer) if task.expected is not None else None
        ok = result is not None and result.ok
        failed += not ok
        detail = failure or (result.detail if result else "no expected answer")
        print(f"{task.id:34} {split_of(task):8} {'yes' if ok else 'NO ':3} {detail:.90}")
    if write:
        _write_expected(fresh)
    print_stats(tasks)
    return failed


def _write_expected(fresh: Mapping[str, Any]) -> None:
    lines = []
    for line in TASKS.read_text(encoding="utf-8").splitlines():
        data = json.loads(line) if line.strip() and not line.startswith("#") else None
        if data is not None and data["id"] in fresh:
            data["expected"]["value"] = fresh[data["id"]]
            line = json.dumps(data, ensure_ascii=False)
        lines.append(line)
    TASKS.write_text("\n".join(lines) + "\n", encoding="utf-8")


def print_stats(tasks: list[Task]) -> None:
    groups = {"all": tasks, **{s: [t for t in tasks if split_of(t) == s] for s in ("dev", "heldout")}}
    for name, group in groups.items():
        s = stats(group)
        print(
            f"{name}: {s['tasks']} tasks, {len(s['servers'])} servers, {s['multi_share']:.0%} multi-server, "
            f"{s['four_plus_share']:.0%} with 4+ steps; steps {s['steps']}; per server {s['servers']}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=default_dir(), help="the setup.py install folder")
    parser.add_argument("--only", nargs="*", default=(), help="task ids to run (default: all)")
    parser.add_argument("--write", action="store_true", help="refresh expected values from the live answers")
    args = parser.parse_args(argv)
    config = args.dir.expanduser() / "servers.json"
    if not config.exists():
        parser.error(f"{config} not found: run benchmarks/suites/thirdparty/setup.py first")
    failed = verify(config, args.only, args.write)
    print(f"{failed} task(s) failed" if failed else "all tasks verified")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
