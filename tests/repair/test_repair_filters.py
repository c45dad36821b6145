"""A search that ran and found nothing: unasked filters dropped, else its text made singular; else left."""

from __future__ import annotations

from repair_helpers import executed, flow

from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.execute.outcome import NodeStatus
from evoflux.repair import repair_workflow
from evoflux.workflow.edits import EditOp

TITLE = "Planning Tool Workflows as Directed Acyclic Graphs"
NO_PAPERS = {"total_matches": 0, "papers": []}


def search(catalog, args: dict, task: str, output: dict):
    """Repair a paper or product search that ran with `args` and returned `output`."""
    tool = "library:search_papers" if "year_to" in args or "year_from" in args else "shop:search_products"
    wf = flow(
        catalog, {"id": "n1", "tool": tool, "args": args}, {"id": "answer", "answer": "{n1}"}, task=task
    )
    return repair_workflow(wf, catalog, execution=executed(wf, n1=(NodeStatus.OK, output)))


def ops(result) -> list[EditOp]:
    """The edits of the search step itself (the answer reading its whole output is another rule's)."""
    return [edit.op for edit in result.edits if edit.node == "n1"]


def test_year_filters_the_request_never_names_are_dropped_when_nothing_was_found(bundled):
    args = {"query": TITLE, "year_from": 2010, "year_to": 2020, "limit": 1}
    result = search(bundled, args, f"Who cites '{TITLE}'?", NO_PAPERS)
    assert ops(result) == [EditOp.REMOVE_ARG, EditOp.REMOVE_ARG]
    assert result.workflow.node("n1").args == {"query": TITLE, "limit": 1}  # limit has a default: kept


def test_a_stated_filter_stays(bundled):
    args = {"query": "planning", "year_from": 2021}
    assert ops(search(bundled, args, "Papers on planning since 2021?", NO_PAPERS)) == []
    assert ops(search(bundled, args, "Papers on planning?", NO_PAPERS)) == [EditOp.REMOVE_ARG]


def test_a_search_that_found_something_is_left(bundled):
    args = {"query": TITLE, "year_from": 2010, "year_to": 2020}
    found = {"total_matches": 1, "papers": [{"paper_id": "PAP-0003", "title": TITLE}]}
    assert ops(search(bundled, args, f"Who cites '{TITLE}'?", found)) == []


def test_with_no_filter_to_drop_the_words_become_singular(bundled):
    args = {"query": "Conical Burr Coffee Grinders"}
    task = "What do two Conical Burr Coffee Grinders cost?"
    result = search(bundled, args, task, {"products": []})
    assert result.workflow.node("n1").args == {"query": "Conical Burr Coffee Grinder"}
    assert ops(search(bundled, {"query": "Conical Burr Coffee Grinder"}, task, {"products": []})) == []
    quoted = "Is 'Conical Burr Coffee Grinders' in the shop?"  # a quoted name is spelled as meant
    assert ops(search(bundled, args, quoted, {"products": []})) == []


# In the shape of mcp-server-duckdb (one `query` tool returning rows) and mcp-sqlite (`sql` plus `values`).
def _sql_catalog():
    text = {"type": "string"}
    duck = ToolSpec(
        "duck",
        "query",
        "Execute a query on the DuckDB database",
        {"type": "object", "properties": {"query": text}, "required": ["query"]},
    )
    lite = ToolSpec(
        "lite",
        "query",
        "Run a SQL query",
        {"type": "object", "properties": {"sql": text, "values": {"type": "array"}}, "required": ["sql"]},
    )
    return ToolCatalog({"duck": [duck], "lite": [lite]})


def _ran_query(tool: str, arg: str, sql: str, output: object):
    catalog = _sql_catalog()
    wf = flow(catalog, {"id": "n1", "tool": tool, "args": {arg: sql}}, {"id": "answer", "answer": "{n1}"})
    return repair_workflow(wf, catalog, execution=executed(wf, n1=(NodeStatus.OK, output))).workflow.node(
        "n1"
    )


def test_a_query_that_found_nothing_compares_its_text_literals_ignoring_case():
    sql = "SELECT AVG(list_price) FROM products p WHERE p.category = 'Lighting' AND added > '2024-01-01'"
    node = _ran_query("duck:query", "query", sql, [[None]])
    assert node.args["query"] == (
        "SELECT AVG(list_price) FROM products p WHERE lower(p.category) = 'lighting' AND added > '2024-01-01'"
    )
    counted = _ran_query(
        "lite:query", "sql", "SELECT COUNT(*) FROM members WHERE tier = 'Gold'", [{"count(*)": 0}]
    )
    assert counted.args["sql"] == "SELECT COUNT(*) FROM members WHERE lower(tier) = 'gold'"


def test_a_query_that_found_rows_or_compares_no_text_is_left():
    found = "SELECT name FROM members WHERE tier = 'Gold'"
    assert _ran_query("lite:query", "sql", found, [{"name": "Ana"}]).args["sql"] == found
    dates = "SELECT COUNT(*) FROM orders WHERE order_date = '2025-02-30'"
    assert _ran_query("duck:query", "query", dates, [[0]]).args["query"] == dates
