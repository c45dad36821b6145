"""What every repair rule sees besides the workflow: the task text and the last execution, and the rule type.

Owns reading executed outputs and errors that still apply (the node is unchanged since it ran); not any rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from evoflux.catalog.tools import ToolCatalog
from evoflux.execute.outcome import Execution
from evoflux.lexicon.wording import NOT_FOUND_WORDING, alternatives
from evoflux.workflow.edits import Edit
from evoflux.workflow.graph import ToolNode, Workflow

Fix = tuple[Workflow, Edit | tuple[Edit, ...]]  # the repaired workflow and the edit(s) that made it
_NOT_FOUND = re.compile(rf"\b{alternatives(NOT_FOUND_WORDING)}", re.IGNORECASE)
Trigger = TypeVar("Trigger", contravariant=True)


@dataclass(frozen=True)
class RepairContext:
    """The task text literals may come from, and the execution whose outcomes may drive repairs."""

    task: str = ""
    execution: Execution | None = None

    def unchanged(self, workflow: Workflow, node_id: str) -> bool:
        """Whether `node_id` is the same node (tool, arguments, waits) as in the executed workflow."""
        if self.execution is None:
            return False
        before = self.execution.workflow.node(node_id)
        return before is not None and before == workflow.node(node_id)

    def outputs(self, workflow: Workflow) -> dict[str, Any]:
        """Executed outputs of the tool steps that succeeded and are unchanged since."""
        if self.execution is None:
            return {}
        return {
            node_id: outcome.output
            for node_id, outcome in self.execution.outcomes.items()
            if outcome.ok
            and isinstance(workflow.node(node_id), ToolNode)
            and self.unchanged(workflow, node_id)
        }


def names_unknown_value(error: str | None, value: object) -> bool:
    """Whether a tool error says that `value` (a string the call passed) names nothing the server knows."""
    if not error or not isinstance(value, str) or not value.strip():
        return False
    return _NOT_FOUND.search(error) is not None and value.strip().casefold() in error.casefold()


Rule = Callable[[Workflow, Trigger, ToolCatalog, RepairContext], Fix | None]
"""A repair rule: the workflow, what triggered it (an `Issue`, a `NodeOutcome` or a node id), the catalog
and the context; it returns the repaired workflow and its `Edit`, or None when it has nothing safe to do."""
