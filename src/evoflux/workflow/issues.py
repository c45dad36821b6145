"""The issue type that static checks report: a code, where (node, argument), what is wrong and how to fix it.

Owns the vocabulary of issue codes only; the checks that produce issues are in `check` and `schema_check`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal


class IssueCode(StrEnum):
    UNKNOWN_TOOL = "unknown_tool"
    UNKNOWN_SERVER = "unknown_server"
    MISSING_SERVER = "missing_server"
    MISSING_REQUIRED_ARG = "missing_required_arg"
    ARG_TYPE = "arg_type"
    ARG_ENUM = "arg_enum"
    ARG_FORMAT = "arg_format"
    ARG_PATTERN = "arg_pattern"
    ARG_RANGE = "arg_range"
    ARG_SCHEMA = "arg_schema"
    UNKNOWN_ARG = "unknown_arg"
    REF_MISSING_NODE = "ref_missing_node"
    REF_TO_ANSWER = "ref_to_answer"
    REF_SELF = "ref_self"
    REF_DOWNSTREAM = "ref_downstream"
    CYCLE = "cycle"
    DUPLICATE_ID = "duplicate_id"
    TOO_MANY_STEPS = "too_many_steps"
    NO_TOOL_STEPS = "no_tool_steps"
    MISSING_ANSWER = "missing_answer"


Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Issue:
    """One problem: `node`/`arg` say where (`arg` is a path like `items[0].qty`), `hint` is a one-line fix."""

    code: IssueCode
    node: str | None
    arg: str | None
    message: str
    hint: str
    suggestions: tuple[str, ...] = ()
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"node {self.node}" if self.node else "workflow"
        if self.arg:
            where += f", argument {self.arg}"
        return f"{self.severity} {self.code} at {where}: {self.message} ({self.hint})"


def has_errors(issues: Iterable[Issue]) -> bool:
    """Whether any issue is an error (warnings alone do not block running)."""
    return any(issue.severity == "error" for issue in issues)
