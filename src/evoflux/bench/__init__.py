"""Benchmark tasks with checkable answers: the native task file format, answer matchers and the bundled suite.

Running tasks through a solver and scoring runs belong to the callers; this package only defines and checks.
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
