"""Glue steps as tools of the pseudo-server: transforms over real-looking outputs, the static check of an
expression, one catalog view with the validators, and reading an extraction's reply."""

from __future__ import annotations

import pytest

from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.workflow import IssueCode, check_workflow, parse_workflow
from evoflux.workflow.glue import (
    GLUE_TOOLS,
    PSEUDO_TOOLS,
    evaluate_transform,
    is_glue,
    is_pseudo,
    read_extraction,
    source_text,
    with_pseudo_tools,
)
from evoflux.workflow.validators import VALIDATOR_SERVER, VALIDATOR_TOOLS

# What a git server's log and a spreadsheet server's rows look like once parsed.
COMMITS = [
    {"hash": "a1f3", "author": "Ana Lima", "date": "2024-03-02", "message": "Fix parser"},
    {"hash": "b7c9", "author": "Bo Chen", "date": "2024-03-15", "message": "Add cache"},
    {"hash": "c2d4", "author": "Ana Lima", "date": "2024-04-01", "message": "Docs"},
    {"hash": "d8e1", "author": "Cy Ruiz", "date": "2024-02-27", "message": "Bump version"},
]
STOCK = {
    "sheet": "Warehouse",
    "rows": [{"sku": "X-1", "qty": 12}, {"sku": "X-2", "qty": 30}, {"sku": "X-3", "qty": 0}],
}
LISTING = ToolSpec(
    "git",
    "git_log",
    "Commits of a repository",
    {"type": "object", "properties": {"repo_path": {"type": "string"}}, "required": ["repo_path"]},
)


@pytest.mark.parametrize(
    ("data", "expression", "expected"),
    [
        (COMMITS, "length([?date >= '2024-03-01' && date < '2024-04-01'])", 2),
        (COMMITS, "[?author == 'Ana Lima'].hash", ["a1f3", "c2d4"]),
        (STOCK, "sum(rows[].qty)", 42),
        (STOCK, "max_by(rows, &qty).sku", "X-2"),
        (COMMITS, "sort_by(@, &date)[].hash", ["d8e1", "a1f3", "b7c9", "c2d4"]),
        (STOCK, "length(rows[?qty > `0`])", 2),
    ],
)
def test_a_transform_counts_filters_sums_and_sorts_real_outputs(data, expression, expected):
    result = evaluate_transform({"input": data, "expression": expression})
    assert result.ok and result.value == expected


def test_a_transform_that_cannot_compile_or_finds_nothing_fails_naming_the_expression():
    broken = evaluate_transform({"input": COMMITS, "expression": "length([?date >= '2024'"})
    assert not broken.ok and "length([?date >= '2024'" in broken.error and "does not compile" in broken.error
    typed = evaluate_transform({"input": COMMITS, "expression": "sum([].author)"})
    assert not typed.ok and "failed on the input" in typed.error
    nothing = evaluate_transform({"input": STOCK, "expression": "items[0].qty"})
    assert (
        not nothing.ok and "found nothing" in nothing.error and "rows" in nothing.error
    )  # says what is there
    missing = evaluate_transform({"expression": "length(@)"})
    assert not missing.ok and "'input' is a required property" in missing.error


def counting(expression: str):
    return parse_workflow(
        {
            "nodes": [
                {"id": "n1", "tool": "git:git_log", "args": {"repo_path": "/repo"}},
                {"id": "n2", "tool": "evoflux:transform", "args": {"input": "$n1", "expression": expression}},
                {"id": "answer", "answer": "{n2} commits"},
            ]
        }
    )


def test_an_expression_that_does_not_compile_is_a_check_issue_before_anything_runs():
    catalog = with_pseudo_tools(ToolCatalog({"git": [LISTING]}))
    issues = check_workflow(counting("length([?"), catalog)
    assert [(i.code, i.node, i.arg) for i in issues] == [(IssueCode.ARG_FORMAT, "n2", "expression")]
    assert "JMESPath" in issues[0].hint
    assert check_workflow(counting("length(@)"), catalog) == []


def test_validators_and_glue_share_one_pseudo_server_view():
    catalog = with_pseudo_tools(ToolCatalog({"git": [LISTING]}))
    assert {t.name for t in catalog.tools_of(VALIDATOR_SERVER)} == set(VALIDATOR_TOOLS) | set(GLUE_TOOLS)
    assert set(PSEUDO_TOOLS) == set(VALIDATOR_TOOLS) | {"transform", "extract"}
    assert with_pseudo_tools(catalog) is catalog
    assert is_glue(GLUE_TOOLS["extract"]) and is_pseudo(VALIDATOR_TOOLS["assert_present"])
    assert not is_glue(VALIDATOR_TOOLS["assert_present"]) and not is_pseudo(LISTING)


def test_an_extraction_reply_gives_the_value_only_when_found_and_inside_the_schema():
    schema = {"type": "integer", "minimum": 0}
    assert read_extraction({"found": True, "value": 3}, schema, "the open issues").value == 3
    absent = read_extraction({"found": False}, schema, "the open issues")
    assert not absent.ok and "found no 'the open issues'" in absent.error
    outside = read_extraction({"found": True, "value": "three"}, schema, "the open issues")
    assert not outside.ok and "does not fit the schema" in outside.error and outside.value is None
    assert not read_extraction({"found": True}, schema, "x").ok
    assert not read_extraction(["3"], schema, "x").ok


def test_an_extraction_reads_markup_as_its_text_and_a_record_holding_a_text_as_lines():
    # A Word document's XML as office-word-mcp-server returns it, and a text editor server's line ranges.
    xml = (
        "<?xml version='1.0' encoding='UTF-8'?><w:document xmlns:w=\"urn:w\"><w:body>"
        "<w:p><w:r><w:t>Per diem</w:t></w:r></w:p><w:p><w:r><w:t>Oslo: 65 EUR &amp; lunch</w:t></w:r></w:p>"
        "</w:body></w:document>"
    )
    assert source_text(xml) == "Per diem\nOslo: 65 EUR & lunch"
    assert source_text("Total < 5 and x > 3") == "Total < 5 and x > 3"  # not markup: as it is
    ranges = {
        "/d/app.log": {"ranges": [{"content": "08:00 ERROR a\n08:01 INFO b", "start": 1}], "file_hash": "3d"}
    }
    assert "content: 08:00 ERROR a\n08:01 INFO b\n" in source_text(ranges)
    rows = [{"name": "a", "city": "b"}, {"name": "c", "city": "d"}]
    assert source_text(rows) == '{"name": "a", "city": "b"}\n{"name": "c", "city": "d"}'
