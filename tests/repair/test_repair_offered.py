"""A step whose error lists the values its server accepts takes the one that fits: on catalogs shaped like
third-party servers (a spreadsheet server that lists its sheets, a document server that lists its units)."""

from __future__ import annotations

import pytest
from repair_helpers import executed, flow

from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.execute.outcome import NodeStatus
from evoflux.repair import repair_workflow
from evoflux.repair.offered import offered_values

TEXT = {"type": "string"}
NUMBER = {"type": "number"}


def tool(server: str, name: str, description: str, **properties: dict) -> ToolSpec:
    schema = {"type": "object", "properties": properties, "required": list(properties)}
    return ToolSpec(server, name, description, schema)


# In the shape of excel-mcp-server's reading tool and office-word-mcp-server's cell padding tool.
SHEETS = tool("xl", "read_range", "Read cell values as rows", path=TEXT, sheet=TEXT, range=TEXT)
PADDING = tool(
    "doc", "set_table_cell_padding", "Set padding for a table cell", filename=TEXT, top=NUMBER, unit=TEXT
)
CATALOG = ToolCatalog({"xl": [SHEETS], "doc": [PADDING]})
ANSWER = {"id": "answer", "answer": "{n1}"}


def failed(step: dict, error: str, task: str = ""):
    wf = flow(CATALOG, step, ANSWER, task=task)
    return repair_workflow(wf, CATALOG, task=task, execution=executed(wf, n1=(NodeStatus.TOOL_ERROR, error)))


def read(sheet: str) -> dict:
    return {
        "id": "n1",
        "tool": "xl:read_range",
        "args": {"path": "/d/staff.xlsx", "sheet": sheet, "range": "A1:E9"},
    }


def test_offered_values_are_read_from_general_wordings():
    assert offered_values("Sheet 'Sheet1' not found. Available sheets: 'Team', 'Old team'.") == [
        "Team",
        "Old team",
    ]
    assert offered_values("Invalid unit. Valid options: points, percent") == ["points", "percent"]
    assert offered_values('level must be one of ["debug", "info"]') == ["debug", "info"]
    assert offered_values("Supported schemes are: file:, data:") == ["file:", "data:"]
    assert offered_values("Error: no such table: book") == []
    assert offered_values("Expected string, got int") == []


def test_the_only_listed_sheet_replaces_the_unknown_one():
    result = failed(
        read("Sheet1"), "Error executing tool read_range: Sheet 'Sheet1' not found. Available sheets: 'Team'."
    )
    assert result.workflow.node("n1").args["sheet"] == "Team"


@pytest.mark.parametrize(
    ("task", "sheet"),
    [
        ("What was the North revenue in the quarter, by region?", "By region"),  # the one the request names
        ("What is the West region's sales target?", "Sales"),  # two fit equally: no guess
    ],
)
def test_the_listed_sheet_the_request_names_is_taken_and_no_other_is_guessed(task, sheet):
    error = "Sheet 'Sales' not found. Available sheets: 'About', 'By region', 'Targets'."
    assert failed(read("Sales"), error, task=task).workflow.node("n1").args["sheet"] == sheet


def test_the_word_that_says_what_the_rejected_value_is_does_not_pick_the_sheet():
    # "By region" shares only "region", the word that says what West is; "Targets" shares the thing asked.
    error = "Sheet 'West' not found. Available sheets: 'About', 'By region', 'Targets'."
    task = "What is the West region's annual sales target in /d/sales_2025.xlsx?"
    assert failed(read("West"), error, task=task).workflow.node("n1").args["sheet"] == "Targets"


def test_an_argument_the_error_names_takes_the_close_option():
    step = {
        "id": "n1",
        "tool": "doc:set_table_cell_padding",
        "args": {"filename": "/d/a.docx", "top": 10, "unit": "percents"},
    }
    result = failed(step, "Invalid unit. Valid options: points, percent")
    assert result.workflow.node("n1").args["unit"] == "percent"


def test_a_bare_path_becomes_a_file_uri_when_the_error_offers_schemes():
    catalog = ToolCatalog(
        {"md": [tool("md", "convert_to_markdown", "Convert a resource to markdown", uri=TEXT)]}
    )
    wf = flow(
        catalog, {"id": "n1", "tool": "md:convert_to_markdown", "args": {"uri": "/d/INV-7.pdf"}}, ANSWER
    )
    error = "Unsupported URI scheme: /d/INV-7.pdf. Supported schemes are: file:, data:, http:, https:"
    result = repair_workflow(wf, catalog, execution=executed(wf, n1=(NodeStatus.TOOL_ERROR, error)))
    assert result.workflow.node("n1").args["uri"] == "file:/d/INV-7.pdf"
