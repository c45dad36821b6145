"""The executor runs glue steps in-process: a transform over an earlier output, a failed expression as a failed
step (never a crash), and an extract step that fails plainly when the run has no extractor."""

from __future__ import annotations

from typing import Any

import pytest

from evoflux.catalog.pool import CallStatus, ToolCallResult
from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.execute.executor import Executor
from evoflux.execute.glue_steps import NO_EXTRACTOR
from evoflux.execute.outcome import NodeStatus
from evoflux.workflow.glue import with_pseudo_tools
from evoflux.workflow.parse import parse_workflow

pytestmark = pytest.mark.anyio

# A directory listing as a file server returns it, once parsed: names with sizes.
LISTING = [
    {"name": "a.csv", "size": 120, "type": "file"},
    {"name": "docs", "size": 0, "type": "directory"},
    {"name": "b.csv", "size": 300, "type": "file"},
]
LIST_DIR = ToolSpec(
    "files", "list_directory", "", {"type": "object", "properties": {"path": {"type": "string"}}}
)
CATALOG = with_pseudo_tools(ToolCatalog({"files": [LIST_DIR]}))


class Files:
    """A ToolInvoker whose one tool lists a directory; counts its calls."""

    calls = 0

    async def call_tool(self, server: str, tool: str, args: dict[str, Any], *, timeout: float | None = None):
        self.calls += 1
        return ToolCallResult(CallStatus.OK, {"result": LISTING}, "", None, 0.0)


def over_listing(glue: dict[str, Any], answer: str) -> Any:
    return parse_workflow(
        {
            "nodes": [
                {"id": "n1", "tool": "files:list_directory", "args": {"path": "/data"}},
                {"id": "n2", "tool": glue["tool"], "args": glue["args"]},
                {"id": "answer", "answer": answer},
            ]
        }
    )


async def test_a_transform_step_reads_an_earlier_output_and_feeds_the_answer():
    files = Files()
    workflow = over_listing(
        {"tool": "evoflux:transform", "args": {"input": "$n1", "expression": "sum([?type == 'file'].size)"}},
        "The files take {n2} bytes.",
    )
    execution = await Executor(files, CATALOG).run(workflow)
    assert execution.ok and execution.answer == "The files take 420 bytes."
    assert execution.tool_calls == 1 and files.calls == 1  # the transform called no server
    assert execution.outcomes["n2"].args == {"input": LISTING, "expression": "sum([?type == 'file'].size)"}


async def test_a_failing_expression_is_a_failed_step_and_its_readers_are_skipped():
    workflow = over_listing(
        {"tool": "evoflux:transform", "args": {"input": "$n1", "expression": "length([?size >"}},
        "{n2} files",
    )
    execution = await Executor(Files(), CATALOG).run(workflow)
    outcome = execution.outcomes["n2"]
    assert outcome.status is NodeStatus.TOOL_ERROR and "'length([?size >'" in outcome.error
    assert execution.outcomes["answer"].status is NodeStatus.SKIPPED


async def test_an_extract_step_without_an_extractor_fails_saying_so():
    workflow = over_listing(
        {"tool": "evoflux:extract", "args": {"extract": "the largest file's name", "from": "$n1"}},
        "{n2}",
    )
    execution = await Executor(Files(), CATALOG).run(workflow)
    assert execution.outcomes["n2"].status is NodeStatus.TOOL_ERROR
    assert execution.outcomes["n2"].error == NO_EXTRACTOR


async def test_an_extract_step_with_a_schema_that_is_no_schema_fails_before_any_model_call():
    asked: list[str] = []

    async def extractor(what, source, schema):
        asked.append(what)
        raise AssertionError("not to be called")

    workflow = over_listing(
        {
            "tool": "evoflux:extract",
            "args": {"extract": "the largest file", "from": "$n1", "schema": {"type": "file"}},
        },
        "{n2}",
    )
    execution = await Executor(Files(), CATALOG).run(workflow, extractor=extractor)
    assert "not a JSON Schema" in execution.outcomes["n2"].error and asked == []
