"""A search's trace on disk: one JSON line per candidate as it is scored, the solve result at the end.

Writes and reads `candidates.jsonl` and `result.json` only; tool arguments and outputs are the only values kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evoflux.errors import UserError
from evoflux.execute.outcome import NodeStatus
from evoflux.scoring.candidate import Candidate
from evoflux.workflow.graph import Workflow, value_to_json
from evoflux.workflow.parse import parse_workflow

CANDIDATES = "candidates.jsonl"
RESULT = "result.json"


class TraceWriter:
    """An `on_candidate` callback: appends each candidate to `folder/candidates.jsonl` the moment it is scored."""

    def __init__(self, folder: Path):
        """Starts a fresh trace: an earlier `candidates.jsonl` in `folder` is replaced."""
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / CANDIDATES
        self.path.write_text("")

    def __call__(self, candidate: Candidate) -> None:
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(candidate_json(candidate), ensure_ascii=False, default=str) + "\n")


def candidate_json(candidate: Candidate) -> dict[str, Any]:
    """One candidate as a trace line: how it was made, how it scored, what each node did."""
    execution = candidate.execution
    return {
        "id": candidate.id,
        "parent": candidate.parent,
        "origin": candidate.origin,
        "iteration": candidate.iteration,
        "fitness": {**candidate.fitness.__dict__, "value": candidate.fitness.value},
        "complete": candidate.fitness.complete,
        "edits": [value_to_json(edit.to_json()) for edit in candidate.edits],
        "issues": [str(issue) for issue in candidate.issues],
        "workflow": candidate.workflow.to_json(),
        "ran": execution is not None,
        "tool_calls": execution.tool_calls if execution else 0,
        "nodes": execution.to_trace()["nodes"] if execution else [],
    }


def write_summary(folder: Path, result_json: dict[str, Any]) -> Path:
    """Write a solve's `SolveResult.to_json()` as `folder/result.json`."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / RESULT
    path.write_text(json.dumps(result_json, indent=2, ensure_ascii=False, default=str))
    return path


@dataclass(frozen=True)
class TracedNode:
    """One node's outcome in a traced run; `args` and `output` are what the tool was given and returned."""

    node: str
    status: str
    error: str | None
    seconds: float
    args: dict[str, Any] | None
    output: Any

    @property
    def failed(self) -> bool:
        """Failed itself, not merely skipped because an input failed."""
        return self.status not in (NodeStatus.OK, NodeStatus.SKIPPED)


@dataclass(frozen=True)
class TracedCandidate:
    """One trace line read back: the candidate's origin, fitness tiers, edits, issues, workflow and node outcomes."""

    id: str
    parent: str | None
    origin: str
    iteration: int
    fitness: dict[str, Any]
    complete: bool
    edits: list[dict[str, Any]]
    issues: list[str]
    workflow: Workflow
    ran: bool
    tool_calls: int
    nodes: list[TracedNode]

    @property
    def value(self) -> float:
        return float(self.fitness["value"])

    @property
    def rank(self) -> tuple:
        """The fitness tiers in order, to compare candidates as the search did."""
        return tuple(v for k, v in self.fitness.items() if k != "value")

    @property
    def statuses(self) -> dict[str, str]:
        return {n.node: n.status for n in self.nodes}

    def failures(self) -> list[TracedNode]:
        return [n for n in self.nodes if n.failed]


@dataclass(frozen=True)
class Trace:
    """A trace folder read back: candidates in the order they were scored, and the solve result if written."""

    folder: Path
    candidates: list[TracedCandidate]
    result: dict[str, Any] | None

    def candidate(self, candidate_id: str | None) -> TracedCandidate | None:
        return next((c for c in self.candidates if c.id == candidate_id), None)

    @property
    def winner(self) -> TracedCandidate | None:
        """The candidate whose workflow the result returned; without a result, the fittest."""
        returned = (self.result or {}).get("workflow")
        match = next((c for c in self.candidates if returned and c.workflow.to_json() == returned), None)
        if match is not None or not self.candidates:
            return match
        return max(self.candidates, key=lambda c: c.rank)

    def lineage(self, candidate: TracedCandidate) -> list[TracedCandidate]:
        """`candidate` and its ancestors, the first plan first."""
        chain = [candidate]
        while chain[-1].parent and (parent := self.candidate(chain[-1].parent)) and parent not in chain:
            chain.append(parent)
        return chain[::-1]


def load_trace(folder: Path) -> Trace:
    """Read a folder written by `TraceWriter` and `write_summary`; a UserError when it is not one."""
    candidates_path, result_path = folder / CANDIDATES, folder / RESULT
    if not candidates_path.is_file() and not result_path.is_file():
        raise UserError(f"{folder} is not an evoflux trace (no {CANDIDATES} or {RESULT})")
    candidates = []
    if candidates_path.is_file():
        for number, line in enumerate(candidates_path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                candidates.append(_candidate(_json(line, f"{candidates_path}:{number}")))
    result = (
        _json(result_path.read_text(encoding="utf-8"), str(result_path)) if result_path.is_file() else None
    )
    return Trace(folder=folder, candidates=candidates, result=result)


def _json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"{where}: not valid trace JSON ({exc.msg})") from None


def _candidate(data: dict[str, Any]) -> TracedCandidate:
    try:
        return TracedCandidate(
            id=data["id"],
            parent=data["parent"],
            origin=data["origin"],
            iteration=data["iteration"],
            fitness=data["fitness"],
            complete=data["complete"],
            edits=data["edits"],
            issues=data["issues"],
            workflow=parse_workflow(data["workflow"]),
            ran=data["ran"],
            tool_calls=data["tool_calls"],
            nodes=[
                TracedNode(
                    n["node"], n["status"], n.get("error"), n["seconds"], n.get("args"), n.get("output")
                )
                for n in data["nodes"]
            ],
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise UserError(f"trace candidate {data.get('id', '?')!r} is missing {exc}") from None
