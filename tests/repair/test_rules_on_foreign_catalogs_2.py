"""The lookup, reference, producer, wait and search rules on a catalog this project did not write: MCP-Bench's
servers (its `tool_catalog.json` snapshot). They declare no output schemas, so each test either runs on an
executed output or records the shape a real call returned (`ToolCatalog.observe`, as the executor does after a
tool's first successful call); the outputs are written in the shape those servers return.

Skipped when the snapshot is absent (CI links /work/shared next to the clone as ../shared).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from repair_helpers import executed, flow, rejected, repaired

from evoflux.catalog.tools import ToolCatalog
from evoflux.execute.outcome import NodeStatus
from evoflux.workflow import Ref
from evoflux.workflow.edits import EditOp
from evoflux.workflow.schema_read import value_schema

SNAPSHOT = Path(__file__).parents[3] / "shared" / "mcpbench" / "tool_catalog.json"
pytestmark = pytest.mark.skipif(
    not SNAPSHOT.exists(), reason=f"MCP-Bench tool snapshot not found: {SNAPSHOT}"
)

SEARCH_ARXIV = "Paper Search:search_arxiv"
READ_ARXIV = "Paper Search:read_arxiv_paper"
LIVE_TEMP = "Weather Data:get_live_temp"
TEMPERATURE = "Unit Converter:convert_temperature"
SEARCH_WIKI = "Wikipedia:search_wikipedia"
SUMMARY = "Wikipedia:get_summary"

# What paper-search-mcp's `search_arxiv` returns (a list of its `Paper.to_dict()` records), cut to one paper.
PAPERS = [
    {
        "paper_id": "1706.03762v7",
        "title": "Attention Is All You Need",
        "authors": "Ashish Vaswani; Noam Shazeer; Niki Parmar",
        "abstract": "The dominant sequence transduction models are based on complex recurrent networks...",
        "doi": "",
        "published_date": "2017-06-12T17:57:34+00:00",
        "pdf_url": "https://arxiv.org/pdf/1706.03762v7",
        "url": "http://arxiv.org/abs/1706.03762v7",
        "source": "arxiv",
        "categories": ["cs.CL", "cs.LG"],
        "keywords": [],
        "citations": 0,
    }
]
LIVE = {"city": "Oslo", "temperature": 4.2, "unit": "celsius"}
WIKI_HITS = {
    "query": "Ada Lovelace",
    "results": [
        {"title": "Ada Lovelace", "snippet": "Augusta Ada King, Countess of Lovelace", "pageid": 974}
    ],
}
PAPER_TASK = "Read the arXiv paper 'Attention Is All You Need' and tell me what its method is."
FAHRENHEIT_TASK = "What is the temperature in Oslo right now, in fahrenheit?"
LOVELACE_TASK = "Who was Ada Lovelace? Give me a short summary."


@pytest.fixture
def mcpbench() -> ToolCatalog:
    """A fresh load per test: observed shapes stay on the specs of the catalog that recorded them."""
    return ToolCatalog.load(SNAPSHOT)


def observed(catalog: ToolCatalog, tool_key: str, output: Any) -> ToolCatalog:
    server, tool = tool_key.split(":", 1)
    assert catalog.observe(server, tool, value_schema(output))
    return catalog


def added_steps(result) -> list:
    return [result.workflow.node(edit.node) for edit in result.edits if edit.op is EditOp.ADD_STEP]


def reads_the_search(result, consumer: str) -> None:
    """The one added step searches arXiv for the request's title and `consumer` reads its paper id."""
    [search] = added_steps(result)
    assert search.tool_key == SEARCH_ARXIV
    assert search.args == {"query": "Attention Is All You Need"}
    assert result.workflow.node(consumer).args["paper_id"] == Ref(search.id, (0, "paper_id"))


# ---------------------------------------------------------------- ids looked up (an observed producer)


def test_look_up_invented_id_searches_for_a_missing_paper_id(mcpbench):
    observed(mcpbench, SEARCH_ARXIV, PAPERS)
    result = repaired(
        mcpbench,
        {"id": "n1", "tool": READ_ARXIV, "args": {}},
        {"id": "answer", "answer": "{n1}"},
        task=PAPER_TASK,
    )
    reads_the_search(result, "n1")
    assert not result.remaining


def test_look_up_unknown_id_searches_for_a_paper_the_server_does_not_know(mcpbench):
    observed(mcpbench, SEARCH_ARXIV, PAPERS)
    nodes = (
        {"id": "n1", "tool": READ_ARXIV, "args": {"paper_id": "attention-is-all-you-need"}},
        {"id": "answer", "answer": "{n1}"},
    )
    workflow = flow(mcpbench, *nodes, task=PAPER_TASK)
    error = "Paper not found: attention-is-all-you-need"
    result = repaired(
        mcpbench, *nodes, task=PAPER_TASK, execution=executed(workflow, n1=(NodeStatus.TOOL_ERROR, error))
    )
    reads_the_search(result, "n1")
    assert "is not a looked-up id" in result.edits[0].reason


def test_look_up_made_up_id_replaces_a_recalled_paper_id(mcpbench):
    observed(mcpbench, SEARCH_ARXIV, PAPERS)
    result = repaired(
        mcpbench,
        {"id": "n1", "tool": READ_ARXIV, "args": {"paper_id": "1810.04805"}},
        {"id": "answer", "answer": "{n1}"},
        task=PAPER_TASK,
    )
    reads_the_search(result, "n1")


def test_look_up_misread_id_reads_the_paper_id_of_the_same_search(mcpbench):
    nodes = (
        {"id": "n1", "tool": SEARCH_ARXIV, "args": {"query": "Attention Is All You Need"}},
        {"id": "n2", "tool": READ_ARXIV, "args": {"paper_id": "$n1[0].citations"}},
        {"id": "answer", "answer": "{n2}"},
    )
    workflow = flow(mcpbench, *nodes, task=PAPER_TASK)
    run = rejected(workflow, "n2", {"paper_id": 0}, n1=(NodeStatus.OK, PAPERS))
    result = repaired(mcpbench, *nodes, task=PAPER_TASK, execution=run)
    assert result.workflow.node("n2").args["paper_id"] == Ref("n1", (0, "paper_id"))
    assert "wrong kind of id" in result.edits[0].reason


# ---------------------------------------------------------------- references


def test_retarget_reference_points_a_step_number_at_its_step(mcpbench):
    result = repaired(
        mcpbench,
        {"id": "n1", "tool": LIVE_TEMP, "args": {"city": "Oslo"}},
        {
            "id": "n2",
            "tool": TEMPERATURE,
            "args": {"value": "$step1.temperature", "from_unit": "celsius", "to_unit": "fahrenheit"},
        },
        {"id": "answer", "answer": "{n2}"},
        task=FAHRENHEIT_TASK,
    )
    assert result.workflow.node("n2").args["value"] == Ref("n1", ("temperature",))
    assert EditOp.REWIRE in [edit.op for edit in result.edits]


@pytest.mark.parametrize("bad", ["$n0.customers", "$n2.items"])
def test_retarget_reference_points_a_glue_step_at_the_tool_step_it_follows(mcpbench, bad):
    result = repaired(
        mcpbench,
        {"id": "n1", "tool": LIVE_TEMP, "args": {"city": "Oslo"}},
        {"id": "n2", "tool": "evoflux:transform", "args": {"input": bad, "expression": "length(@)"}},
        {"id": "answer", "answer": "{n2}"},
        task=FAHRENHEIT_TASK,
    )
    assert result.workflow.node("n2").args["input"] == Ref("n1", ())


@pytest.mark.parametrize("how", ["executed", "observed"])
def test_fix_reference_paths_moves_a_misnamed_field_to_the_one_returned(mcpbench, how):
    nodes = (
        {"id": "n1", "tool": LIVE_TEMP, "args": {"city": "Oslo"}},
        {"id": "answer", "answer": "It is {n1.temp_c} degrees in Oslo."},
    )
    task = "What is the temperature in Oslo right now?"
    if how == "observed":
        result = repaired(observed(mcpbench, LIVE_TEMP, LIVE), *nodes, task=task)
    else:
        workflow = flow(mcpbench, *nodes, task=task)
        result = repaired(mcpbench, *nodes, task=task, execution=executed(workflow, n1=(NodeStatus.OK, LIVE)))
    assert result.workflow.answer.text.refs == (Ref("n1", ("temperature",)),)


def test_rebind_misfit_reference_reads_the_unit_field_an_enum_accepts(mcpbench):
    nodes = (
        {"id": "n1", "tool": LIVE_TEMP, "args": {"city": "Oslo"}},
        {
            "id": "n2",
            "tool": TEMPERATURE,
            "args": {"value": "$n1.temperature", "from_unit": "$n1.city", "to_unit": "fahrenheit"},
        },
        {"id": "answer", "answer": "{n2}"},
    )
    workflow = flow(mcpbench, *nodes, task=FAHRENHEIT_TASK)
    sent = {"value": 4.2, "from_unit": "Oslo", "to_unit": "fahrenheit"}
    run = rejected(workflow, "n2", sent, n1=(NodeStatus.OK, LIVE))
    result = repaired(mcpbench, *nodes, task=FAHRENHEIT_TASK, execution=run)
    assert result.workflow.node("n2").args["from_unit"] == Ref("n1", ("unit",))


def test_narrow_whole_output_gives_a_title_argument_the_title_field(mcpbench):
    nodes = (
        {"id": "n1", "tool": SEARCH_WIKI, "args": {"query": "Ada Lovelace"}},
        {"id": "n2", "tool": SUMMARY, "args": {"title": "$n1.results[0]"}},
        {"id": "answer", "answer": "{n2}"},
    )
    workflow = flow(mcpbench, *nodes, task=LOVELACE_TASK)
    result = repaired(
        mcpbench, *nodes, task=LOVELACE_TASK, execution=executed(workflow, n1=(NodeStatus.OK, WIKI_HITS))
    )
    assert result.workflow.node("n2").args["title"] == Ref("n1", ("results", 0, "title"))


# ---------------------------------------------------------------- producers, waits, searches


def test_read_missing_field_adds_the_tool_that_returns_it_fed_by_the_search(mcpbench):
    observed(
        mcpbench, SUMMARY, {"title": "Ada Lovelace", "summary": "Augusta Ada King, Countess of Lovelace..."}
    )
    nodes = (
        {"id": "n1", "tool": SEARCH_WIKI, "args": {"query": "Ada Lovelace"}},
        {"id": "answer", "answer": "{n1.results[0].summary}"},
    )
    workflow = flow(mcpbench, *nodes, task=LOVELACE_TASK)
    result = repaired(
        mcpbench, *nodes, task=LOVELACE_TASK, execution=executed(workflow, n1=(NodeStatus.OK, WIKI_HITS))
    )
    [summary] = added_steps(result)
    assert summary.tool_key == SUMMARY
    assert summary.args == {"title": Ref("n1", ("results", 0, "title"))}
    assert result.workflow.answer.text.refs == (Ref(summary.id, ("summary",)),)


def test_wait_for_creator_orders_a_view_after_the_step_that_stores_the_tensor(mcpbench):
    nodes = (
        {
            "id": "n1",
            "tool": "Scientific Computing:create_tensor",
            "args": {"name": "A", "shape": [2, 2], "values": [1, 2, 3, 4]},
        },
        {"id": "n2", "tool": "Scientific Computing:view_tensor", "args": {"name": "A"}},
        {"id": "answer", "answer": "{n2}"},
    )
    task = "Store the 2x2 matrix [[1, 2], [3, 4]] as A and show it."
    workflow = flow(mcpbench, *nodes, task=task)
    error = "Error calling tool 'view_tensor': Tensor 'A' not found."
    result = repaired(
        mcpbench, *nodes, task=task, execution=executed(workflow, n2=(NodeStatus.TOOL_ERROR, error))
    )
    assert result.workflow.node("n2").after == ("n1",)
    assert [edit.op for edit in result.edits] == [EditOp.ADD_WAIT]


def test_widen_empty_search_drops_a_filter_the_request_never_named(mcpbench):
    nodes = (
        {
            "id": "n1",
            "tool": "Hugging Face:search-models",
            "args": {"query": "sentiment", "author": "google"},
        },
        {"id": "answer", "answer": "{n1}"},
    )
    task = "Find Hugging Face models for sentiment analysis."
    workflow = flow(mcpbench, *nodes, task=task)
    result = repaired(
        mcpbench, *nodes, task=task, execution=executed(workflow, n1=(NodeStatus.OK, {"models": []}))
    )
    assert result.workflow.node("n1").args == {"query": "sentiment"}


def test_widen_empty_search_makes_a_plural_query_singular(mcpbench):
    nodes = (
        {"id": "n1", "tool": SEARCH_WIKI, "args": {"query": "Lighthouses of Norway"}},
        {"id": "answer", "answer": "{n1}"},
    )
    task = "Which lighthouses of Norway have a Wikipedia article?"
    workflow = flow(mcpbench, *nodes, task=task)
    empty = {"query": "Lighthouses of Norway", "results": []}
    result = repaired(mcpbench, *nodes, task=task, execution=executed(workflow, n1=(NodeStatus.OK, empty)))
    assert result.workflow.node("n1").args == {"query": "Lighthouse of Norway"}
