"""Repairs of references to a field no step gives: a step of a tool that gives it is added and read.

`$n3.next_due_date` where n3 listed branches and no step has a `next_due_date`: a call of a tool whose
output has it (`check_availability`) is added, its inputs filled from the workflow and the task. Paths
inside the right step are `references`'; which tool gives an id is `lookup_strategies`'.
"""

from __future__ import annotations

from typing import Any

from evoflux.catalog.retrieval import produces
from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.lexicon import base_name
from evoflux.repair.context import Fix, RepairContext
from evoflux.repair.fields import node_fields, readable_nodes
from evoflux.repair.lookup_inputs import InputSources, filled_inputs
from evoflux.repair.lookup_strategies import output_path
from evoflux.repair.references import path_exists
from evoflux.workflow.edits import add_step, rewire
from evoflux.workflow.glue import is_pseudo
from evoflux.workflow.graph import AnswerNode, PathStep, Ref, ToolNode, Workflow
from evoflux.workflow.paths import get_arg
from evoflux.workflow.schema_check import value_fits
from evoflux.workflow.schema_read import schema_fields

Path = tuple[PathStep, ...]


def read_missing_field(
    workflow: Workflow, node_id: str, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """A reference whose step lacks the field it names (executed output, else output schema), when no
    field of that step is near enough for `references.fix_reference_paths`: see `_from_new_step`."""
    node = workflow.node(node_id)
    if node is None or workflow.ids.count(node_id) > 1:
        return None
    for where, ref in workflow.refs_of(node):
        keys = [step for step in ref.path if isinstance(step, str)]
        if not keys or ref.node == node_id or not isinstance(workflow.node(ref.node), ToolNode):
            continue
        if path_exists(workflow, ref, catalog, context) is not False:
            continue
        at = where if isinstance(node, ToolNode) else None
        if at is not None and get_arg(node.args, at, None) != ref:
            continue  # a reference inside a text: nothing to bind a new step to
        fix = _from_new_step(workflow, node, at, ref, keys[-1], catalog, context)
        if fix is not None:
            return fix
    return None


def _from_new_step(
    workflow: Workflow,
    node: ToolNode | AnswerNode,
    where: Path | None,
    ref: Ref,
    field: str,
    catalog: ToolCatalog,
    context: RepairContext,
) -> Fix | None:
    """Add the call of a tool whose output has `field` and read it from there: first a tool whose inputs
    the referenced step alone fills (`list_author_papers(author_id=$n2.author_id)` for `$n2.papers`, see
    `_fed_by`), then, when no step `node` may read has such a field (which one was meant would be a guess),
    one whose inputs the workflow and the task fill; same server as the step first, fewest required inputs. Not when the
    step's own tool declares the field: the run just returned no item to read it from."""
    wanted = base_name(field)
    target = workflow.node(ref.node)
    assert isinstance(target, ToolNode)
    spec = catalog.get(target.server, target.tool)
    declared = schema_fields(spec.result_schema) if spec is not None and spec.result_schema else []
    if any(path and base_name(str(path[-1])) == wanted for path, _ in declared):
        return None
    producers = sorted(
        (t for t in catalog if not is_pseudo(t) and t.key != target.tool_key and produces(t, wanted)),
        key=lambda t: (t.server != target.server, len(t.required), t.key),
    )
    consumer = catalog.get(node.server, node.tool) if isinstance(node, ToolNode) else None
    paths = {t.key: output_path(t, wanted, None, consumer) for t in producers}
    for producer in producers:  # a tool the referenced step feeds says what the reference meant
        path, args = paths[producer.key], _fed_by(target, ref, producer, workflow, catalog, context)
        if path is not None and args is not None:
            return _added(workflow, node, where, ref, field, producer, args, path)
    if any(
        base_name(f.name) == wanted
        for other in readable_nodes(workflow, node.id)
        for f in node_fields(workflow, other, catalog, context)
    ):
        return None
    sources = InputSources(workflow=workflow, node=node, catalog=catalog, context=context)
    for producer in producers:
        path = paths[producer.key]
        args = filled_inputs(producer, sources) if path else None
        if path is not None and args is not None:
            return _added(workflow, node, where, ref, field, producer, args, path)
    return None


def _fed_by(
    target: ToolNode,
    ref: Ref,
    producer: ToolSpec,
    workflow: Workflow,
    catalog: ToolCatalog,
    context: RepairContext,
) -> dict[str, Ref] | None:
    """References into the `target` step for every required input of `producer`, each the field of the
    input's name that shares most of the reference's path, then the shallowest (`$n3.citing_papers[0].paper_id`
    for `$n3.citing_papers[0].authors[0].author_id`); None when one has no such field."""
    if not producer.required:
        return None
    fields = node_fields(workflow, target.id, catalog, context)
    args = {}
    for name in producer.required:
        fitting = [
            f
            for f in fields
            if base_name(f.name) == base_name(name)
            and (not f.executed or value_fits(producer, name, f.value))
        ]
        if not fitting:
            return None
        best = min(fitting, key=lambda f: (-_shared(f.path, ref.path), len(f.path)))
        args[name] = Ref(target.id, best.path)
    return args


def _shared(path: Path, other: Path) -> int:
    """How many leading steps two paths share."""
    count = 0
    for mine, theirs in zip(path, other, strict=False):
        if mine != theirs:
            break
        count += 1
    return count


def _added(
    workflow: Workflow,
    node: ToolNode | AnswerNode,
    where: Path | None,
    ref: Ref,
    field: str,
    producer: ToolSpec,
    args: dict[str, Any],
    path: Path,
) -> Fix:
    shown = ", ".join(f"{k}={v!r}" for k, v in args.items())
    why = f"{ref.node} gives no {field}; {producer.key}({shown}) does"
    if where is not None:  # a tool step's argument is bound as the step is added
        return add_step(workflow, producer, args, bind={(node.id, where): path}, reason=why)
    workflow, added = add_step(workflow, producer, args, reason=why)
    new = Ref(added.node, path)
    workflow, moved = rewire(
        workflow, node.id, None, new, old=ref, reason=f"the answer reads {field} from {new}"
    )
    return workflow, (added, moved)
