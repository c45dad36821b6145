"""The count rule on a catalog this project did not write: MCP-Bench's National Parks server declares no output
schema, so the rule reads the executed list; asked how many, the answer gets a counting `transform`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.execute.outcome import NodeStatus
from evoflux.workflow.edits import EditOp
from evoflux.workflow.graph import STAR, Ref
from tests.repair.repair_helpers import executed, flow, repaired

SNAPSHOT = Path(__file__).parents[3] / "shared" / "mcpbench" / "tool_catalog.json"
PARKS = {
    "total": "3",
    "data": [
        {"parkCode": "yose", "fullName": "Yosemite National Park", "states": "CA"},
        {"parkCode": "seki", "fullName": "Sequoia & Kings Canyon National Parks", "states": "CA"},
        {"parkCode": "jotr", "fullName": "Joshua Tree National Park", "states": "CA"},
    ],
}
STEPS = (
    {"id": "n1", "tool": "National Parks:findParks", "args": {"stateCode": "CA"}},
    {"id": "answer", "answer": "California has {n1.data} national parks."},
)


@pytest.fixture(scope="module")
def parks() -> ToolCatalog:
    if not SNAPSHOT.exists():
        pytest.skip(f"the MCP-Bench snapshot is not at {SNAPSHOT}")
    servers = json.loads(SNAPSHOT.read_text())["servers"]
    return ToolCatalog(
        {
            "National Parks": [
                ToolSpec("National Parks", t["name"], t.get("description", ""), t["inputSchema"])
                for t in servers["National Parks"]
            ]
        }
    )


def test_asked_how_many_the_answer_reads_a_count_step_over_the_listed_parks(parks):
    task = "How many national parks are there in California?"
    workflow = flow(parks, *STEPS, task=task)
    result = repaired(parks, *STEPS, task=task, execution=executed(workflow, n1=(NodeStatus.OK, PARKS)))
    assert [e.op for e in result.edits] == [EditOp.ADD_STEP, EditOp.REWIRE]
    added = result.workflow.node(result.edits[0].node)
    assert added.tool_key == "evoflux:transform"
    assert added.args == {"input": Ref("n1", ("data",)), "expression": "length(@)"}
    assert result.workflow.answer.text.refs == (Ref(added.id, ()),)
    assert result.remaining == []


def test_no_count_step_when_the_request_does_not_ask_how_many_or_nothing_was_listed(parks):
    listing = "Which national parks are there in California?"
    workflow = flow(parks, *STEPS, task=listing)
    run = executed(workflow, n1=(NodeStatus.OK, PARKS))
    listed = repaired(parks, *STEPS, task=listing, execution=run)
    assert not [n for n in listed.workflow.tool_nodes if n.tool == "transform"]  # which parks: no count
    counting = "How many national parks are there in California?"
    one = {**PARKS, "data": "3 parks"}  # not a list: nothing to count
    assert not repaired(
        parks, *STEPS, task=counting, execution=executed(workflow, n1=(NodeStatus.OK, one))
    ).edits
    assert not repaired(parks, *STEPS, task=counting).edits  # not run, no output schema: unknown, left alone


def test_asked_which_parks_an_answer_that_reads_the_first_park_reads_every_park(parks):
    steps = (STEPS[0], {"id": "answer", "answer": "California has {n1.data[0].fullName}."})
    task = "Which national parks are there in California?"
    run = executed(flow(parks, *steps, task=task), n1=(NodeStatus.OK, PARKS))
    result = repaired(parks, *steps, task=task, execution=run)
    assert [e.op for e in result.edits] == [EditOp.REWIRE]
    assert result.workflow.answer.text.refs == (Ref("n1", ("data", STAR, "fullName")),)
    one = {**PARKS, "data": PARKS["data"][:1]}  # a list of one: its first item is the list
    alone = executed(flow(parks, *steps, task=task), n1=(NodeStatus.OK, one))
    assert not repaired(parks, *steps, task=task, execution=alone).edits
    asked_one = "What is the name of the first park listed for California?"
    assert not repaired(parks, *steps, task=asked_one, execution=run).edits
