"""An answer that reads a listing where the request asks about one listed item reads that item instead: on
catalogs shaped like excel-mcp-server and a SQL server this project did not write."""

from __future__ import annotations

from repair_helpers import executed, flow

from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.execute.outcome import NodeStatus
from evoflux.repair import repair_workflow

TEXT = {"type": "string"}
READ_ONLY = {"readOnlyHint": True}


def tool(server: str, name: str, description: str, required: tuple[str, ...], **extra: dict) -> ToolSpec:
    properties = {arg: TEXT for arg in required} | extra
    schema = {"type": "object", "properties": properties, "required": list(required)}
    return ToolSpec(server, name, description, schema, annotations=READ_ONLY)


# In the shape of excel-mcp-server: a workbook's sheets are listed, a sheet is described or read.
EXCEL = ToolCatalog(
    {
        "xl": [
            tool("xl", "describe_workbook", "List the sheets of a workbook", ("path",)),
            tool("xl", "describe_sheet", "Describe one sheet's tables and charts", ("path", "sheet")),
            tool("xl", "read_range", "Read cell values as rows", ("path", "sheet"), range=TEXT),
            ToolSpec(
                "xl",
                "delete_sheet",
                "Delete a sheet",
                {
                    "type": "object",
                    "properties": {"path": TEXT, "sheet": TEXT},
                    "required": ["path", "sheet"],
                },
                annotations={"readOnlyHint": False},
            ),
        ]
    }
)
WORKBOOK = {"id": "n1", "tool": "xl:describe_workbook", "args": {"path": "/d/staff.xlsx"}}


def repaired(task: str, sheets: list[str], answer: str = "{n1.modules[0].code}"):
    wf = flow(EXCEL, WORKBOOK, {"id": "answer", "answer": answer}, task=task)
    output = {
        "sheets": [{"name": name, "used_range": "A1:E11"} for name in sheets],
        "calculation": {"auto": True},
    }
    return repair_workflow(wf, EXCEL, task=task, execution=executed(wf, n1=(NodeStatus.OK, output)))


def read_step(result) -> dict:
    steps = [n for n in result.workflow.tool_nodes if n.tool == "read_range"]
    assert len(steps) == 1
    return dict(steps[0].args)


def test_the_only_sheet_of_a_listed_workbook_is_read_and_the_answer_reads_it():
    result = repaired("When did the manager of the Hamburg warehouse start, per /d/staff.xlsx?", ["Team"])
    assert read_step(result) == {"path": "/d/staff.xlsx", "sheet": "Team"}
    assert all(ref.node != "n1" for ref in result.workflow.node("answer").text.refs)
    # The same reference read twice is moved once, both places with it.
    twice = repaired("When did the Hamburg manager start, per /d/staff.xlsx?", ["Team"], "{n1.x} ({n1.x})")
    assert read_step(twice)["sheet"] == "Team"
    assert all(ref.node != "n1" for ref in twice.workflow.node("answer").text.refs)


def test_the_sheet_the_request_names_is_read_and_no_other_is_guessed():
    task = "What was the North region's Q3 revenue in the sales workbook /d/sales.xlsx?"
    assert read_step(repaired(task, ["About", "By region", "Targets"]))["sheet"] == "By region"
    unclear = repaired("What was the North Q3 revenue in /d/sales.xlsx?", ["About", "By region", "Targets"])
    assert not [n for n in unclear.workflow.tool_nodes if n.tool == "read_range"]


def test_a_request_about_the_listing_itself_keeps_it():
    for task in ("What sheets does /d/sales.xlsx have?", "List the sheet names of /d/sales.xlsx."):
        result = repaired(task, ["Team"], answer="{n1.sheets}")
        assert not [n for n in result.workflow.tool_nodes if n.tool in {"read_range", "describe_sheet"}]


def test_a_listed_table_is_described_by_the_tool_that_takes_a_table():
    # In the shape of the MotherDuck server's listing tools: tables listed under a key, columns of one table.
    catalog = ToolCatalog(
        {
            "md": [
                tool("md", "list_tables", "List the tables of a database", (), database=TEXT),
                tool("md", "list_columns", "List the columns of a table", ("table",), database=TEXT),
            ]
        }
    )
    task = "Which carrier handled the most shipments?"
    wf = flow(
        catalog,
        {"id": "n1", "tool": "md:list_tables", "args": {"database": "warehouse"}},
        {"id": "answer", "answer": "{n1.carrier}"},
        task=task,
    )
    output = {
        "success": True,
        "tables": [{"schema": "main", "name": "shipments"}, {"schema": "main", "name": "sites"}],
    }
    result = repair_workflow(wf, catalog, task=task, execution=executed(wf, n1=(NodeStatus.OK, output)))
    added = [n for n in result.workflow.tool_nodes if n.tool == "list_columns"]
    assert [dict(n.args) for n in added] == [{"database": "warehouse", "table": "shipments"}]
    assert all(ref.node != "n1" for ref in result.workflow.node("answer").text.refs)
