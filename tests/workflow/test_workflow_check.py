"""Static checks: one test per issue code, plus how references are treated by schema validation."""

from __future__ import annotations

import pytest

from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.workflow import Issue, IssueCode, check_arguments, check_workflow, has_errors, parse_workflow

ANSWER = {"id": "answer", "answer": "done: {n1}"}


def issues_of(nodes, catalog, **kwargs) -> list[Issue]:
    workflow = parse_workflow({"nodes": nodes}, catalog=catalog)
    return check_workflow(workflow, catalog, **kwargs)


def only(issues: list[Issue], code: IssueCode) -> Issue:
    found = [i for i in issues if i.code == code]
    assert len(found) == 1, f"expected one {code}, got {issues}"
    return found[0]


def length(**args):
    return {"id": "n1", "tool": "units:convert_length", "args": args}


GOOD_LENGTH = {"value": 5, "from_unit": "kilometer", "to_unit": "mile"}


# ---------------------------------------------------------------- clean workflows


def test_a_sound_workflow_has_no_issues(bench):
    nodes = [
        {"id": "n1", "tool": "Weather Data:get_current_weather_tool", "args": {"city": "Paris"}},
        {
            "id": "n2",
            "tool": "Unit Converter:convert_temperature",
            "args": {"value": "$n1.temperature", "from_unit": "celsius", "to_unit": "fahrenheit"},
        },
        {
            "id": "n3",
            "tool": "BioMCP:article_searcher",
            "args": {"genes": ["BRAF", "$n1.gene"], "page_size": 5},
        },
        {"id": "answer", "answer": "It is {n2.converted_value} F in Paris; {n3[0].title}"},
    ]
    assert issues_of(nodes, bench) == []


# ---------------------------------------------------------------- tools


def test_unknown_tool_suggests_the_nearest_tool(catalog):
    workflow_nodes = [{"id": "n1", "tool": "units:convert_lenght", "args": GOOD_LENGTH}, ANSWER]
    issue = only(issues_of(workflow_nodes, catalog), IssueCode.UNKNOWN_TOOL)
    assert (issue.node, issue.arg) == ("n1", None)
    assert issue.suggestions[0] == "units:convert_length"
    assert issue.hint == "did you mean convert_length?"


def test_unknown_tool_without_server_searches_the_whole_catalog(bench):
    issue = only(issues_of([{"id": "n1", "tool": "convert_lenght"}, ANSWER], bench), IssueCode.UNKNOWN_TOOL)
    assert issue.suggestions[0] == "Unit Converter:convert_length"
    assert "Unit Converter:convert_length" in issue.hint


def test_unknown_server_points_to_where_the_tool_is(catalog):
    nodes = [{"id": "n1", "tool": "unit:convert_length", "args": GOOD_LENGTH}, ANSWER]
    issue = only(issues_of(nodes, catalog), IssueCode.UNKNOWN_SERVER)
    assert issue.node == "n1"
    assert issue.suggestions == ("units:convert_length",)
    assert issue.hint == "did you mean units:convert_length?"


def test_unknown_server_suggests_near_server_names(catalog):
    issue = only(
        issues_of([{"id": "n1", "tool": "wether:forecast"}, ANSWER], catalog), IssueCode.UNKNOWN_SERVER
    )
    assert issue.suggestions[0] == "weather"


def test_missing_server_when_several_servers_have_the_tool(catalog):
    issue = only(
        issues_of([{"id": "n1", "tool": "search", "args": {"query": "x"}}, ANSWER], catalog),
        IssueCode.MISSING_SERVER,
    )
    assert issue.node == "n1"
    assert set(issue.suggestions) == {"web:search", "news:search"}


def test_missing_server_when_parsed_without_a_catalog(catalog):
    workflow = parse_workflow(
        {"nodes": [{"id": "n1", "tool": "convert_length", "args": GOOD_LENGTH}, ANSWER]}
    )
    issue = only(check_workflow(workflow, catalog), IssueCode.MISSING_SERVER)
    assert issue.suggestions == ("units:convert_length",)
    assert "'units:convert_length'" in issue.hint


# ---------------------------------------------------------------- arguments


def test_missing_required_arg_names_it_and_describes_it(bench):
    nodes = [
        {"id": "n1", "tool": "Unit Converter:convert_length", "args": {"value": 1, "from_unit": "meter"}}
    ]
    issue = only(issues_of([*nodes, ANSWER], bench), IssueCode.MISSING_REQUIRED_ARG)
    assert (issue.node, issue.arg) == ("n1", "to_unit")
    assert "Target unit" in issue.hint


def test_missing_required_field_inside_a_list_item(catalog):
    nodes = [
        {"id": "n1", "tool": "shop:order", "args": {"items": [{"sku": "ABC-1", "qty": 1}, {"sku": "ABC-2"}]}}
    ]
    issue = only(issues_of([*nodes, ANSWER], catalog), IssueCode.MISSING_REQUIRED_ARG)
    assert issue.arg == "items[1].qty"


def test_arg_type_with_a_quoted_number(bench):
    nodes = [{"id": "n1", "tool": "Math MCP:add", "args": {"firstNumber": "3", "secondNumber": 4}}]
    issue = only(issues_of([*nodes, ANSWER], bench), IssueCode.ARG_TYPE)
    assert (issue.node, issue.arg) == ("n1", "firstNumber")
    assert issue.hint == "write 3 without quotes"


def test_arg_type_for_a_template_where_a_number_is_needed(catalog):
    nodes = [
        {"id": "n0", "tool": "web:search", "args": {"query": "x"}},
        length(value="{n0.km} km", from_unit="meter", to_unit="mile"),
        ANSWER,
    ]
    issue = only(issues_of(nodes, catalog), IssueCode.ARG_TYPE)
    assert issue.arg == "value"
    assert "template" in issue.message and "reference alone" in issue.hint


def test_arg_type_inside_any_of(bench):
    nodes = [{"id": "n1", "tool": "BioMCP:article_searcher", "args": {"genes": 7}}]
    issue = only(issues_of([*nodes, ANSWER], bench), IssueCode.ARG_TYPE)
    assert issue.arg == "genes"
    assert "a list or a string or null" in issue.message


def test_arg_enum_lists_the_nearest_allowed_values(bench):
    nodes = [
        {
            "id": "n1",
            "tool": "Unit Converter:convert_length",
            "args": {"value": 5, "from_unit": "kilometers", "to_unit": "mile"},
        }
    ]
    issue = only(issues_of([*nodes, ANSWER], bench), IssueCode.ARG_ENUM)
    assert (issue.node, issue.arg) == ("n1", "from_unit")
    assert issue.suggestions[0] == "kilometer"
    assert issue.hint.startswith("use one of: kilometer")


def test_arg_enum_inside_any_of(bench):
    nodes = [{"id": "n1", "tool": "Unit Converter:list_supported_units", "args": {"unit_type": "lengths"}}]
    issue = only(issues_of([*nodes, ANSWER], bench), IssueCode.ARG_ENUM)
    assert issue.arg == "unit_type"
    assert issue.suggestions[0] == "length"


@pytest.mark.parametrize(
    ("tool_name", "args", "arg", "hint_word"),
    [
        ("weather:get_weather", {"city": "Oslo", "date": "31/05/2024"}, "date", "YYYY-MM-DD"),
        ("shop:order", {"items": [], "contact": "bob at example"}, "contact", "name@example.com"),
        ("shop:order", {"items": [], "site": "not a uri"}, "site", "https://"),
        ("shop:order", {"items": [], "when": "tomorrow at 5"}, "when", "2024-05-31T14:00:00Z"),
    ],
)
def test_arg_format(catalog, tool_name, args, arg, hint_word):
    issue = only(
        issues_of([{"id": "n1", "tool": tool_name, "args": args}, ANSWER], catalog), IssueCode.ARG_FORMAT
    )
    assert (issue.node, issue.arg) == ("n1", arg)
    assert hint_word in issue.hint


def test_valid_formats_pass(catalog):
    args = {
        "items": [],
        "contact": "bob@example.com",
        "site": "https://example.com/x",
        "when": "2024-05-31T14:00:00Z",
    }
    assert issues_of([{"id": "n1", "tool": "shop:order", "args": args}, ANSWER], catalog) == []


def test_arg_pattern_inside_a_defs_reference(catalog):
    nodes = [{"id": "n1", "tool": "shop:order", "args": {"items": [{"sku": "abc", "qty": 1}]}}]
    issue = only(issues_of([*nodes, ANSWER], catalog), IssueCode.ARG_PATTERN)
    assert (issue.node, issue.arg) == ("n1", "items[0].sku")
    assert "^[A-Z]{3}-[0-9]+$" in issue.hint


@pytest.mark.parametrize(
    ("tool_name", "args", "arg", "hint"),
    [
        ("weather:get_weather", {"city": "Oslo", "days": 30}, "days", "use a value <= 14"),
        ("shop:order", {"items": [{"sku": "ABC-1", "qty": 0}]}, "items[0].qty", "use a value >= 1"),
        ("shop:order", {"items": [{"sku": "ABC-1", "qty": 1}] * 4}, "items", "give at most 3 items"),
    ],
)
def test_arg_range(catalog, tool_name, args, arg, hint):
    issue = only(
        issues_of([{"id": "n1", "tool": tool_name, "args": args}, ANSWER], catalog), IssueCode.ARG_RANGE
    )
    assert (issue.node, issue.arg, issue.hint) == ("n1", arg, hint)


def test_arg_range_on_a_realistic_schema(bench):
    nodes = [{"id": "n1", "tool": "BioMCP:article_searcher", "args": {"page_size": 500}}]
    issue = only(issues_of([*nodes, ANSWER], bench), IssueCode.ARG_RANGE)
    assert (issue.arg, issue.hint) == ("page_size", "use a value <= 100")


def test_arg_schema_for_other_keywords(catalog):
    nodes = [{"id": "n1", "tool": "shop:order", "args": {"items": [], "tags": None}}]
    issue = only(issues_of([*nodes, ANSWER], catalog), IssueCode.ARG_SCHEMA)
    assert (issue.node, issue.arg) == ("n1", "tags")


def test_broken_tool_schema_is_a_warning():
    schema = {"type": "object", "properties": {"x": {"type": "strnig"}}}
    broken = ToolCatalog({"s": [ToolSpec("s", "t", input_schema=schema)]})
    issue = only(
        issues_of([{"id": "n1", "tool": "s:t", "args": {"x": 1}}, ANSWER], broken), IssueCode.ARG_SCHEMA
    )
    assert issue.severity == "warning" and "invalid" in issue.message


def test_unknown_arg_suggests_the_nearest_name(catalog):
    nodes = [length(value=1, from_units="meter", from_unit="meter", to_unit="mile"), ANSWER]
    issue = only(issues_of(nodes, catalog), IssueCode.UNKNOWN_ARG)
    assert (issue.node, issue.arg, issue.severity) == ("n1", "from_units", "error")
    assert issue.suggestions[0] == "from_unit"
    assert issue.hint == "did you mean from_unit?"


def test_unknown_arg_is_a_warning_when_the_schema_does_not_forbid_extras(catalog):
    nodes = [{"id": "n1", "tool": "weather:get_weather", "args": {"city": "Oslo", "town": "Oslo"}}, ANSWER]
    issue = only(issues_of(nodes, catalog), IssueCode.UNKNOWN_ARG)
    assert (issue.arg, issue.severity) == ("town", "warning")


def test_unknown_field_inside_a_list_item(catalog):
    nodes = [{"id": "n1", "tool": "shop:order", "args": {"items": [{"sku": "ABC-1", "qty": 1, "qtty": 2}]}}]
    issue = only(issues_of([*nodes, ANSWER], catalog), IssueCode.UNKNOWN_ARG)
    assert issue.arg == "items[0].qtty"
    assert issue.suggestions[0] == "qty"


# ---------------------------------------------------------------- references during schema checks


def test_references_are_not_type_checked(catalog):
    nodes = [
        {"id": "n0", "tool": "web:search", "args": {"query": "x"}},
        length(value="$n0.km", from_unit="$n0.unit", to_unit="mile"),
        {
            "id": "n2",
            "tool": "shop:order",
            "args": {"items": ["$n0.item", {"sku": "$n0.sku", "qty": "$n0.q"}]},
        },
        ANSWER,
    ]
    assert issues_of(nodes, catalog) == []


def test_templates_are_strings_of_unknown_content(catalog, bench):
    nodes = [
        {"id": "n0", "tool": "web:search", "args": {"query": "x"}},
        length(value=1, from_unit="{n0.unit}", to_unit="mile"),
        {"id": "n2", "tool": "weather:get_weather", "args": {"city": "{n0.city}", "date": "{n0.year}-01-01"}},
        ANSWER,
    ]
    assert issues_of(nodes, catalog) == []
    enum_in_any_of = [
        {"id": "n0", "tool": "Math MCP:add", "args": {"firstNumber": 1, "secondNumber": 2}},
        {"id": "n1", "tool": "Unit Converter:list_supported_units", "args": {"unit_type": "{n0}s"}},
        ANSWER,
    ]
    assert issues_of(enum_in_any_of, bench) == []


def test_check_arguments_on_resolved_values(catalog):
    spec = catalog.get("units", "convert_length")
    assert check_arguments("n1", spec, GOOD_LENGTH) == []
    (issue,) = check_arguments("n1", spec, {**GOOD_LENGTH, "to_unit": "miles"})
    assert (issue.code, issue.arg) == (IssueCode.ARG_ENUM, "to_unit")


def test_schema_dialect_is_taken_from_the_schema():
    draft4 = ToolSpec(
        "s",
        "t",
        input_schema={
            "$schema": "http://json-schema.org/draft-04/schema#",
            "type": "object",
            "properties": {"n": {"type": "number", "maximum": 5, "exclusiveMaximum": True}},
        },
    )
    (issue,) = check_arguments("n1", draft4, {"n": 5})
    assert issue.code == IssueCode.ARG_RANGE


# ---------------------------------------------------------------- references and order


def test_ref_missing_node(catalog):
    nodes = [
        {"id": "n1", "tool": "web:search", "args": {"query": "x"}},
        {"id": "n2", "tool": "web:search", "args": {"query": "$n3.title"}},
        {"id": "answer", "answer": "{n2}"},
    ]
    issue = only(issues_of(nodes, catalog), IssueCode.REF_MISSING_NODE)
    assert (issue.node, issue.arg) == ("n2", "query")
    assert "'n3'" in issue.message


def test_ref_missing_node_in_after_suggests_a_near_id(catalog):
    nodes = [
        {"id": "fetch", "tool": "web:search", "args": {"query": "x"}},
        {"id": "n2", "tool": "web:search", "args": {"query": "y"}, "after": ["fetsh"]},
        {"id": "answer", "answer": "{n2}"},
    ]
    issue = only(issues_of(nodes, catalog), IssueCode.REF_MISSING_NODE)
    assert (issue.node, issue.arg, issue.suggestions[0]) == ("n2", "after", "fetch")


def test_ref_missing_node_never_suggests_the_answer_or_a_step_that_reads_it(catalog):
    alone = [
        {"id": "n1", "tool": "web:search", "args": {"query": "$n0.title"}},
        {"id": "answer", "answer": "{n1}"},
    ]
    issue = only(issues_of(alone, catalog), IssueCode.REF_MISSING_NODE)
    assert issue.suggestions == () and "add a step that calls a tool before n1" in issue.hint
    after = [
        {"id": "n1", "tool": "web:search", "args": {"query": "$n0.title"}},
        {"id": "n2", "tool": "web:search", "args": {"query": "$n1.title"}},
        {"id": "answer", "answer": "{n2}"},
    ]
    assert "n2" not in only(issues_of(after, catalog), IssueCode.REF_MISSING_NODE).suggestions


def test_ref_to_answer(catalog):
    nodes = [
        {"id": "n1", "tool": "web:search", "args": {"query": "x"}},
        {"id": "n2", "tool": "web:search", "args": {"query": "{answer} more"}},
        {"id": "answer", "answer": "{n1.title}"},
    ]
    issue = only(issues_of(nodes, catalog), IssueCode.REF_TO_ANSWER)
    assert (issue.node, issue.arg) == ("n2", "query")
    assert "n1" in issue.suggestions


def test_ref_self(catalog):
    nodes = [{"id": "n1", "tool": "web:search", "args": {"query": "$n1.title"}}, ANSWER]
    issue = only(issues_of(nodes, catalog), IssueCode.REF_SELF)
    assert (issue.node, issue.arg) == ("n1", "query")


def test_ref_downstream(catalog):
    nodes = [
        {"id": "n4", "tool": "web:search", "args": {"query": "start"}},
        {"id": "n1", "tool": "web:search", "args": {"query": "$n2.title"}},
        {"id": "n2", "tool": "news:search", "args": {"query": "$n1.title"}, "after": ["n4"]},
        ANSWER,
    ]
    issues = issues_of(nodes, catalog)
    downstream = [i for i in issues if i.code == IssueCode.REF_DOWNSTREAM]
    assert {(i.node, i.arg) for i in downstream} == {("n1", "query"), ("n2", "query")}
    first = next(i for i in downstream if i.node == "n1")
    assert first.hint == "reference n4 which runs before this step, or remove the reference"
    assert "n2 runs after n1" in first.message
    assert not [i for i in issues if i.code == IssueCode.CYCLE]


def test_cycle_through_after_names_the_nodes(catalog):
    nodes = [
        {"id": "n1", "tool": "web:search", "args": {"query": "a"}, "after": ["n3"]},
        {"id": "n2", "tool": "web:search", "args": {"query": "b"}, "after": ["n1"]},
        {"id": "n3", "tool": "web:search", "args": {"query": "c"}, "after": ["n2"]},
        ANSWER,
    ]
    issue = only(issues_of(nodes, catalog), IssueCode.CYCLE)
    assert (issue.node, issue.arg) == ("n1", "after")
    assert "n1 -> n3 -> n2 -> n1" in issue.message
    assert set(issue.suggestions) == {"n1", "n2", "n3"}


def test_duplicate_id(catalog):
    nodes = [
        {"id": "n1", "tool": "web:search", "args": {"query": "a"}},
        {"id": "n1", "tool": "news:search", "args": {"query": "b"}},
        ANSWER,
    ]
    issue = only(issues_of(nodes, catalog), IssueCode.DUPLICATE_ID)
    assert issue.node == "n1" and issue.suggestions == ("n1_2",)


def test_too_many_steps(catalog):
    nodes = [{"id": f"n{i}", "tool": "web:search", "args": {"query": str(i)}} for i in range(1, 5)]
    issue = only(issues_of([*nodes, ANSWER], catalog, max_steps=3), IssueCode.TOO_MANY_STEPS)
    assert issue.node is None and "4 tool steps" in issue.message and "at most 3" in issue.message
    assert issue.suggestions == ("n2", "n3", "n4")  # outputs nothing reads


def test_no_tool_steps(catalog):
    issue = only(issues_of([{"id": "answer", "answer": "42"}], catalog), IssueCode.NO_TOOL_STEPS)
    assert issue.severity == "error"


def test_missing_answer_is_a_warning(catalog):
    issues = issues_of([{"id": "n1", "tool": "web:search", "args": {"query": "a"}}], catalog)
    issue = only(issues, IssueCode.MISSING_ANSWER)
    assert issue.severity == "warning"
    assert not has_errors(issues)


def test_has_errors_and_issue_text(catalog):
    issues = issues_of([{"id": "n1", "tool": "units:convert_lenght"}, ANSWER], catalog)
    assert has_errors(issues)
    assert str(issues[0]).startswith(
        "error unknown_tool at node n1: server 'units' has no tool 'convert_lenght'"
    )
