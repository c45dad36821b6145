"""Repairs of invented ids: a made-up or missing id is bound upstream, else a lookup step that yields it is added.

Owns telling which id arguments need a lookup (invented, unknown to the server, misread from another step's
field, made up); how they are looked up is `lookup_strategies`'.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from evoflux.catalog.retrieval import is_lookup_name, lookup_arguments
from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.execute.outcome import NodeOutcome, NodeStatus
from evoflux.repair.arguments import issue_path, node_and_spec
from evoflux.repair.context import Fix, RepairContext, names_unknown_value
from evoflux.repair.lookup_strategies import LookupState, look_up
from evoflux.request.checks import made_up_ids
from evoflux.workflow.graph import PathStep, Ref, ToolNode, Workflow
from evoflux.workflow.issues import Issue, IssueCode
from evoflux.workflow.paths import get_arg
from evoflux.workflow.schema_check import value_fits
from evoflux.workflow.schema_read import schema_at

Path = tuple[PathStep, ...]


def look_up_invented_id(
    workflow: Workflow, issue: Issue, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """arg_pattern / missing_required_arg on a lookup argument (`lookup_arguments`), at the top level or
    inside a list of objects (`items[0].product_id`): see `lookup_strategies`. The value is surely no id of
    this kind (or absent), so a search may also be for the one name of the task no step has used
    (`by_name`): "COFFEE15" as a product id, for "two Conical Burr Coffee Grinders with the COFFEE15
    coupon"."""
    found = node_and_spec(workflow, issue.node, catalog)
    path = issue_path(issue)
    if found is None or not path or not isinstance(path[-1], str) or not isinstance(path[0], str):
        return None
    node, spec = found
    if not _is_lookup(spec, path):
        return None
    value = get_arg(node.args, path, None)
    if issue.code is IssueCode.ARG_PATTERN and not isinstance(value, str):
        return None
    if issue.code is IssueCode.MISSING_REQUIRED_ARG and value is not None:
        return None
    invented = value if isinstance(value, str) else None
    state = LookupState(
        workflow=workflow,
        node=node,
        spec=spec,
        at=path,
        catalog=catalog,
        context=context,
        invented=invented,
        named=_spelled(invented, context),
        by_name=True,
    )
    return look_up(state)


def _is_lookup(spec: ToolSpec, path: Path) -> bool:
    """Whether the argument at `path` is one a caller must look up: a lookup argument of the tool, or a
    required lookup-named key of an object inside an argument."""
    if len(path) == 1:
        return path[0] in lookup_arguments(spec)
    parent = schema_at(spec.input_schema, path[:-1])
    required = parent.get("required") if parent else None
    return isinstance(required, list) and path[-1] in required and is_lookup_name(str(path[-1]))


def look_up_unknown_id(
    workflow: Workflow, outcome: NodeOutcome, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """A call that failed because the server knows no such id (`Unknown station 'WX-MAD-99'`): see
    `lookup_strategies`."""
    if outcome.status is not NodeStatus.TOOL_ERROR or not context.unchanged(workflow, outcome.node):
        return None
    found = node_and_spec(workflow, outcome.node, catalog)
    if found is None:
        return None
    node, spec = found
    for name in lookup_arguments(spec):
        value = node.args.get(name)
        if isinstance(value, str) and names_unknown_value(outcome.error, value):
            state = LookupState(
                workflow=workflow,
                node=node,
                spec=spec,
                at=(name,),
                catalog=catalog,
                context=context,
                invented=value,
                named=_spelled(value, context),
            )
            return look_up(state)
    return None


def look_up_misread_id(
    workflow: Workflow, outcome: NodeOutcome, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """A call rejected because a lookup argument reads the wrong kind of id from an upstream step
    (`station_id` from `$n1.capital_city_id`, "CTY-0029" against `^WX-...`): see `lookup_strategies`; the
    lookup takes its inputs from what the misread step was given or returned (`city="Rome"`) before anything
    else."""
    if outcome.status is not NodeStatus.SCHEMA_REJECTED or not context.unchanged(workflow, outcome.node):
        return None
    found = node_and_spec(workflow, outcome.node, catalog)
    if found is None or not isinstance(outcome.args, dict):
        return None
    node, spec = found
    for name in lookup_arguments(spec):
        ref = node.args.get(name)
        if not isinstance(ref, Ref) or name not in outcome.args or value_fits(spec, name, outcome.args[name]):
            continue
        source = workflow.node(ref.node)
        misread = source if isinstance(source, ToolNode) else None
        state = LookupState(
            workflow=workflow,
            node=node,
            spec=spec,
            at=(name,),
            catalog=catalog,
            context=context,
            misread=misread,
        )
        fix = look_up(state)
        if fix is not None:
            return fix
    return None


def look_up_made_up_id(
    workflow: Workflow, node_id: str, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """A lookup argument given as a literal nothing supports (`station_id="WX-OSL-01"` for a request about
    Reykjavik, with no step that returned it): see `lookup_strategies`."""
    return look_up_made_up(
        workflow,
        node_id,
        catalog,
        context,
        lambda node, spec, others: made_up_ids(node, spec, context.task, others),
        spelled=True,
    )


def look_up_made_up(
    workflow: Workflow,
    node_id: str,
    catalog: ToolCatalog,
    context: RepairContext,
    made_up: Callable[[ToolNode, ToolSpec, list[Any]], Iterable[str]],
    *,
    spelled: bool,
) -> Fix | None:
    """The first fix of the arguments of step `node_id` that `made_up` names (given the other steps' outputs),
    each looked up in turn; with `spelled`, a value that spells words of the task is searched for by them."""
    found = node_and_spec(workflow, node_id, catalog)
    if found is None:
        return None
    node, spec = found
    others = [output for other, output in context.outputs(workflow).items() if other != node_id]
    for name in made_up(node, spec, others):
        value = node.args[name]
        state = LookupState(
            workflow=workflow,
            node=node,
            spec=spec,
            at=(name,),
            catalog=catalog,
            context=context,
            invented=value,
            named=_spelled(value, context) if spelled else None,
        )
        fix = look_up(state)
        if fix is not None:
            return fix
    return None


def _spelled(invented: str | None, context: RepairContext) -> str | None:
    """`task_spelling` of an invented value, None when there is none."""
    return task_spelling(invented, context.task) if isinstance(invented, str) else None


def task_spelling(value: str, task: str) -> str | None:
    """The words of the task that an invented id spells (`"OSLO"` or `"new_york"` for "New York"), as the
    task writes them; None when the value is not plain words the task contains."""
    words = re.findall(r"[^\W\d_]+", value)
    if not words or re.fullmatch(r"[^\W\d_]+(?:[\s_\-.]+[^\W\d_]+)*", value.strip()) is None:
        return None
    found = re.search(r"\b" + r"[\s\-]+".join(re.escape(w) for w in words) + r"\b", task, re.IGNORECASE)
    return found.group() if found else None
