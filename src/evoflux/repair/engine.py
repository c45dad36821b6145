"""The repair loop: apply the rules for each check issue, each failed outcome and each node, re-check, repeat.

Owns rule order, rounds, stopping and the `Repair` record; the rules live in the sibling modules, none calls a model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from evoflux.catalog.tools import ToolCatalog
from evoflux.execute.outcome import Execution, NodeOutcome, NodeStatus
from evoflux.repair import (
    aggregates,
    arguments,
    binding,
    conversions,
    discovery,
    empty_lists,
    filters,
    glue_fallback,
    listed_items,
    lookups,
    offered,
    producers,
    quantities,
    references,
    structure,
    tools,
    whole_answers,
)
from evoflux.repair.context import Fix, RepairContext, Rule
from evoflux.workflow.check import check_workflow
from evoflux.workflow.edits import Edit
from evoflux.workflow.glue import with_pseudo_tools
from evoflux.workflow.graph import Workflow
from evoflux.workflow.issues import Issue, IssueCode
from evoflux.workflow.parse import dump_workflow
from evoflux.workflow.paths import EditError

T = TypeVar("T")

# Which rules answer which issue, tried in this order until one makes an edit. Issues are handled in the
# order of ISSUE_ORDER: ids first (edits address nodes by id), then tools (arguments are checked against
# the tool), references, argument names, values, and missing values last (a rename may have supplied them).
ISSUE_RULES: dict[IssueCode, tuple[Rule[Issue], ...]] = {
    IssueCode.DUPLICATE_ID: (structure.rename_duplicate,),
    IssueCode.UNKNOWN_TOOL: (tools.resolve_tool,),
    IssueCode.UNKNOWN_SERVER: (tools.resolve_tool,),
    IssueCode.MISSING_SERVER: (tools.resolve_tool,),
    IssueCode.REF_MISSING_NODE: (references.retarget_reference,),
    IssueCode.REF_SELF: (references.retarget_reference,),
    IssueCode.REF_TO_ANSWER: (references.retarget_reference,),
    IssueCode.REF_DOWNSTREAM: (structure.break_cycle,),
    IssueCode.CYCLE: (structure.break_cycle,),
    IssueCode.UNKNOWN_ARG: (arguments.rename_near_miss,),
    IssueCode.ARG_TYPE: (arguments.coerce_argument,),
    IssueCode.ARG_ENUM: (arguments.coerce_argument,),
    IssueCode.ARG_FORMAT: (arguments.coerce_argument,),
    IssueCode.ARG_RANGE: (arguments.coerce_argument,),
    IssueCode.ARG_PATTERN: (arguments.coerce_argument, lookups.look_up_invented_id),
    IssueCode.MISSING_REQUIRED_ARG: (
        arguments.rename_near_miss,
        binding.bind_missing,
        lookups.look_up_invented_id,
    ),
}
ISSUE_ORDER = tuple(ISSUE_RULES)

# Failed outcomes of the last execution (for nodes unchanged since) with rules of their own. Unresolved
# references and wrong-shaped values are covered by NODE_RULES, which read the executed outputs.
OUTCOME_RULES: dict[NodeStatus, tuple[Rule[NodeOutcome], ...]] = {
    NodeStatus.TOOL_ERROR: (lookups.look_up_unknown_id, structure.wait_for_creator),
    NodeStatus.SCHEMA_REJECTED: (lookups.look_up_misread_id, references.rebind_misfit_reference),
}

# Rules every node gets each round: glue steps that failed on real outputs, fields read back from a step's own
# arguments, reference paths, fields no step gives, a list the answer reads where the request asks how many
# (or only its first item where it asks for a list), a listing the answer reads where the request asks about
# one listed item, a whole record or document the answer reads (the field the request names, else an
# extraction), whole outputs where an argument needs one field, repeated calls, required lists left empty,
# searches and queries that found nothing, values an error offered, names a server said it does not know, ids
# and quantities nothing supports, options the request names, and quantities in a unit the request does not
# ask for.
NODE_RULES: tuple[Rule[str], ...] = (
    glue_fallback.drop_failed_glue,
    references.read_producer_argument,
    references.fix_reference_paths,
    producers.read_missing_field,
    aggregates.count_listed_answer,
    aggregates.list_every_item,
    listed_items.read_listed_item,
    whole_answers.answer_from_whole_output,
    references.narrow_whole_output,
    structure.drop_duplicate_call,
    empty_lists.fill_empty_required_list,
    filters.widen_empty_search,
    filters.ignore_case_in_empty_query,
    offered.take_offered_value,
    discovery.discover_unknown_name,
    lookups.look_up_made_up_id,
    quantities.look_up_made_up_quantity,
    arguments.choose_named_option,
    conversions.convert_to_named_unit,
    conversions.drop_conversion_away_from_named_unit,
)
_MAX_FIXES_PER_NODE_RULE = 4


@dataclass(frozen=True)
class Repair:
    """The repaired workflow, the edits that made it (in order, each with its reason), the check issues
    still left, and edits a rule proposed that the operators refused (with why)."""

    workflow: Workflow
    edits: tuple[Edit, ...]
    remaining: list[Issue]
    declined: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.edits)

    def to_json(self) -> dict[str, Any]:
        return {
            "edits": [edit.to_json() for edit in self.edits],
            "remaining": [str(issue) for issue in self.remaining],
            "declined": list(self.declined),
        }


def repair_workflow(
    workflow: Workflow,
    catalog: ToolCatalog,
    *,
    task: str = "",
    issues: list[Issue] | None = None,
    execution: Execution | None = None,
    max_rounds: int = 3,
) -> Repair:
    """Fix what deterministic rules can: each round applies the rules for the current check issues, for the
    failed outcomes of `execution` (nodes unchanged since it ran) and for every node, then re-checks.

    Stops after `max_rounds`, when a round changes nothing, or when a workflow repeats. `issues` (if given)
    stand in for the first check; `task` defaults to the workflow's own task text.
    """
    catalog = with_pseudo_tools(catalog)
    context = RepairContext(task or workflow.task, execution)
    loop = _Loop(catalog, context)
    current = workflow
    found = list(issues) if issues is not None else check_workflow(current, catalog)
    seen = {dump_workflow(current)}
    for _ in range(max_rounds):
        done = len(loop.edits)
        current = loop.round(current, found)
        if len(loop.edits) == done:
            break
        found = check_workflow(current, catalog)
        state = dump_workflow(current)
        if state in seen:
            break
        seen.add(state)
    return Repair(current, tuple(loop.edits), found, tuple(dict.fromkeys(loop.declined)))


class _Loop:
    """The edits and refusals collected over the rounds of one repair."""

    def __init__(self, catalog: ToolCatalog, context: RepairContext):
        self.catalog = catalog
        self.context = context
        self.edits: list[Edit] = []
        self.declined: list[str] = []

    def round(self, workflow: Workflow, issues: list[Issue]) -> Workflow:
        current = workflow
        for issue in sorted(
            issues, key=lambda i: ISSUE_ORDER.index(i.code) if i.code in ISSUE_ORDER else len(ISSUE_ORDER)
        ):
            current = self._first(ISSUE_RULES.get(issue.code, ()), current, issue, str(issue))
        if self.context.execution is not None:
            for outcome in self.context.execution.failures():
                current = self._first(
                    OUTCOME_RULES.get(outcome.status, ()),
                    current,
                    outcome,
                    f"{outcome.node} {outcome.status}",
                )
        for node_id in dict.fromkeys(current.ids):
            for rule in NODE_RULES:
                for _ in range(_MAX_FIXES_PER_NODE_RULE):
                    changed = self._first((rule,), current, node_id, node_id)
                    if changed is current:
                        break
                    current = changed
        return current

    def _first(self, rules: tuple[Rule[T], ...], workflow: Workflow, trigger: T, label: str) -> Workflow:
        """The workflow after the first of `rules` that makes an edit (recorded), or unchanged."""
        for rule in rules:
            fix = self._attempt(rule, workflow, trigger, label)
            if fix is not None:
                self.edits += fix[1] if isinstance(fix[1], tuple) else [fix[1]]
                return fix[0]
        return workflow

    def _attempt(
        self, rule: Callable[..., Fix | None], workflow: Workflow, trigger: Any, label: str
    ) -> Fix | None:
        try:
            return rule(workflow, trigger, self.catalog, self.context)
        except EditError as exc:
            self.declined.append(f"{rule.__module__.rsplit('.', 1)[-1]}.{rule.__name__} on {label}: {exc}")
            return None
