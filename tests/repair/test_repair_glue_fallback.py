"""A glue step that failed on a real output gives way to that output: on catalogs shaped like third-party
servers (a document server whose search returns an object, a log read as text)."""

from __future__ import annotations

from repair_helpers import executed, flow

from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.execute.outcome import NodeStatus
from evoflux.repair import repair_workflow
from evoflux.workflow.edits import EditOp
from evoflux.workflow.graph import Ref

TEXT = {"type": "string"}
# In the shape of office-word-mcp-server's text search.
FIND = ToolSpec(
    "doc",
    "find_text_in_document",
    "Find occurrences of specific text in a Word document.",
    {"type": "object", "properties": {"filename": TEXT, "text_to_find": TEXT}, "required": ["filename"]},
    annotations={"readOnlyHint": True},
)
CATALOG = ToolCatalog({"doc": [FIND]})
FOUND = {"query": "Oslo", "occurrences": [{"paragraph_index": 5, "text": "Oslo: 65 EUR"}], "total_count": 1}
STEPS = (
    {
        "id": "n1",
        "tool": "doc:find_text_in_document",
        "args": {"filename": "/d/p.docx", "text_to_find": "Oslo"},
    },
    {
        "id": "n2",
        "tool": "evoflux:transform",
        "args": {"input": "$n1", "expression": "length([?status == 'open'])"},
    },
    {"id": "answer", "answer": "The allowance is {n2.result}."},
)
FAILED = "the JMESPath expression 'length([?status == 'open'])' failed on the input: In function length()"


def test_a_failed_transform_is_removed_and_the_answer_reads_its_input():
    wf = flow(CATALOG, *STEPS)
    run = executed(wf, n1=(NodeStatus.OK, FOUND), n2=(NodeStatus.TOOL_ERROR, FAILED))
    result = repair_workflow(wf, CATALOG, execution=run)
    assert [e.op for e in result.edits][:2] == [EditOp.REWIRE, EditOp.REMOVE_STEP]
    assert result.workflow.node("n2") is None
    assert result.workflow.answer.text.refs == (Ref("n1", ()),)


def test_a_glue_step_whose_input_never_ran_is_left_to_other_rules():
    wf = flow(CATALOG, *STEPS)
    run = executed(
        wf,
        n1=(NodeStatus.TOOL_ERROR, "Document /d/p.docx does not exist"),
        n2=(NodeStatus.SKIPPED, "skipped"),
    )
    result = repair_workflow(wf, CATALOG, execution=run)
    assert result.workflow.node("n2") is not None
