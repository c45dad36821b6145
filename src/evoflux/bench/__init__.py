"""Benchmarks: task files and answer matchers, the MCP-Bench adapter, the runner and its journal, the judge,
metrics and reports.

Only the task format and matchers are exported here; the runner, Ray backend and reports are imported from
their modules, so reading a task file does not load the solver or matplotlib.
"""

from evoflux.bench.matchers import Expected, InvalidExpected, MatchKind, MatchResult, find_numbers, matches
from evoflux.bench.tasks import BUNDLED_REFERENCES, BUNDLED_SUITE, Task, load_references, load_tasks

__all__ = [
    "BUNDLED_REFERENCES",
    "BUNDLED_SUITE",
    "Expected",
    "InvalidExpected",
    "MatchKind",
    "MatchResult",
    "Task",
    "find_numbers",
    "load_references",
    "load_tasks",
    "matches",
]
