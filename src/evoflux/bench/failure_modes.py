"""The failure-mode audit: what went wrong in each failed or repaired run, in its first try and at its end.

Reads journal records only (no model, no servers). The end is a record's `result` (issues as text, nodes with
status and error, what the workflow left out of the request); the first try is `result.search.first`, which
`strategy.FirstTry` writes for every strategy that tries whole workflows (ReAct, a call at a time, has none).
A record without it is classified from its end alone, except a run that returned no workflow: it tried none,
so its first state is its end.

A run may show several modes; its primary mode is the first of `MODES`, the order of the data path (plan,
check, call, answer), so the earliest thing that went wrong names the run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from evoflux.execute.outcome import NodeStatus
from evoflux.workflow.issues import IssueCode


class Mode(StrEnum):
    PLANNING = "planning failure"
    UNKNOWN_TOOL = "unknown tool"
    ARGUMENT_NAME = "bad argument name"
    ARGUMENT_VALUE = "bad argument value or type"
    WIRING = "missing dependency or wiring"
    SERVER = "server or timeout error"
    WRONG = "ran but wrong or unanswered"


MODES = tuple(Mode)
"""Every mode in the data path's order; the first one a run shows is its primary mode."""

ISSUE_MODES = {
    IssueCode.UNKNOWN_TOOL: Mode.UNKNOWN_TOOL,
    IssueCode.UNKNOWN_SERVER: Mode.UNKNOWN_TOOL,
    IssueCode.MISSING_SERVER: Mode.UNKNOWN_TOOL,
    IssueCode.UNKNOWN_ARG: Mode.ARGUMENT_NAME,
    IssueCode.MISSING_REQUIRED_ARG: Mode.ARGUMENT_NAME,
    IssueCode.ARG_TYPE: Mode.ARGUMENT_VALUE,
    IssueCode.ARG_ENUM: Mode.ARGUMENT_VALUE,
    IssueCode.ARG_FORMAT: Mode.ARGUMENT_VALUE,
    IssueCode.ARG_PATTERN: Mode.ARGUMENT_VALUE,
    IssueCode.ARG_RANGE: Mode.ARGUMENT_VALUE,
    IssueCode.ARG_SCHEMA: Mode.ARGUMENT_VALUE,
    IssueCode.REF_MISSING_NODE: Mode.WIRING,
    IssueCode.REF_TO_ANSWER: Mode.WIRING,
    IssueCode.REF_SELF: Mode.WIRING,
    IssueCode.REF_DOWNSTREAM: Mode.WIRING,
    IssueCode.CYCLE: Mode.WIRING,
    IssueCode.DUPLICATE_ID: Mode.WIRING,
    IssueCode.TOO_MANY_STEPS: Mode.PLANNING,
    IssueCode.NO_TOOL_STEPS: Mode.PLANNING,
    IssueCode.MISSING_ANSWER: Mode.WRONG,
}
"""The mode of each static-check issue code (errors only: a warning never stopped a run)."""

_STATUS_MODES = {
    NodeStatus.TIMEOUT: Mode.SERVER,
    NodeStatus.SERVER_DOWN: Mode.SERVER,
    NodeStatus.NOT_RECORDED: Mode.SERVER,
    NodeStatus.UNRESOLVED_REF: Mode.WIRING,
}
# What a refused call's error says, in the words of JSON Schema validators and MCP SDKs, not of one server.
_NAME_ERRORS = re.compile(
    r"has no argument|missing required|field required|extra inputs are not permitted|unexpected keyword"
    r"|unknown argument|additional properties",
    re.IGNORECASE,
)
_UNKNOWN_TOOL_ERRORS = re.compile(r"unknown tool|no such tool|tool not found|tool .{0,40} not found", re.I)
_SERVER_ERRORS = re.compile(
    r"timed? ?out|connection (?:refused|reset|closed)|broken pipe|server (?:is )?down", re.I
)
_ISSUE_TEXT = re.compile(r"^(error|warning) (\w+) at ")


@dataclass(frozen=True)
class TriedState:
    """One tried workflow as the audit sees it: was there one, its error codes, the steps that failed
    themselves (status, error), whether it ran end to end and answered, whether it left part of the request
    out."""

    planned: bool
    issues: tuple[str, ...] = ()
    failed: tuple[tuple[str, str], ...] = ()
    executed: bool = False
    answered: bool = False
    left_out: bool = False

    def modes(self, run_failed: bool) -> tuple[Mode, ...]:
        """The modes this state shows in a run that ended failed or not, in `MODES` order.

        A state that ran end to end is wrong or unanswered when the run failed or it wrote no answer; one that
        shows nothing else and did not run end to end counts as unanswered too.
        """
        found = set() if self.planned else {Mode.PLANNING}
        found |= {ISSUE_MODES[code] for code in self.issues if code in ISSUE_MODES}
        found |= {step_mode(status, error) for status, error in self.failed}
        if self.left_out and run_failed:
            found.add(Mode.PLANNING)  # the workflow's tools could not serve all the request
        ran_wrong = self.executed and (run_failed or not self.answered)
        nothing_else = not found and (run_failed or not self.executed)
        if ran_wrong or nothing_else:
            found.add(Mode.WRONG)
        return tuple(m for m in MODES if m in found)


def step_mode(status: str, error: str) -> Mode:
    """The mode of a step that failed itself. A tool error reads as a refused value unless its text names a
    missing tool or an unreachable server; a rejected call, as a bad name when the validator says so."""
    if status in _STATUS_MODES:
        return _STATUS_MODES[status]
    if _UNKNOWN_TOOL_ERRORS.search(error):
        return Mode.UNKNOWN_TOOL
    if _SERVER_ERRORS.search(error):
        return Mode.SERVER
    if status == NodeStatus.SCHEMA_REJECTED and _NAME_ERRORS.search(error):
        return Mode.ARGUMENT_NAME
    return Mode.ARGUMENT_VALUE


@dataclass(frozen=True)
class RunAudit:
    """One run's modes: in its first try (None when unrecorded) and at its end (none when it succeeded)."""

    strategy: str
    task_id: str
    seed: Any
    succeeded: bool
    first: tuple[Mode, ...] | None
    end: tuple[Mode, ...]

    @property
    def repaired(self) -> bool:
        return self.succeeded and bool(self.first)


def succeeded(record: Mapping[str, Any]) -> bool:
    """Answered as expected; for a task without an expected answer, ran end to end."""
    success = record.get("success")
    return bool(success) if success is not None else bool(record.get("executed"))


def audit_record(record: Mapping[str, Any]) -> RunAudit | None:
    """The modes of one finished record; None for a harness failure or a record without its result."""
    result = record.get("result")
    if record.get("status") != "done" or not isinstance(result, Mapping):
        return None
    ok = succeeded(record)
    end = _end_state(record, result)
    first_json = (result.get("search") or {}).get("first")
    if isinstance(first_json, Mapping):
        first: tuple[Mode, ...] | None = _first_state(first_json).modes(not ok)
    elif not end.planned:  # it returned no workflow, so it tried none: its first state is its end
        first = end.modes(not ok)
    else:
        first = None
    return RunAudit(
        str(record["strategy"]),
        str(record.get("task_id")),
        record.get("seed"),
        ok,
        first,
        () if ok else end.modes(True),
    )


def _end_state(record: Mapping[str, Any], result: Mapping[str, Any]) -> TriedState:
    codes = []
    for text in result.get("issues") or ():
        found = _ISSUE_TEXT.match(str(text))
        if found and found[1] == "error":
            codes.append(found[2])
    failed = [
        (str(n.get("status")), str(n.get("error") or ""))
        for n in result.get("nodes") or ()
        if n.get("status") not in (NodeStatus.OK, NodeStatus.SKIPPED)
    ]
    return TriedState(
        planned=result.get("workflow") is not None,
        issues=tuple(codes),
        failed=tuple(failed),
        executed=bool(record.get("executed")),
        answered=bool(record.get("answer")),
        left_out=bool(result.get("unverified")),
    )


def _first_state(first: Mapping[str, Any]) -> TriedState:
    return TriedState(
        planned=True,
        issues=tuple(str(code) for code in first.get("issues") or ()),
        failed=tuple((str(f.get("status")), str(f.get("error") or "")) for f in first.get("failed") or ()),
        executed=bool(first.get("executed")),
        answered=bool(first.get("answered")),
    )


@dataclass(frozen=True)
class ModeCount:
    """One mode in one strategy's runs: where it occurred first (and was the primary mode), where it remained
    at the end (and was primary there), and how many of the runs it occurred first in ended successful."""

    mode: Mode
    first: int
    first_primary: int
    end: int
    end_primary: int
    recovered: int


@dataclass(frozen=True)
class StrategyAudit:
    """A strategy's audit: its runs by outcome and its modes, in `MODES` order (only those that occurred)."""

    strategy: str
    runs: int
    failed: int
    repaired: int
    first_known: int
    unclassified: int
    modes: list[ModeCount]


def audit(records: Iterable[Mapping[str, Any]], strategies: Sequence[str]) -> list[StrategyAudit]:
    """The audit of each strategy, in `strategies` order; `unclassified` counts harness failures and records
    without a result."""
    by_strategy: dict[str, list[RunAudit | None]] = {s: [] for s in strategies}
    for record in records:
        by_strategy.setdefault(str(record["strategy"]), []).append(audit_record(record))
    return [_strategy_audit(s, runs) for s, runs in by_strategy.items()]


def _strategy_audit(strategy: str, audits: list[RunAudit | None]) -> StrategyAudit:
    runs = [a for a in audits if a is not None]
    counts = []
    for mode in MODES:
        first = [r for r in runs if r.first and mode in r.first]
        end = [r for r in runs if mode in r.end]
        if first or end:
            counts.append(
                ModeCount(
                    mode,
                    len(first),
                    sum(r.first[0] is mode for r in first if r.first),
                    len(end),
                    sum(r.end[0] is mode for r in end),
                    sum(r.succeeded for r in first),
                )
            )
    return StrategyAudit(
        strategy,
        runs=len(runs),
        failed=sum(not r.succeeded for r in runs),
        repaired=sum(r.repaired for r in runs),
        first_known=sum(r.first is not None for r in runs),
        unclassified=len(audits) - len(runs),
        modes=counts,
    )


def has_results(records: Iterable[Mapping[str, Any]]) -> bool:
    """Whether any record holds a solve's result, so there is something to audit."""
    return any(isinstance(record.get("result"), Mapping) for record in records)
