"""Fitness in tiers that needs no judge: valid, executed share, whole run, answer grounded, answer answers
(`answer_check`), request covered, evidence flow, then cost.

Reads a checked and executed candidate; never runs anything and never sees reference answers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from evoflux.catalog.retrieval import lookup_arguments
from evoflux.catalog.tools import ToolSpec
from evoflux.execute.failure_text import is_empty, reports_failure
from evoflux.execute.outcome import Execution, NodeOutcome, NodeStatus
from evoflux.lexicon.places import country_codes
from evoflux.request.checks import made_up_ids, made_up_quantities, quantity_arguments
from evoflux.request.options import (
    declared_args,
    enum_options,
    evidence_text,
    named_options,
    option_mentioned,
)
from evoflux.request.text import salient_terms, task_literals
from evoflux.workflow.check import Issue, has_errors
from evoflux.workflow.glue import is_pseudo
from evoflux.workflow.graph import AnswerNode, ToolNode, Workflow

if TYPE_CHECKING:
    from evoflux.scoring.answer_check import AnswerCheck

# Outcomes of steps whose tool was never called: an input could not be read, or an earlier step failed.
_NOT_CALLED = frozenset({NodeStatus.UNRESOLVED_REF, NodeStatus.SKIPPED, NodeStatus.NOT_RECORDED})


@dataclass(frozen=True, order=True)
class Fitness:
    """Compared as a tuple: every tier outranks all below it."""

    valid: bool
    ok_share: float
    executed: bool
    grounded: bool
    answered: float  # share of the answer check met (`AnswerCheck.share`): each ask answered, nothing made up
    covered: float
    flow: float
    # Share of tool steps whose tool was called at all: a repaired reference that now fails at its server has
    # got further than one never called.
    reached: float
    fewer_calls: int
    shorter_path: int

    @property
    def value(self) -> float:
        """A scalar in [0, 1] that grows with every tier, for measuring absolute improvement (the answer
        check's 0.1 taken from the executed share and grounding, which it refines)."""
        return round(
            0.1 * self.valid
            + 0.3 * self.ok_share
            + 0.2 * self.executed
            + 0.1 * self.grounded
            + 0.1 * self.answered
            + 0.1 * self.covered
            + 0.1 * self.flow,
            4,
        )

    @property
    def complete(self) -> bool:
        """Good enough to stop: everything ran, the answer is built from what ran and passes the answer check
        (each ask answered by a value the request did not state, nothing stated that the evidence lacks), the
        request's names and options are used and no id is made up."""
        return self.executed and self.grounded and self.answered >= 1.0 and self.covered >= 1.0


def looks_failed(outcome: NodeOutcome) -> bool:
    """An `ok` result whose content is an error message, or empty."""
    if not outcome.ok or outcome.empty:
        return True
    value = outcome.output
    return is_empty(value) or (isinstance(value, str) and reports_failure(value))


def shortfalls(
    task: str, workflow: Workflow, execution: Execution | None, tools: Sequence[ToolSpec] = ()
) -> tuple[int, list[str]]:
    """What the request asks the workflow to use, and what it left out, in words for the model.

    Checked: the request's names appear in the steps' arguments or results (a country's name also as its
    ISO code, `"JP"` for Japan), and so do the dates it states (as ISO dates); each option of the `tools`'
    enums that the request names (`knots`, `express`) is used or returned; no id is made up (an id given as
    a literal that neither the request states nor another step returned), nor a number another shown tool
    returns (`request.checks`: `weight_kg=2` with no step that read the weight). The answer's own text is not
    evidence: a template can repeat the request without any step having looked at it. Nor are arguments a shown
    tool does not declare (`name="1985-01-01"` passed to a station lookup): the tool never read them.
    """
    outputs = {
        node_id: outcome.output
        for node_id, outcome in (execution.outcomes.items() if execution is not None else ())
        if outcome.ok and isinstance(workflow.node(node_id), ToolNode)
    }
    specs = {tool.key: tool for tool in tools}
    # A glue step's words (an extraction's `extract` text) are no evidence that a server was asked.
    given = (declared_args(n.args, specs.get(n.tool_key)) for n in workflow.tool_nodes if not is_pseudo(n))
    evidence = evidence_text(given, outputs.values())
    terms = sorted(salient_terms(task))
    missing = [
        f"the request names {t!r} but no step's arguments or results mention it"
        for t in terms
        if t not in evidence and not any(f'"{code}"' in evidence for code in country_codes(t))
    ]
    dates = sorted({lit.value.isoformat() for lit in task_literals(task) if lit.kind == "date"})
    missing += [
        f"the request names the date {day} but no step's arguments or results mention it"
        for day in dates
        if day not in evidence
    ]
    options = named_options(task, enum_options(tools))
    missing += [
        f"the request asks for {option!r} but no step uses or returns it"
        for option in options
        if not option_mentioned(option, evidence)
    ]
    checked_ids = 0
    for node in workflow.tool_nodes:
        spec = specs.get(node.tool_key)
        if spec is None:
            continue
        checked_ids += sum(isinstance(node.args.get(name), str) for name in lookup_arguments(spec))
        checked_ids += len(quantity_arguments(node, spec))
        others = [output for other, output in outputs.items() if other != node.id]
        missing += [
            f"{node.id}.{name}={node.args[name]!r} is made up: the request does not state it and no step "
            "returned it; look it up with a tool step"
            for name in [
                *made_up_ids(node, spec, task, others),
                *made_up_quantities(node, spec, task, others, tools),
            ]
        ]
    return len(terms) + len(dates) + len(options) + checked_ids, missing


def coverage(
    task: str,
    workflow: Workflow,
    execution: Execution | None,
    tools: Sequence[ToolSpec] = (),
    *,
    checked: tuple[int, list[str]] | None = None,
) -> float:
    """Share of the request's checks (`shortfalls`, or `checked` when already computed) the workflow meets."""
    checks, missing = checked if checked is not None else shortfalls(task, workflow, execution, tools)
    return 1.0 if checks == 0 else round(1 - len(missing) / checks, 4)


def score(
    workflow: Workflow,
    issues: list[Issue],
    execution: Execution | None,
    task: str = "",
    shown: Sequence[ToolSpec] = (),
    *,
    checked: tuple[int, list[str]] | None = None,
    answer: AnswerCheck | None = None,
) -> Fitness:
    """The candidate's fitness; `shown` are the tools offered for the task (their enums and id arguments),
    `checked` the `shortfalls` and `answer` the `check_answer` already computed for it."""
    from evoflux.scoring.answer_check import check_answer  # it reads `looks_failed` from here

    tools = workflow.tool_nodes
    calls = len(tools)
    depth = _critical_path(workflow)
    covered = coverage(task, workflow, execution, shown, checked=checked)
    if execution is None or not tools:
        return Fitness(
            not has_errors(issues) and bool(tools), 0.0, False, False, 0.0, covered, 0.0, 0.0, -calls, -depth
        )
    good = {n.id for n in tools if not looks_failed(execution.outcomes[n.id])}
    answer_node = workflow.answer
    grounded = _grounded(answer_node, execution, good)
    if answer is None:
        answer = check_answer(task, workflow, execution)
    return Fitness(
        valid=not has_errors(issues),
        ok_share=round(len(good) / calls, 4),
        executed=execution.ok and len(good) == calls,
        grounded=grounded,
        answered=answer.share if grounded else 0.0,
        covered=covered,
        flow=_flow(workflow, good, answer_node),
        reached=round(sum(execution.outcomes[n.id].status not in _NOT_CALLED for n in tools) / calls, 4),
        fewer_calls=-calls,
        shorter_path=-depth,
    )


def _grounded(answer: AnswerNode | None, execution: Execution, good: set[str]) -> bool:
    """The answer node rendered, and it reads at least one step that truly succeeded."""
    if answer is None or not execution.outcomes[answer.id].ok:
        return False
    return any(ref.node in good for ref in answer.text.refs)


def _flow(workflow: Workflow, good: set[str], answer: AnswerNode | None) -> float:
    """Share of successful steps whose output reaches the answer, less a penalty for repeated calls."""
    if not good:
        return 0.0
    reaching = workflow.upstream(answer.id) if answer is not None else set()
    useful = len(good & reaching) / len(good)
    signatures = [
        json.dumps([n.server, n.tool, n.args], sort_keys=True, default=str) for n in workflow.tool_nodes
    ]
    repeated = len(signatures) - len(set(signatures))
    return round(max(0.0, useful - 0.25 * repeated), 4)


def _critical_path(workflow: Workflow) -> int:
    """Tool steps on the longest dependency chain (0 for a cyclic graph's unreachable part)."""
    memo: dict[str, int] = {}

    def depth(node_id: str, trail: frozenset[str]) -> int:
        if node_id in memo:
            return memo[node_id]
        if node_id in trail:
            return 0
        node = workflow.node(node_id)
        own = 1 if isinstance(node, ToolNode) else 0
        result = own + max((depth(d, trail | {node_id}) for d in workflow.dependencies(node_id)), default=0)
        memo[node_id] = result
        return result

    return max((depth(n.id, frozenset()) for n in workflow.nodes), default=0)
