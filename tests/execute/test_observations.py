"""What the executor makes of a reply: failure text as a failed step, empty results marked, text results read
as structure, and the output shape of a tool without a declared schema recorded on its first success."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evoflux.catalog.pool import CallStatus, ToolCallResult
from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.execute.executor import Executor
from evoflux.execute.outcome import NodeStatus
from evoflux.repair.context import RepairContext
from evoflux.repair.references import fix_reference_paths
from evoflux.scoring.fitness import looks_failed
from evoflux.workflow.graph import Ref
from evoflux.workflow.parse import parse_workflow

pytestmark = pytest.mark.anyio

MCPBENCH = Path(__file__).parents[3] / "shared" / "mcpbench" / "tool_catalog.json"


class Replies:
    """A ToolInvoker that answers every call of a tool with the next of its text replies (`isError` false)."""

    def __init__(self, **replies: list[str]):
        self.replies = replies

    async def call_tool(self, server: str, tool: str, args: dict[str, Any], *, timeout: float | None = None):
        return ToolCallResult(CallStatus.OK, None, self.replies[tool].pop(0), None, 0.0)


def one_step(tool: str = "query"):
    return parse_workflow({"nodes": [{"id": "n1", "tool": f"db:{tool}", "args": {}}]})


def db_catalog(output_schema: dict[str, Any] | None = None) -> ToolCatalog:
    return ToolCatalog({"db": [ToolSpec("db", "query", output_schema=output_schema)]})


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("Database error: no such column: nmae", "Database error: no such column: nmae"),
        ("Error: table 'orders' does not exist", "Error: table 'orders' does not exist"),
        (
            "ENOTDIR: not a directory, scandir '/data/a.txt'",
            "ENOTDIR: not a directory, scandir '/data/a.txt'",
        ),
        ("Invalid timezone: Mars/Olympus", "Invalid timezone: Mars/Olympus"),
        (
            "[Errno 2] No such file or directory: 'report.xlsx'",
            "[Errno 2] No such file or directory: 'report.xlsx'",
        ),
        (
            'Traceback (most recent call last):\n  File "server.py", line 40, in query\n'
            "sqlite3.OperationalError: no such table: sales",
            "sqlite3.OperationalError: no such table: sales (a Python traceback)",
        ),
    ],
)
async def test_failure_text_is_a_failed_step_with_that_text_whatever_is_error_says(text, error):
    execution = await Executor(Replies(query=[text])).run(one_step())
    outcome = execution.outcomes["n1"]
    assert outcome.status is NodeStatus.TOOL_ERROR
    assert outcome.error == error and outcome.output is None


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (
            '{"success": false, "database": "shop", "error": "Catalog Error: Table with name orders does not exist!"}',
            "Catalog Error: Table with name orders does not exist!",
        ),
        ('{"status": "error", "message": "sheet Q5 not found"}', "sheet Q5 not found"),
        ('{"error": "path outside allowed directories", "code": 403}', "path outside allowed directories"),
    ],
)
async def test_an_object_that_reports_its_own_failure_is_a_failed_step(reply, error):
    execution = await Executor(Replies(query=[reply])).run(one_step())
    outcome = execution.outcomes["n1"]
    assert outcome.status is NodeStatus.TOOL_ERROR
    assert outcome.error == error


async def test_an_object_with_an_error_field_among_much_data_is_a_result():
    reply = '{"id": 7, "name": "job", "state": "done", "rows": 12, "owner": "ana", "error": "retry 1 of 3 failed"}'
    execution = await Executor(Replies(query=[reply])).run(one_step())
    assert execution.outcomes["n1"].ok


async def test_a_long_document_that_opens_with_an_error_word_is_a_result():
    text = "Error handling in Python uses try and except blocks. " * 20
    execution = await Executor(Replies(query=[text])).run(one_step())
    assert execution.outcomes["n1"].ok


async def test_an_empty_result_stays_ok_but_is_marked_empty_and_counts_as_failed():
    execution = await Executor(Replies(query=["[]"])).run(one_step())
    outcome = execution.outcomes["n1"]
    assert outcome.ok and outcome.empty and outcome.to_json()["empty"] is True
    assert looks_failed(outcome)
    found_nothing = (await Executor(Replies(query=["No results found."])).run(one_step())).outcomes["n1"]
    assert found_nothing.ok and found_nothing.empty


async def test_a_huge_truncated_json_result_is_read_best_effort_and_capped():
    rows = [{"id": i, "text": "y" * 300} for i in range(3000)]
    execution = await Executor(Replies(query=[json.dumps(rows)[:500_000]]), max_result_chars=5_000).run(
        one_step()
    )
    outcome = execution.outcomes["n1"]
    assert outcome.ok and outcome.output[0] == rows[0] and "cut from" in (outcome.note or "")


async def test_the_first_success_records_the_observed_shape_without_changing_the_version():
    catalog = db_catalog()
    version = catalog.version
    rows = "| name | stock |\n|---|---|\n| Bolt | 3 |"
    await Executor(Replies(query=[rows, '{"other": 1}']), catalog).run(one_step())
    shape = {
        "type": "array",
        "items": {"type": "object", "properties": {"name": {"type": "string"}, "stock": {"type": "integer"}}},
    }
    spec = catalog.get("db", "query")
    assert spec.result_schema == shape and spec.output_schema is None
    assert catalog.version == version and "observed" not in json.dumps(catalog.to_snapshot())
    await Executor(Replies(query=['{"other": 1}']), catalog).run(one_step())
    assert spec.result_schema == shape  # the first one stays
    assert (
        catalog.with_server("x", []).get("db", "query").result_schema == shape
    )  # shared by derived catalogs


async def test_a_declared_output_schema_is_never_replaced_by_an_observation():
    declared = {"type": "object", "properties": {"rows": {"type": "array"}}}
    catalog = db_catalog(declared)
    await Executor(Replies(query=['{"other": 1}']), catalog).run(one_step())
    assert catalog.get("db", "query").result_schema == declared


async def test_a_short_message_where_the_tool_usually_returns_rows_is_a_failure():
    catalog = db_catalog()
    replies = Replies(query=["[(1, 'Bolt')]", "no such column: nmae"])
    executor = Executor(replies, catalog)
    assert (await executor.run(one_step())).outcomes["n1"].output == [[1, "Bolt"]]
    second = parse_workflow({"nodes": [{"id": "n1", "tool": "db:query", "args": {"sql": "select nmae"}}]})
    outcome = (await executor.run(second)).outcomes["n1"]
    assert outcome.status is NodeStatus.TOOL_ERROR and outcome.error == "no such column: nmae"


@pytest.mark.skipif(not MCPBENCH.exists(), reason=f"MCP-Bench tool catalog not found at {MCPBENCH}")
async def test_an_observed_shape_lets_a_reference_repair_act_on_a_foreign_catalog():
    """MCP-Bench's time server declares no output schema; after one call its shape moves a misspelt path."""
    catalog = ToolCatalog.load(MCPBENCH)
    server = "Time MCP"
    spec = catalog.get(server, "get_current_time")
    assert spec is not None and spec.output_schema is None
    workflow = parse_workflow(
        {
            "nodes": [
                {"id": "n1", "tool": f"{server}:get_current_time", "args": {"timezone": "Europe/Paris"}},
                {"id": "answer", "answer": "In Paris it is {n1.date_time}."},
            ]
        }
    )
    context = RepairContext(task="What time is it in Paris?")  # no run: the schema is all there is
    assert fix_reference_paths(workflow, "answer", catalog, context) is None
    reply = json.dumps({"timezone": "Europe/Paris", "datetime": "2025-05-01T10:00:00+02:00", "is_dst": True})
    await Executor(Replies(get_current_time=[reply]), catalog).run(workflow)
    fixed = fix_reference_paths(workflow, "answer", catalog, context)
    assert fixed is not None
    assert next(iter(fixed[0].refs_of(fixed[0].node("answer"))))[1] == Ref("n1", ("datetime",))


class Echo:
    """A ToolInvoker whose `list_files` returns JSON text and whose `count_words` echoes the text it was given."""

    async def call_tool(self, server: str, tool: str, args: dict[str, Any], *, timeout: float | None = None):
        if tool == "list_files":
            return ToolCallResult(CallStatus.OK, None, '{"files": ["a.txt", "b.txt"]}', None, 0.0)
        return ToolCallResult(CallStatus.OK, None, f"got: {args['text']}", None, 0.0)


async def test_structure_read_from_text_is_passed_as_text_to_a_tool_that_takes_only_text():
    catalog = ToolCatalog(
        {
            "fs": [
                ToolSpec("fs", "list_files"),
                ToolSpec(
                    "fs",
                    "count_words",
                    input_schema={
                        "type": "object",
                        "properties": {"text": {"type": "string"}},
                        "required": ["text"],
                    },
                ),
            ]
        }
    )
    workflow = parse_workflow(
        {
            "nodes": [
                {"id": "n1", "tool": "fs:list_files", "args": {}},
                {"id": "n2", "tool": "fs:count_words", "args": {"text": "$n1"}},
            ]
        }
    )
    execution = await Executor(Echo(), catalog).run(workflow)
    assert execution.outcomes["n1"].output == {"files": ["a.txt", "b.txt"]}
    assert execution.outcomes["n2"].ok, execution.outcomes["n2"].error
    assert execution.outcomes["n2"].args == {"text": '{"files": ["a.txt", "b.txt"]}'}
