"""Repair of a made-up quantity (`request.checks.made_up_quantities`): bound to an upstream field of its name,
else looked up through a new step (`weight_kg=2` for "ship the Barista Pro 2" -> `get_product`'s weight).

Owns choosing which made-up quantity to look up; looking it up is `lookups.look_up_made_up`'s.
"""

from __future__ import annotations

from evoflux.catalog.tools import ToolCatalog
from evoflux.repair.context import Fix, RepairContext
from evoflux.repair.lookups import look_up_made_up
from evoflux.request.checks import made_up_quantities
from evoflux.workflow.graph import Workflow


def look_up_made_up_quantity(
    workflow: Workflow, node_id: str, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """A `made_up_quantities` argument is bound to an upstream field of its name, else to a step added to
    look it up (`lookup_strategies.look_up`)."""
    return look_up_made_up(
        workflow,
        node_id,
        catalog,
        context,
        lambda node, spec, others: made_up_quantities(node, spec, context.task, others, catalog),
        spelled=False,
    )
