"""Benchmark task files: the native JSONL format, read and validated into `Task`s, and reference workflows.

Owns the file formats and their line-numbered errors; what an expected value means is `matchers`' job.

A task file is UTF-8 JSONL: one JSON object per line; blank lines and lines starting with `#` are skipped.
Fields of a task:

- `id` (required): a string unique within the file.
- `query` (required): what the user asks, in their own words.
- `servers`: names of the servers (from the servers config) the task may use; omitted means all of them.
- `expected`: how to check the final answer; omitted when there is no checkable answer (for example a task
  no tool can serve). `{"match": KIND, "value": ...}` with KIND one of
  `number` (value a number; optional `tolerance`, absolute, and/or `rel_tolerance`, a fraction; exact
  when neither is given), `exact` (a string, case- and space-insensitive), `contains` (a string or a list
  of strings that must all appear), `regex` (searched case-insensitively), `set` (a list of strings and
  numbers that must all be mentioned, in any order) or `json_subset` (an object that some JSON object in
  the answer must contain). `tolerance`/`rel_tolerance` also apply to the numbers of `set` and `json_subset`.
- `tags`: a list of strings, e.g. `["shop", "units", "steps:3", "medium"]`.
- `steps`: how many tool calls the reference solution makes (a positive integer).

Example line: `{"id": "oven", "query": "What is 350 °F in Celsius?", "expected": {"match": "number",
"value": 176.667, "rel_tolerance": 0.001}, "tags": ["units", "steps:1", "easy"], "steps": 1}`

A reference file has lines `{"id": TASK_ID, "workflow": {...}}`, the workflow JSON that solves the task.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from evoflux.bench.matchers import Expected, InvalidExpected
from evoflux.errors import UserError
from evoflux.workflow.graph import Workflow
from evoflux.workflow.parse import parse_workflow

SUITES_DIR = Path(__file__).resolve().parent / "suites"
BUNDLED_SUITE = SUITES_DIR / "bundled.jsonl"
"""The bundled suite: questions about the bundled offline servers."""
BUNDLED_REFERENCES = SUITES_DIR / "bundled_reference.jsonl"
"""A reference workflow for every bundled task that has an expected answer."""

_TASK_FIELDS = ("id", "query", "servers", "expected", "tags", "steps")
_REFERENCE_FIELDS = ("id", "workflow")
_MAX_PROBLEMS_SHOWN = 50

_T = TypeVar("_T")


@dataclass(frozen=True)
class Task:
    """One benchmark question; `expected` is None when the answer cannot be checked."""

    id: str
    query: str
    servers: tuple[str, ...] = ()
    expected: Expected | None = None
    tags: tuple[str, ...] = ()
    steps: int | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "query": self.query}
        if self.servers:
            data["servers"] = list(self.servers)
        if self.expected is not None:
            data["expected"] = self.expected.to_json()
        if self.tags:
            data["tags"] = list(self.tags)
        if self.steps is not None:
            data["steps"] = self.steps
        return data


def load_tasks(path: str | Path) -> list[Task]:
    """The tasks of a JSONL task file; every problem is reported in one UserError, line by line."""
    return _load(path, _task_from)


def load_references(path: str | Path) -> dict[str, Workflow]:
    """Task id -> reference workflow, from a JSONL reference file (same error reporting as `load_tasks`)."""
    return {task_id: workflow for task_id, workflow in _load(path, _reference_from)}


def _load(path: str | Path, build: Callable[[Mapping[str, Any], list[str]], _T | None]) -> list[_T]:
    """Build one item per object line; `build` appends problems (without location) instead of raising."""
    source = str(path)
    items: list[_T] = []
    problems: list[str] = []
    first_line: dict[str, int] = {}
    seen_any = False
    for number, line in _lines(path):
        seen_any = True
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{source}:{number}: not valid JSON (column {exc.colno}: {exc.msg})")
            continue
        if not isinstance(data, dict):
            problems.append(f"{source}:{number}: expected a JSON object, got {type(data).__name__}")
            continue
        found: list[str] = []
        item = build(data, found)
        item_id = data.get("id")
        if isinstance(item_id, str) and item_id:
            if item_id in first_line:
                found.append(f"duplicate id {item_id!r} (first on line {first_line[item_id]})")
            else:
                first_line[item_id] = number
        problems.extend(f"{source}:{number}: {problem}" for problem in found)
        if item is not None and not found:
            items.append(item)
    if not seen_any:
        problems.append(f"{source}: no entries (every line is blank or a # comment)")
    if problems:
        shown = problems[:_MAX_PROBLEMS_SHOWN]
        if len(problems) > len(shown):
            shown.append(f"... and {len(problems) - len(shown)} more problems")
        raise UserError("\n".join(shown))
    return items


def _lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """(line number, text) of each line that is neither blank nor a `#` comment."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise UserError(f"{path}: not a UTF-8 text file") from None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            yield number, stripped


def _task_from(data: Mapping[str, Any], problems: list[str]) -> Task | None:
    problems.extend(_unknown_fields(data, _TASK_FIELDS))
    task_id = _required_text(data, "id", problems)
    query = _required_text(data, "query", problems)
    servers = _string_list(data, "servers", problems)
    if "servers" in data and servers == ():
        problems.append("servers must not be empty (omit it to allow every server)")
    tags = _string_list(data, "tags", problems)
    steps = data.get("steps")
    if steps is not None and not (isinstance(steps, int) and not isinstance(steps, bool) and steps >= 1):
        problems.append(f"steps must be a positive integer, got {steps!r}")
    expected = None
    if "expected" in data:
        try:
            expected = Expected.parse(data["expected"])
        except InvalidExpected as exc:
            problems.extend(exc.problems)
    if task_id is None or query is None or servers is None or tags is None:
        return None
    return Task(task_id, query, servers, expected, tags, steps)


def _reference_from(data: Mapping[str, Any], problems: list[str]) -> tuple[str, Workflow] | None:
    problems.extend(_unknown_fields(data, _REFERENCE_FIELDS))
    task_id = _required_text(data, "id", problems)
    if "workflow" not in data:
        problems.append("missing required field 'workflow'")
        return None
    try:
        workflow = parse_workflow(data["workflow"])
    except UserError as exc:
        problems.append(f"workflow: {exc}")
        return None
    return None if task_id is None else (task_id, workflow)


def _unknown_fields(data: Mapping[str, Any], known: tuple[str, ...]) -> list[str]:
    problems = []
    for key in data:
        if key in known:
            continue
        close = difflib.get_close_matches(str(key), known, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"known fields: {', '.join(known)}"
        problems.append(f"unknown field {key!r} ({hint})")
    return problems


def _required_text(data: Mapping[str, Any], key: str, problems: list[str]) -> str | None:
    if key not in data:
        problems.append(f"missing required field {key!r}")
        return None
    value = data[key]
    if not isinstance(value, str) or not value.strip() or value != value.strip():
        problems.append(f"{key} must be a non-empty string without surrounding spaces, got {value!r}")
        return None
    return value


def _string_list(data: Mapping[str, Any], key: str, problems: list[str]) -> tuple[str, ...] | None:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(f"{key} must be a list of non-empty strings, got {value!r}")
        return None
    return tuple(value)
