"""Reference repairs: bad targets re-pointed upstream, missing paths moved to the nearest field, whole outputs
narrowed to the field an argument needs; ambiguous cases left alone."""

from __future__ import annotations

import pytest
from repair_helpers import errors, executed, flow, ops, rejected, repaired

from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.execute.outcome import NodeStatus
from evoflux.repair import repair_workflow
from evoflux.workflow import IssueCode, Ref
from evoflux.workflow.edits import EditOp

SEARCH = {"id": "n1", "tool": "weather:search_stations", "args": {"city": "Oslo"}}
CURRENT = {
    "id": "n2",
    "tool": "weather:current_conditions",
    "args": {"station_id": "$n1.stations[0].station_id"},
}


def reading(station: str) -> dict:
    return {"id": "n2", "tool": "weather:current_conditions", "args": {"station_id": station}}


@pytest.mark.parametrize(
    "written",
    [
        "$step1.stations[0].station_id",  # an id the model made up, same number
        "$n7.stations[0].station_id",  # a wrong id: only n1's output has this path
        "$n2.stations[0].station_id",  # its own output
        "$answer.stations[0].station_id",  # the answer
    ],
)
def test_a_bad_target_is_moved_to_the_step_that_has_the_data(bundled, written):
    result = repaired(bundled, SEARCH, reading(written), {"id": "answer", "answer": "{n2.temperature}"})
    assert result.workflow.node("n2").args["station_id"] == Ref("n1", ("stations", 0, "station_id"))
    assert result.edits[0].op is EditOp.REWIRE and result.edits[0].reason
    assert errors(result) == []


def test_the_answer_reading_a_missing_step_is_moved(bundled):
    result = repaired(
        bundled, SEARCH, CURRENT, {"id": "answer", "answer": "{n3.temperature} at {n1.stations[0].name}"}
    )
    assert Ref("n2", ("temperature",)) in result.workflow.node("answer").text.refs
    assert errors(result) == []


def test_a_bad_wait_is_dropped(bundled):
    result = repaired(bundled, SEARCH, {**CURRENT, "after": ["n9", "n2"]})
    assert result.workflow.node("n2").after == ()
    assert ops(result) == [EditOp.REMOVE_WAIT, EditOp.REMOVE_WAIT]


def test_a_missing_target_with_no_clear_replacement_is_left(bundled):
    wf = flow(
        bundled,
        SEARCH,
        {"id": "n2", "tool": "weather:search_stations", "args": {"city": "Bergen"}},
        reading("$n9.stations[0].station_id") | {"id": "n3"},
    )
    result = repair_workflow(wf, bundled)
    assert ops(result) == []  # n1 and n2 both have the path
    assert [i.code for i in errors(result)] == [IssueCode.REF_MISSING_NODE]


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("$n2.temperature_c", Ref("n2", ("temperature",))),
        ("$n2.temp", Ref("n2", ("temperature",))),  # the consumer wants a number: not temperature_unit
        ("$n2.readings.temperature", Ref("n2", ("temperature",))),
    ],
)
def test_a_path_the_output_schema_lacks_moves_to_the_nearest_field(bundled, written, meant):
    result = repaired(
        bundled,
        SEARCH,
        CURRENT,
        {
            "id": "n3",
            "tool": "units:convert_temperature",
            "args": {"value": written, "from_unit": "celsius", "to_unit": "kelvin"},
        },
    )
    assert result.workflow.node("n3").args["value"] == meant
    assert "nearest field" in result.edits[0].reason


@pytest.mark.parametrize("written", ["$n1.stations.station_id", "$n1.id", "$n1.station_id"])
def test_an_id_path_moves_to_the_id_the_argument_needs(bundled, written):
    result = repaired(bundled, SEARCH, reading(written))
    assert result.workflow.node("n2").args["station_id"] == Ref("n1", ("stations", 0, "station_id"))


def test_an_unclear_path_is_left(bundled):
    result = repaired(bundled, SEARCH, CURRENT, {"id": "answer", "answer": "It is {n2.temp}"})
    assert ops(result) == []  # temperature or temperature_unit? the answer does not say


def test_a_whole_output_where_an_id_is_needed_is_narrowed(bundled):
    result = repaired(
        bundled,
        {"id": "n1", "tool": "geo:search_cities", "args": {"name": "Lisbon"}},
        {"id": "n2", "tool": "geo:get_city", "args": {"city_id": "$n1"}},
    )
    assert result.workflow.node("n2").args["city_id"] == Ref("n1", ("cities", 0, "city_id"))
    assert "whole object" in result.edits[0].reason


def test_executed_outputs_fix_paths_of_tools_without_output_schemas(bench):
    wf = flow(
        bench,
        {"id": "n1", "tool": "Weather Data:get_current_weather_tool", "args": {"city": "Paris"}},
        {
            "id": "n2",
            "tool": "Unit Converter:convert_temperature",
            "args": {"value": "$n1.temperature", "from_unit": "celsius", "to_unit": "fahrenheit"},
        },
        {"id": "answer", "answer": "{n2}"},
    )
    output = {"location": "Paris", "current": {"temp_c": 21.5, "condition": "clear"}}
    error = "cannot resolve $n1.temperature: at $n1: no key 'temperature'"
    run = executed(
        wf, n1=(NodeStatus.OK, output), n2=(NodeStatus.UNRESOLVED_REF, error), answer=(NodeStatus.SKIPPED, "")
    )
    assert repair_workflow(wf, bench).edits == ()  # no output schema: nothing to go on
    result = repair_workflow(wf, bench, execution=run)
    assert result.workflow.node("n2").args["value"] == Ref("n1", ("current", "temp_c"))


def test_executed_outputs_narrow_a_whole_output_by_pattern(bench):
    wf = flow(
        bench,
        {"id": "n1", "tool": "Time MCP:get_current_time", "args": {"timezone": "Asia/Tokyo"}},
        {"id": "n2", "tool": "Time MCP:get_current_time", "args": {"timezone": "$n1"}},
    )
    output = {"timezone": "Asia/Tokyo", "datetime": "2026-03-16T18:00:00+09:00", "is_dst": False}
    run = executed(wf, n1=(NodeStatus.OK, output), n2=(NodeStatus.TOOL_ERROR, "Invalid timezone"))
    result = repair_workflow(wf, bench, execution=run)
    assert result.workflow.node("n2").args["timezone"] == Ref("n1", ("timezone",))


def test_the_answer_quotes_a_text_only_output_whole_instead_of_a_field(bundled):
    wf = flow(
        bundled,
        {
            "id": "n1",
            "tool": "units:convert_length",
            "args": {"value": 26.2, "from_unit": "mile", "to_unit": "kilometer"},
        },
        {"id": "answer", "answer": "A marathon is {n1.result} km"},
    )
    run = executed(
        wf,
        n1=(NodeStatus.OK, "26.2 mile = 42.1648 kilometer"),
        answer=(NodeStatus.UNRESOLVED_REF, "no field"),
    )
    result = repair_workflow(wf, bundled, execution=run)
    assert result.workflow.answer.text.refs == (Ref("n1"),)
    assert any("returned text" in edit.reason for edit in result.edits)


SHIPPED = {
    "origin": "Amsterdam, NL",
    "estimated_delivery_date": "2026-03-24",
    "price": 25.6,
    "delivery_days": 8,
}


def _weekday_of(path: str):
    return (
        {
            "id": "n1",
            "tool": "shop:get_shipping_quote",
            "args": {"weight_kg": 0.15, "destination_country": "AU"},
        },
        {"id": "n2", "tool": "calendar:day_of_week", "args": {"date": {"$ref": "n1", "path": path}}},
        {"id": "answer", "answer": "{n2.day_of_week}"},
    )


def test_a_value_that_does_not_fit_is_read_from_the_field_that_does(bundled):
    wf = flow(bundled, *_weekday_of("origin"))
    run = rejected(wf, "n2", {"date": "Amsterdam, NL"}, n1=(NodeStatus.OK, SHIPPED))
    result = repair_workflow(wf, bundled, execution=run)
    assert result.workflow.node("n2").args["date"] == Ref("n1", ("estimated_delivery_date",))
    assert "does not fit" in result.edits[0].reason


def test_no_field_that_fits_leaves_the_reference_alone(bundled):
    wf = flow(bundled, *_weekday_of("origin"))
    output = {**SHIPPED, "estimated_delivery_date": "in eight days"}
    run = rejected(wf, "n2", {"date": "Amsterdam, NL"}, n1=(NodeStatus.OK, output))
    assert repair_workflow(wf, bundled, execution=run).workflow.node("n2").args["date"] == Ref(
        "n1", ("origin",)
    )


def test_a_field_read_back_from_a_step_s_own_argument_takes_the_argument():
    # In the shape of office-word-mcp-server: the model reads the file name back from the info step's output.
    def tool(name: str) -> ToolSpec:
        schema = {"type": "object", "properties": {"filename": {"type": "string"}}, "required": ["filename"]}
        return ToolSpec("word", name, f"{name} of a document", schema)

    catalog = ToolCatalog({"word": [tool("get_document_info"), tool("get_document_text")]})
    nodes = (
        {"id": "n1", "tool": "word:get_document_info", "args": {"filename": "/d/policy.docx"}},
        {"id": "n2", "tool": "word:get_document_text", "args": {"filename": "$n1.filename"}},
        {"id": "answer", "answer": "{n2}"},
    )
    wf = flow(catalog, *nodes)
    info = {"title": "", "author": "Office team", "page_count": 2, "word_count": 310}
    run = executed(wf, n1=(NodeStatus.OK, info), n2=(NodeStatus.UNRESOLVED_REF, "no key 'filename'"))
    result = repair_workflow(wf, catalog, execution=run)
    assert result.workflow.node("n2").args["filename"] == "/d/policy.docx"

    # A field the output has stays a reference.
    run = executed(wf, n1=(NodeStatus.OK, {**info, "filename": "policy.docx"}))
    assert repair_workflow(wf, catalog, execution=run).workflow.node("n2").args["filename"] == Ref(
        "n1", ("filename",)
    )


def test_a_field_of_a_text_output_read_by_an_argument_reads_the_whole_text():
    # In the shape of markitdown (a converter returning markdown text) feeding a text tool's `text` argument.
    text = {"type": "string"}
    convert = ToolSpec(
        "md", "convert_to_markdown", "Convert a file", {"type": "object", "properties": {"uri": text}}
    )
    count = ToolSpec(
        "calc", "count", "Count words of a text", {"type": "object", "properties": {"text": text}}
    )
    catalog = ToolCatalog({"md": [convert], "calc": [count]})
    wf = flow(
        catalog,
        {"id": "n1", "tool": "md:convert_to_markdown", "args": {"uri": "file:/d/INV-1043.pdf"}},
        {"id": "n2", "tool": "calc:count", "args": {"text": "$n1.result"}},
        {"id": "answer", "answer": "{n2}"},
    )
    run = executed(wf, n1=(NodeStatus.OK, "Invoice INV-1043\nCustomer: Chloe Martin (C007)\n"))
    assert repair_workflow(wf, catalog, execution=run).workflow.node("n2").args["text"] == Ref("n1")
