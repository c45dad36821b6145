"""The graph-soundness check every edit and repair must pass: no broken, self, downstream or cyclic reference."""

from __future__ import annotations

from evoflux.catalog.tools import ToolCatalog
from evoflux.workflow import IssueCode, check_workflow
from evoflux.workflow.glue import with_pseudo_tools
from evoflux.workflow.graph import Workflow
from evoflux.workflow.paths import graph_problems

GRAPH_CODES = {
    IssueCode.REF_MISSING_NODE,
    IssueCode.REF_TO_ANSWER,
    IssueCode.REF_SELF,
    IssueCode.REF_DOWNSTREAM,
    IssueCode.CYCLE,
    IssueCode.DUPLICATE_ID,
}


def assert_sound(workflow: Workflow, catalog: ToolCatalog) -> None:
    issues = [i for i in check_workflow(workflow, with_pseudo_tools(catalog)) if i.code in GRAPH_CODES]
    assert issues == [], issues
    assert graph_problems(workflow) == {}
