"""Edit and redesign prompts show what the servers returned: each failed step's real error text and a short
sample of each successful step's output."""

from __future__ import annotations

import pytest

from evoflux.catalog.pool import CallStatus, ToolCallResult
from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.execute.executor import Executor
from evoflux.plan.edits import edit_messages
from evoflux.plan.planner import output_samples
from evoflux.scoring.candidate import assessed
from evoflux.workflow.parse import parse_workflow

pytestmark = pytest.mark.anyio

TABLES = "[('customers',), ('orders',)]"
FAILURE = "Database error: no such column: total_amount"


class Replies:
    async def call_tool(self, server, tool, args, *, timeout=None):
        text = TABLES if tool == "list_tables" else FAILURE
        return ToolCallResult(CallStatus.OK, None, text, None, 0.0)


async def test_the_edit_prompt_shows_the_real_error_text_and_a_sample_of_each_success():
    tools = [ToolSpec("db", "list_tables"), ToolSpec("db", "read_query")]
    workflow = parse_workflow(
        {
            "nodes": [
                {"id": "n1", "tool": "db:list_tables", "args": {}},
                {"id": "n2", "tool": "db:read_query", "args": {"query": "SELECT total_amount FROM orders"}},
                {"id": "answer", "answer": "{n2}"},
            ]
        }
    )
    execution = await Executor(Replies(), ToolCatalog({"db": tools})).run(workflow)
    task = "What is the total of all orders?"
    candidate = assessed("c1", workflow, [], execution, task, tools, origin="plan", iteration=0)
    prompt = edit_messages(
        task, tools, workflow, candidate.problems(), max_steps=4, max_edits=2, execution=execution
    )[-1]["content"]
    assert f"n2 failed (tool_error): {FAILURE}" in prompt
    assert 'n1 returned: [["customers"], ["orders"]]' in prompt


async def test_samples_are_short_and_say_when_a_step_returned_nothing():
    class Big:
        async def call_tool(self, server, tool, args, *, timeout=None):
            text = "x" * 1000 if tool == "read" else "[]"
            return ToolCallResult(CallStatus.OK, None, text, None, 0.0)

    workflow = parse_workflow(
        {"nodes": [{"id": "n1", "tool": "s:read", "args": {}}, {"id": "n2", "tool": "s:search", "args": {}}]}
    )
    lines = output_samples(await Executor(Big()).run(workflow))
    assert lines[0].startswith('n1 returned: "xxx') and len(lines[0]) < 180 and lines[0].endswith("…")
    assert lines[1] == "n2 returned nothing"


async def test_a_listing_of_records_shows_every_name_it_holds_even_past_the_sample_length():
    columns = [
        {"cid": i, "name": name, "type": "TEXT", "notnull": 0, "dflt_value": None, "pk": 0}
        for i, name in enumerate(["book_id", "title", "author", "genre", "copies", "year_published"])
    ]

    class Schema:
        async def call_tool(self, server, tool, args, *, timeout=None):
            return ToolCallResult(CallStatus.OK, None, repr(columns), None, 0.0)

    workflow = parse_workflow({"nodes": [{"id": "n1", "tool": "db:get_table_schema", "args": {}}]})
    [line] = output_samples(await Executor(Schema()).run(workflow))
    assert line.startswith("n1 returned: 6 rows of cid, name, type, notnull, dflt_value, pk")
    assert "(names: book_id, title, author, genre, copies, year_published)" in line
