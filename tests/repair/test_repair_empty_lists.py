"""A required list left empty gets the one item its schema fills alone: on a catalog shaped like the
text-editor server of the third-party suite (files to read, each with the line ranges to read)."""

from __future__ import annotations

from repair_helpers import executed, flow

from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.execute.outcome import NodeStatus
from evoflux.repair import repair_workflow

RANGE = {
    "type": "object",
    "properties": {
        "start": {"type": "integer", "description": "Starting line number (1-based)"},
        "end": {"type": ["integer", "null"], "description": "Ending line number (null for end of file)"},
    },
    "required": ["start"],
}
FILE = {
    "type": "object",
    "properties": {"file_path": {"type": "string"}, "ranges": {"type": "array", "items": RANGE}},
    "required": ["file_path", "ranges"],
}
READ = ToolSpec(
    "editor",
    "get_text_file_contents",
    "Read text file contents from multiple files and line ranges.",
    {"type": "object", "properties": {"files": {"type": "array", "items": FILE}}, "required": ["files"]},
)
CATALOG = ToolCatalog({"editor": [READ]})
TASK = "How many ERROR lines are in /d/app.log?"


def read(files: list) -> dict:
    return {"id": "n1", "tool": "editor:get_text_file_contents", "args": {"files": files}}


def repaired(files: list, schema_items: dict | None = None):
    catalog = CATALOG
    if schema_items is not None:
        file = {
            **FILE,
            "properties": {**FILE["properties"], "ranges": {"type": "array", "items": schema_items}},
        }
        schema = {
            "type": "object",
            "properties": {"files": {"type": "array", "items": file}},
            "required": ["files"],
        }
        catalog = ToolCatalog({"editor": [ToolSpec("editor", "get_text_file_contents", "Read", schema)]})
    wf = flow(catalog, read(files), {"id": "answer", "answer": "{n1}"}, task=TASK)
    hashed = {"/d/app.log": {"ranges": [], "file_hash": "3dbe"}}
    return repair_workflow(wf, catalog, task=TASK, execution=executed(wf, n1=(NodeStatus.OK, hashed)))


def test_an_empty_list_of_line_ranges_asks_from_line_one_to_the_end():
    result = repaired([{"file_path": "/d/app.log", "ranges": []}])
    assert result.workflow.node("n1").args["files"] == [{"file_path": "/d/app.log", "ranges": [{"start": 1}]}]


def test_a_list_with_items_or_items_the_schema_cannot_fill_is_left_alone():
    given = [{"file_path": "/d/app.log", "ranges": [{"start": 5, "end": 9}]}]
    assert repaired(given).workflow.node("n1").args["files"] == given
    unknowable = {"type": "object", "properties": {"start": {"type": "integer"}}, "required": ["start"]}
    empty = [{"file_path": "/d/app.log", "ranges": []}]
    assert repaired(empty, unknowable).workflow.node("n1").args["files"] == empty
    defaulted = {
        "type": "object",
        "properties": {"start": {"type": "integer", "default": 0}},
        "required": ["start"],
    }
    assert repaired(empty, defaulted).workflow.node("n1").args["files"][0]["ranges"] == [{"start": 0}]
