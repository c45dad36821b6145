"""Workflows that must not run or check as if they were fine: ids several nodes share, more nodes than
allowed, big graphs checked in one pass, and suggestions that never name evoflux's validator pseudo-server."""

from __future__ import annotations

from typing import Any

import pytest

from evoflux.catalog.pool import CallStatus, ToolCallResult
from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.execute.executor import Executor
from evoflux.execute.outcome import NodeStatus
from evoflux.workflow.check import IssueCode, check_workflow
from evoflux.workflow.glue import with_pseudo_tools
from evoflux.workflow.parse import MAX_NODES, WorkflowParseError, parse_workflow
from evoflux.workflow.validators import VALIDATOR_SERVER

SPEC = ToolSpec("s", "t", "echo", {"type": "object", "properties": {"x": {}}})
CATALOG = ToolCatalog({"s": [SPEC]})
SHARED = {
    "nodes": [
        {"id": "n1", "tool": "s:t", "args": {"x": 1}},
        {"id": "n1", "tool": "s:t", "args": {"x": 2}},
        {"id": "answer", "answer": "{n1.x}"},
    ]
}


def chain(length: int) -> dict[str, Any]:
    nodes = [{"id": "n1", "tool": "s:t", "args": {"x": 1}}]
    nodes += [
        {"id": f"n{i}", "tool": "s:t", "args": {"x": {"$ref": f"n{i - 1}"}}} for i in range(2, length + 1)
    ]
    return {"nodes": [*nodes, {"id": "answer", "answer": f"{{n{length}.x}}"}]}


class Echo:
    def __init__(self) -> None:
        self.calls = 0

    async def call_tool(self, server: str, tool: str, args: dict[str, Any], *, timeout: float | None = None):
        self.calls += 1
        return ToolCallResult(status=CallStatus.OK, structured=args, text="", error=None, seconds=0.0)


def test_ids_several_nodes_share_are_kept_for_check_but_refused_for_a_run() -> None:
    workflow = parse_workflow(SHARED)
    assert workflow.duplicate_ids == {"n1": 2}
    assert [i.code for i in check_workflow(workflow, CATALOG)] == [IssueCode.DUPLICATE_ID]
    with pytest.raises(WorkflowParseError, match=r"several nodes share an id: 'n1' \(2 nodes\)"):
        parse_workflow(SHARED, unique_ids=True)


@pytest.mark.anyio
async def test_the_executor_runs_no_node_of_a_workflow_whose_ids_repeat() -> None:
    tools = Echo()
    execution = await Executor(tools, CATALOG).run(parse_workflow(SHARED))
    assert not execution.ok and tools.calls == 0
    assert {o.status for o in execution.outcomes.values()} == {NodeStatus.SKIPPED}
    assert execution.outcomes["n1"].error == "not run: several nodes share an id: 'n1' (2 nodes)"


def test_a_workflow_over_the_node_limit_is_refused_before_any_node_is_read() -> None:
    nodes = [{"id": "n1", "tool": 12345}] * (MAX_NODES + 1)  # every node is malformed: none is looked at
    with pytest.raises(WorkflowParseError) as caught:
        parse_workflow({"nodes": nodes})
    assert str(caught.value) == (
        f"the workflow has {MAX_NODES + 1:,} nodes; at most {MAX_NODES:,} are allowed: split it into smaller workflows"
    )
    assert len(parse_workflow(chain(MAX_NODES - 1)).nodes) == MAX_NODES


def test_a_long_chain_and_a_long_cycle_are_checked_with_the_same_issues_as_a_short_one() -> None:
    long = parse_workflow(chain(MAX_NODES - 1))
    codes = [i.code for i in check_workflow(long, CATALOG)]
    assert codes == [IssueCode.TOO_MANY_STEPS]
    waits = [{"id": f"n{i}", "tool": "s:t", "after": [f"n{i - 1 or 600}"]} for i in range(1, 601)]
    issues = check_workflow(parse_workflow({"nodes": waits}), CATALOG, max_steps=1_000)
    assert [(i.code, i.node) for i in issues if i.severity == "error"] == [(IssueCode.CYCLE, "n1")]
    cycle = issues[-1].message.removeprefix("steps wait for each other in a cycle: ").split(" -> ")
    assert cycle == ["n1", "n600", *(f"n{i}" for i in range(599, 0, -1))]
    backwards = chain(600)
    backwards["nodes"][0]["args"] = {"x": {"$ref": "n300"}}
    issues = check_workflow(parse_workflow(backwards), CATALOG, max_steps=1_000)
    assert {i.code for i in issues} == {IssueCode.REF_DOWNSTREAM}  # every read on the cycle n1 .. n300
    assert [i.node for i in issues] == [f"n{i}" for i in range(1, 301)]
    assert issues[0].message.startswith("n1 reads n300, but n300 runs after n1 (n300 -> n299 -> n298")


@pytest.mark.parametrize(
    ("tool", "unwanted"),
    [
        ("evoflx:get_forecast", "evoflux"),  # an unknown server close to the pseudo-server's name
        ("nowhere:get_forecast", "evoflux"),  # the list of servers to choose from
        ("weather:assert_presnt", "assert_present"),  # a tool close to a validator's name
        ("assertt_present", "assert_present"),
    ],
)
def test_suggestions_never_offer_the_validator_pseudo_server(tool: str, unwanted: str) -> None:
    catalog = with_pseudo_tools(
        ToolCatalog({"weather": [ToolSpec("weather", "get_forecast", "f", {"type": "object"})]})
    )
    workflow = parse_workflow({"nodes": [{"id": "n1", "tool": tool}, {"id": "answer", "answer": "{n1}"}]})
    issues = [i for i in check_workflow(workflow, catalog) if i.node == "n1"]
    assert issues
    for issue in issues:
        offered = f"{issue.hint} {' '.join(issue.suggestions)}"
        assert unwanted not in offered and VALIDATOR_SERVER not in offered


def test_a_step_that_names_the_validator_server_is_still_offered_its_tools() -> None:
    catalog = with_pseudo_tools(ToolCatalog({}))
    workflow = parse_workflow({"nodes": [{"id": "n1", "tool": f"{VALIDATOR_SERVER}:assert_presnt"}]})
    unknown = next(i for i in check_workflow(workflow, catalog) if i.code is IssueCode.UNKNOWN_TOOL)
    assert unknown.suggestions[0] == f"{VALIDATOR_SERVER}:assert_present"
