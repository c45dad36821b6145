"""Repair of a made-up quantity (`request.checks.made_up_quantities`): bound to an upstream field of its name,
else looked up through a new step (`weight_kg=2` for "ship the Barista Pro 2" -> `get_product`'s weight).

Owns choosing which made-up quantity to look up; adding the lookup is `lookup_strategies.look_up`'s.
"""

from __future__ import annotations

from evoflux.catalog.tools import ToolCatalog
from evoflux.repair.arguments import node_and_spec
from evoflux.repair.context import Fix, RepairContext
from evoflux.repair.lookup_strategies import LookupState, look_up
from evoflux.request.checks import made_up_quantities
from evoflux.workflow.graph import Workflow


def look_up_made_up_quantity(
    workflow: Workflow, node_id: str, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """A `made_up_quantities` argument is bound to an upstream field of its name, else to a step added to
    look it up (`lookup_strategies.look_up`)."""
    found = node_and_spec(workflow, node_id, catalog)
    if found is None:
        return None
    node, spec = found
    others = [output for other, output in context.outputs(workflow).items() if other != node_id]
    for name in made_up_quantities(node, spec, context.task, others, catalog):
        state = LookupState(
            workflow=workflow,
            node=node,
            spec=spec,
            at=(name,),
            catalog=catalog,
            context=context,
            invented=node.args[name],
        )
        fix = look_up(state)
        if fix is not None:
            return fix
    return None
