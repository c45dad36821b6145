"""A candidate: one workflow with how it was made, its check issues, its run, its fitness and what it left out
of the request; the search and the baselines both make them.

Owns assessing a checked (and perhaps executed) workflow; choosing among candidates is the strategies'.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from evoflux.catalog.tools import ToolSpec
from evoflux.execute.outcome import Execution
from evoflux.scoring.answer_check import AnswerCheck, check_answer
from evoflux.scoring.fitness import Fitness, score, shortfalls
from evoflux.workflow.check import Issue
from evoflux.workflow.edits import Edit
from evoflux.workflow.graph import Workflow


@dataclass(frozen=True)
class Candidate:
    """One workflow in the search, with how it was made and how it did."""

    id: str
    workflow: Workflow
    issues: list[Issue]
    execution: Execution | None
    fitness: Fitness
    origin: str
    iteration: int
    parent: str | None = None
    edits: tuple[Edit, ...] = field(default_factory=tuple)
    # What the run left out of the request (`fitness.shortfalls`), then what its answer fails (`check_answer`).
    shortfalls: tuple[str, ...] = ()

    def problems(self, limit: int = 6) -> list[str]:
        """Errors in words, for the model: static errors first, then failed steps, then shortfalls."""
        found = [f"{i.node or 'workflow'}: {i.message}" for i in self.issues if i.severity == "error"]
        if self.execution is not None:
            found += [
                f"{o.node} failed ({o.status.value}): {(o.error or '')[:200]}"
                for o in self.execution.failures()
            ]
        found += self.shortfalls
        return list(dict.fromkeys(found))[:limit]


def assessed(
    candidate_id: str,
    workflow: Workflow,
    issues: list[Issue],
    execution: Execution | None,
    task: str,
    shown: Sequence[ToolSpec],
    *,
    origin: str,
    iteration: int,
    parent: str | None = None,
    edits: Sequence[Edit] = (),
    answer_check: bool = True,
) -> Candidate:
    """A checked (and perhaps executed) workflow with its fitness and shortfalls against the request: what the
    steps left out of it, then, when the answer reads a step, what the answer fails of the answer check
    (`answer_check=False`, an ablation, counts every answer as passing it)."""
    checked = shortfalls(task, workflow, execution, shown)
    answer = check_answer(task, workflow, execution) if answer_check else AnswerCheck(asks=0, answered=0)
    fitness = score(workflow, issues, execution, task, shown, checked=checked, answer=answer)
    return Candidate(
        id=candidate_id,
        workflow=workflow,
        issues=issues,
        execution=execution,
        fitness=fitness,
        origin=origin,
        iteration=iteration,
        parent=parent,
        edits=tuple(edits),
        shortfalls=(*checked[1], *(answer.failures if fitness.grounded else ())),
    )
