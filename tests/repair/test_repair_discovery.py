"""A step that failed naming something its server does not know gets a discovery step of that server, then
the one close name it listed: on servers shaped like third-party ones (SQL, filesystem, knowledge graph)
and on the MCP-Bench snapshot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from repair_helpers import executed, flow, ops

from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.execute.outcome import NodeStatus
from evoflux.repair import repair_workflow
from evoflux.repair.discovery import closest_listed, is_discovery_tool
from evoflux.workflow.edits import EditOp

MCPBENCH = Path(__file__).parents[3] / "shared" / "mcpbench" / "tool_catalog.json"
TEXT = {"type": "string"}


def tool(server: str, name: str, description: str, *required: str, **annotations: bool) -> ToolSpec:
    properties = {arg: TEXT for arg in required}
    if name == "open_nodes":
        properties = {"names": {"type": "array", "items": TEXT}}
    schema = {"type": "object", "properties": properties, "required": list(properties)}
    return ToolSpec(server, name, description, schema, annotations=annotations)


# In the shape of mcp-server-sqlite, @modelcontextprotocol/server-filesystem and server-memory.
SQL = [
    tool("db", "read_query", "Execute a SELECT query on the SQLite database", "query"),
    tool("db", "write_query", "Execute an INSERT, UPDATE, or DELETE query on the SQLite database", "query"),
    tool("db", "create_table", "Create a new table in the SQLite database", "query"),
    tool("db", "list_tables", "List all tables in the SQLite database"),
    tool("db", "describe_table", "Get the schema information for a specific table", "table_name"),
]
FILES = [
    tool("fs", "read_file", "Read the complete contents of a file from the file system.", "path"),
    tool(
        "fs", "write_file", "Create a new file or completely overwrite an existing file.", "path", "content"
    ),
    tool(
        "fs",
        "list_directory",
        "Get a detailed listing of all files and directories in a specified path.",
        "path",
    ),
    tool(
        "fs",
        "directory_tree",
        "Get a recursive tree view of files and directories as a JSON structure.",
        "path",
    ),
    tool("fs", "get_file_info", "Retrieve detailed metadata about a file or directory.", "path"),
    tool("fs", "list_allowed_directories", "Returns the list of directories that this server may access."),
]
GRAPH = [
    tool("kg", "create_entities", "Create multiple new entities in the knowledge graph", "entities"),
    tool("kg", "delete_entities", "Delete multiple entities from the knowledge graph", "entityNames"),
    tool("kg", "read_graph", "Read the entire knowledge graph"),
    tool("kg", "search_nodes", "Search for nodes in the knowledge graph based on a query", "query"),
    tool("kg", "open_nodes", "Open specific nodes in the knowledge graph by their names"),
]
CATALOG = ToolCatalog({"db": SQL, "fs": FILES, "kg": GRAPH})
ANSWER = {"id": "answer", "answer": "{n1}"}


def failed_once(step: dict, error: str, status: NodeStatus = NodeStatus.TOOL_ERROR):
    """Repair the workflow of one `step` (n1) that failed with `error`."""
    wf = flow(CATALOG, step, ANSWER)
    return repair_workflow(wf, CATALOG, execution=executed(wf, n1=(status, error)))


def after_discovery(first, error: str, listed):
    """Repair the workflow `first` made once it ran: its discovery step listed `listed`, n1 failed again."""
    wf = first.workflow
    added = next(edit.node for edit in first.edits if edit.op is EditOp.ADD_STEP)
    run = executed(wf, **{added: (NodeStatus.OK, listed), "n1": (NodeStatus.TOOL_ERROR, error)})
    return repair_workflow(wf, CATALOG, execution=run)


def added_call(result) -> tuple[str, dict]:
    edit = next(edit for edit in result.edits if edit.op is EditOp.ADD_STEP)
    node = result.workflow.node(edit.node)
    assert result.workflow.node("n1").after == (edit.node,)
    return node.tool_key, node.args


def test_an_unknown_column_is_described_then_renamed_to_the_listed_one():
    error = "Database error: no such column: qty"
    query = {"id": "n1", "tool": "db:read_query", "args": {"query": "SELECT qty FROM orders WHERE id = 3"}}
    first = failed_once(query, error)
    assert added_call(first) == ("db:describe_table", {"table_name": "orders"})
    listed = [{"cid": 0, "name": "id", "type": "INTEGER"}, {"cid": 1, "name": "quantity", "type": "INTEGER"}]
    second = after_discovery(first, error, listed)
    assert ops(second) == [EditOp.SET_ARG]
    assert second.workflow.node("n1").args == {"query": "SELECT quantity FROM orders WHERE id = 3"}
    # the repr text a server returns instead of rows gives the same names
    assert (
        after_discovery(first, error, str(listed))
        .workflow.node("n1")
        .args["query"]
        .startswith("SELECT quantity")
    )


def test_an_unknown_table_is_listed_not_described():
    error = "Error: no such table: orderz"
    first = failed_once(
        {"id": "n1", "tool": "db:read_query", "args": {"query": "SELECT * FROM orderz"}}, error
    )
    assert added_call(first) == ("db:list_tables", {})
    second = after_discovery(first, error, [{"name": "customers"}, {"name": "orders"}])
    assert second.workflow.node("n1").args == {"query": "SELECT * FROM orders"}


def test_a_missing_file_lists_its_folder_then_reads_the_listed_one():
    error = "Error: ENOENT: no such file or directory, open '/data/report.txt'"
    first = failed_once({"id": "n1", "tool": "fs:read_file", "args": {"path": "/data/report.txt"}}, error)
    assert added_call(first) == ("fs:list_directory", {"path": "/data"})
    second = after_discovery(first, error, "[FILE] reports.txt\n[DIR] archive\n[FILE] notes.md")
    assert second.workflow.node("n1").args == {"path": "/data/reports.txt"}


def test_an_unknown_entity_is_searched_for_before_it_is_opened():
    error = "Entity with name Acme not found"
    first = failed_once({"id": "n1", "tool": "kg:open_nodes", "args": {"names": ["Acme"]}}, error)
    assert added_call(first) == ("kg:search_nodes", {"query": "Acme"})
    found = {
        "entities": [
            {"name": "Acme Corporation", "entityType": "company", "observations": ["Acme is a client"]},
        ],
        "relations": [{"from": "Dana Lee", "to": "Acme Corporation", "relationType": "manages"}],
    }
    assert after_discovery(first, error, found).workflow.node("n1").args == {"names": ["Acme Corporation"]}


def test_an_error_returned_as_an_ok_result_counts():
    query = {"id": "n1", "tool": "db:read_query", "args": {"query": "SELECT qty FROM orders"}}
    first = failed_once(query, "Error: no such column: qty", NodeStatus.OK)
    assert added_call(first) == ("db:describe_table", {"table_name": "orders"})


def test_no_clear_name_and_no_second_discovery_leave_it_to_the_model():
    error = "no such column: qty"
    first = failed_once(
        {"id": "n1", "tool": "db:read_query", "args": {"query": "SELECT qty FROM orders"}}, error
    )
    both = [{"name": "quantity"}, {"name": "quality"}]  # two names `qty` abbreviates
    assert ops(after_discovery(first, error, both)) == []
    assert ops(after_discovery(first, error, [{"name": "price"}])) == []


def test_a_failed_discovery_step_gets_no_discovery_of_its_own():
    error = "Error: ENOENT: no such file or directory, open '/data/report.txt'"
    first = failed_once({"id": "n1", "tool": "fs:read_file", "args": {"path": "/data/report.txt"}}, error)
    added = added_call(first)
    assert added[0] == "fs:list_directory"
    wf = first.workflow
    step = next(edit.node for edit in first.edits if edit.op is EditOp.ADD_STEP)
    listing_failed = "Error: ENOENT: no such file or directory, scandir '/data'"
    run = executed(
        wf, **{step: (NodeStatus.TOOL_ERROR, listing_failed), "n1": (NodeStatus.TOOL_ERROR, error)}
    )
    assert ops(repair_workflow(wf, CATALOG, execution=run)) == []


def test_errors_that_name_nothing_the_step_was_given_are_left():
    query = {"id": "n1", "tool": "db:read_query", "args": {"query": "SELECT qty FROM orders"}}
    assert ops(failed_once(query, "Error: database is locked")) == []
    assert ops(failed_once(query, "Error: no such column: price")) == []


def test_listing_tools_of_the_third_party_shapes_are_found_and_writers_are_not():
    found = {spec.name for spec in CATALOG if is_discovery_tool(spec)}
    assert found == {"list_tables", "describe_table", "list_directory", "directory_tree", "get_file_info"} | {
        "list_allowed_directories",
        "search_nodes",
    }
    marked = tool("db", "list_tables", "List all tables", destructiveHint=True)
    assert not is_discovery_tool(marked)


@pytest.mark.skipif(not MCPBENCH.exists(), reason="the MCP-Bench snapshot is not next to the checkout")
def test_listing_and_search_tools_of_the_mcpbench_servers():
    servers = json.loads(MCPBENCH.read_text())["servers"]
    found = {
        f"{server}:{data['name']}"
        for server, tools in servers.items()
        for data in tools
        if is_discovery_tool(ToolSpec.from_json(server, data))
    }
    clear = {
        "Unit Converter:list_supported_units",
        "Huge Icons:list_icons",
        "Huge Icons:search_icons",
        "Wikipedia:search_wikipedia",
        "Weather Data:search_locations_tool",
        "Hugging Face:get-model-info",
        "NixOS:home_manager_list_options",
        "National Parks:findParks",
    }
    assert clear <= found
    writers = {
        "Scientific Computing:create_tensor",
        "Scientific Computing:delete_tensor",
        "Scientific Computing:find_orthonormal_basis",
        "Paper Search:download_arxiv",
        "Unit Converter:convert_length",
        "Math MCP:min",
        "Time MCP:convert_time",
    }
    assert not writers & found


def test_a_name_the_model_padded_or_reordered_becomes_the_one_listed_name_it_holds():
    assert closest_listed("library_books", ["books", "members", "loans"]) == "books"
    assert closest_listed("publication_year", ["book_id", "title", "year_published"]) == "year_published"
    assert closest_listed("member_name", ["member_id", "name", "joined"]) is None  # two fit: no guess
    # A listed word bent by an ending is the same word (mcp-sqlite's `members.joined` for `join_date`).
    assert closest_listed("join_date", ["member_id", "name", "joined", "members"]) == "joined"
    assert closest_listed("join_date", ["member_id", "name", "joint", "members"]) is None


def test_a_listing_that_ran_beside_the_failing_step_is_read_too():
    # In the shape of mcp-sqlite: the tables were listed by a step the query does not wait for.
    wf = flow(
        CATALOG,
        {"id": "n1", "tool": "db:list_tables", "args": {}},
        {"id": "n2", "tool": "db:read_query", "args": {"query": "SELECT title FROM library_books"}},
        {"id": "answer", "answer": "{n2}"},
    )
    run = executed(
        wf,
        n1=(NodeStatus.OK, [{"name": "books"}, {"name": "loans"}]),
        n2=(NodeStatus.TOOL_ERROR, "Error: SQLITE_ERROR: no such table: library_books"),
    )
    result = repair_workflow(wf, CATALOG, execution=run)
    assert result.workflow.node("n2").args == {"query": "SELECT title FROM books"}
    assert EditOp.ADD_STEP not in ops(result)


def test_a_listing_the_workflow_already_made_is_not_added_again():
    # In the shape of excel-mcp-server: the workbook was described, and its sheets do not name the unknown one.
    workbook = tool("xl", "describe_workbook", "List the sheets of a workbook", "path", readOnlyHint=True)
    reader = tool("xl", "read_range", "Read cell values of a sheet", "path", "sheet")
    catalog = ToolCatalog({"xl": [workbook, reader]})
    wf = flow(
        catalog,
        {"id": "n1", "tool": "xl:describe_workbook", "args": {"path": "/d/sales.xlsx"}},
        {"id": "n2", "tool": "xl:read_range", "args": {"path": "/d/sales.xlsx", "sheet": "West"}},
        {"id": "answer", "answer": "{n2}"},
    )
    sheets = {"sheets": [{"name": "About"}, {"name": "By region"}, {"name": "Targets"}]}
    run = executed(wf, n1=(NodeStatus.OK, sheets), n2=(NodeStatus.TOOL_ERROR, "Sheet 'West' not found"))
    result = repair_workflow(wf, catalog, execution=run)
    assert EditOp.ADD_STEP not in ops(result)
    assert len(result.workflow.tool_nodes) == 2
