"""Argument repairs: near-miss names renamed, literals coerced to the schema; unclear cases left alone."""

from __future__ import annotations

import pytest
from repair_helpers import errors, ops, repaired

from evoflux.workflow import IssueCode, Ref
from evoflux.workflow.edits import EditOp
from tests.support import catalog_of, spec

ANSWER = {"id": "answer", "answer": "{n1}"}


def one(catalog, tool, args, task=""):
    return repaired(catalog, {"id": "n1", "tool": tool, "args": args}, ANSWER, task=task)


# ---------------------------------------------------------------- names


def test_near_miss_names_are_renamed(bundled):
    result = one(bundled, "units:convert_length", {"value": 5, "from": "mile", "to": "kilometer"})
    assert result.workflow.node("n1").args == {"value": 5, "from_unit": "mile", "to_unit": "kilometer"}
    assert ops(result) == [EditOp.RENAME_ARG, EditOp.RENAME_ARG]
    assert errors(result) == []


def test_case_style_names_are_renamed_on_mcpbench(bench):
    result = one(bench, "Math MCP:add", {"first_number": 2, "second_number": "3"})
    assert result.workflow.node("n1").args == {"firstNumber": 2, "secondNumber": 3}
    assert errors(result) == []


def test_a_name_fitting_two_arguments_goes_to_the_free_one(bundled):
    result = one(bundled, "geo:distance_between", {"city_id_a": "CTY-0001", "city_id": "CTY-0002"})
    assert result.workflow.node("n1").args == {"city_id_a": "CTY-0001", "city_id_b": "CTY-0002"}


def test_a_name_fitting_two_free_arguments_is_left(bundled):
    result = one(bundled, "geo:distance_between", {"city_id": "CTY-0002", "unit": "mile"})
    assert "city_id" in result.workflow.node("n1").args
    assert {i.code for i in errors(result)} == {IssueCode.MISSING_REQUIRED_ARG}


def test_a_lone_misplaced_value_moves_to_the_lone_missing_argument(bundled):
    result = one(bundled, "weather:search_stations", {"location": "Oslo"})
    assert result.workflow.node("n1").args == {"city": "Oslo"}
    assert errors(result) == []


def test_an_unknown_argument_a_closed_schema_forbids_is_removed():
    closed = catalog_of(spec("s", "t", {"query": {"type": "string"}}, ("query",), additionalProperties=False))
    result = one(closed, "s:t", {"query": "x", "verbose": True})
    assert result.workflow.node("n1").args == {"query": "x"}
    assert result.edits[0].op is EditOp.REMOVE_ARG and "accepts no argument" in result.edits[0].reason


def test_an_unknown_argument_an_open_schema_tolerates_is_kept(bundled):
    result = one(bundled, "weather:search_stations", {"city": "Oslo", "verbose": True})
    assert ops(result) == []


# ---------------------------------------------------------------- values


@pytest.mark.parametrize(
    ("tool", "args", "fixed"),
    [
        (
            "units:convert_length",
            {"value": "42", "from_unit": "kilometers", "to_unit": "Miles"},
            {"value": 42, "from_unit": "kilometer", "to_unit": "mile"},
        ),
        (
            "units:convert_pressure",
            {"value": "101.3", "from_unit": "kpa", "to_unit": "PSI"},
            {"value": 101.3, "from_unit": "kilopascal", "to_unit": "psi"},
        ),
        (
            "units:convert_mass",
            {"value": 3, "from_unit": "pounds", "to_unit": "KG"},
            {"value": 3, "from_unit": "pound", "to_unit": "kilogram"},
        ),
        (
            "units:convert_temperature",
            {"value": 20, "from_unit": "Celsius", "to_unit": "deg F"},
            {"value": 20, "from_unit": "celsius", "to_unit": "fahrenheit"},
        ),
        ("calendar:day_of_week", {"date": "March 20, 2026"}, {"date": "2026-03-20"}),
        (
            "calendar:convert_time",
            {
                "datetime": "2026-03-20 15:00",
                "from_timezone": "Asia/Tokyo",
                "to_timezone": "America/New York",
            },
            {
                "datetime": "2026-03-20T15:00:00",
                "from_timezone": "Asia/Tokyo",
                "to_timezone": "America/New_York",
            },
        ),
        (
            "calendar:list_holidays",
            {"country_code": "de", "year": "2026"},
            {"country_code": "DE", "year": 2026},
        ),
        (
            "calendar:create_event",
            {
                "calendar_id": "CAL-ENG",
                "title": "Sync",
                "start": "2026-03-20 09:30",
                "duration_minutes": 30,
                "attendees": "Ana, Bo",
            },
            {
                "calendar_id": "CAL-ENG",
                "title": "Sync",
                "start": "2026-03-20T09:30:00",
                "duration_minutes": 30,
                "attendees": ["Ana", "Bo"],
            },
        ),
        (
            "shop:compute_order_total",
            {"items": {"product_id": "P-1001", "quantity": 1}},
            {"items": [{"product_id": "P-1001", "quantity": 1}]},
        ),
    ],
)
def test_values_are_coerced_to_the_bundled_schemas(bundled, tool, args, fixed):
    result = one(bundled, tool, args)
    assert result.workflow.node("n1").args == fixed
    assert errors(result) == []
    assert all(e.op is EditOp.SET_ARG and e.reason for e in result.edits)


@pytest.mark.parametrize(
    ("tool", "args", "fixed"),
    [
        (
            "Unit Converter:convert_temperature",
            {"value": "30", "from_unit": "C", "to_unit": "Kelvin"},
            {"value": 30, "from_unit": "celsius", "to_unit": "kelvin"},
        ),
        (
            "Unit Converter:convert_length",
            {"value": 1, "from_unit": "nautical miles", "to_unit": "ft"},
            {"value": 1, "from_unit": "nautical mile", "to_unit": "foot"},
        ),
        (
            "Unit Converter:convert_time",
            {"value": 90, "from_unit": "minute", "to_unit": "hrs"},
            {"value": 90, "from_unit": "minutes", "to_unit": "hours"},
        ),
        (
            "BioMCP:search",
            {"query": "BRAF", "page": "2", "explain_query": "false"},
            {"query": "BRAF", "page": 2, "explain_query": False},
        ),
    ],
)
def test_values_are_coerced_to_the_mcpbench_schemas(bench, tool, args, fixed):
    result = one(bench, tool, args)
    assert result.workflow.node("n1").args == fixed
    assert errors(result) == []


def test_limits_are_clamped_but_data_values_are_not(bundled):
    result = one(bundled, "library:search_papers", {"query": "graphs", "limit": 500})
    assert result.workflow.node("n1").args["limit"] == 50
    assert "clamped" in result.edits[0].reason
    days = one(bundled, "weather:forecast", {"station_id": "WX-OSL-01", "days": 30})
    assert days.workflow.node("n1").args["days"] == 7
    shift = one(bundled, "calendar:add_duration", {"datetime": "2026-03-20T10:00", "days": 5000})
    assert shift.workflow.node("n1").args["days"] == 5000 and errors(shift, IssueCode.ARG_RANGE)
    money = one(
        bundled, "shop:convert_currency", {"amount": -5, "from_currency": "EUR", "to_currency": "JPY"}
    )
    assert money.workflow.node("n1").args["amount"] == -5 and errors(money, IssueCode.ARG_RANGE)


def test_a_template_where_a_number_is_needed_becomes_its_reference(bundled):
    result = repaired(
        bundled,
        {"id": "n1", "tool": "weather:current_conditions", "args": {"station_id": "WX-OSL-01"}},
        {
            "id": "n2",
            "tool": "units:convert_temperature",
            "args": {"value": "{n1.temperature} C", "from_unit": "celsius", "to_unit": "kelvin"},
        },
        {"id": "answer", "answer": "{n2}"},
    )
    assert result.workflow.node("n2").args["value"] == Ref("n1", ("temperature",))
    assert errors(result) == []


@pytest.mark.parametrize(
    ("tool", "args", "code"),
    [
        (
            "units:convert_length",
            {"value": "far", "from_unit": "mile", "to_unit": "meter"},
            IssueCode.ARG_TYPE,
        ),
        ("units:convert_length", {"value": 1, "from_unit": "metric", "to_unit": "meter"}, IssueCode.ARG_ENUM),
        ("calendar:day_of_week", {"date": "next Friday"}, IssueCode.ARG_PATTERN),
        ("calendar:day_of_week", {"date": "03/04/2026"}, IssueCode.ARG_PATTERN),
    ],
)
def test_unclear_values_are_left_alone(bundled, tool, args, code):
    result = one(bundled, tool, args)
    assert ops(result) == []
    assert [i.code for i in errors(result)] == [code]


# ---------------------------------------------------------------- options the task names


@pytest.mark.parametrize(
    "task, options, named",
    [
        ("How many nautical miles from Oslo?", ["mile", "nautical_mile"], ["nautical_mile"]),
        ("How many kilometres is 26.2 miles?", ["kilometer", "mile"], ["kilometer", "mile"]),
        ("Ten feet in metres, please", ["foot", "meter", "millimeter"], ["foot", "meter"]),
        ("Send it by express", ["standard", "express"], ["express"]),
        ("How warm is it in Oslo?", ["celsius", "fahrenheit"], []),
        ("An expressway in Oslo", ["standard", "express"], []),
    ],
)
def test_the_options_a_task_names(task, options, named):
    from evoflux.request.options import named_options

    assert named_options(task, options) == named


def test_an_enum_argument_takes_the_one_option_the_task_names(bundled):
    result = one(
        bundled,
        "shop:get_shipping_quote",
        {"weight_kg": 2.5, "destination_country": "CA", "speed": "standard"},
        task="What does express shipping of 2.5 kg to Canada cost?",
    )
    assert result.workflow.node("n1").args["speed"] == "express"
    assert "express" in result.edits[0].reason
    unset = one(
        bundled,
        "shop:get_shipping_quote",
        {"weight_kg": 2.5, "destination_country": "CA"},
        task="What does express shipping of 2.5 kg to Canada cost?",
    )
    assert unset.workflow.node("n1").args["speed"] == "express"


def test_an_option_another_argument_already_takes_is_not_chosen_twice(bundled):
    converted = one(
        bundled,
        "units:convert_length",
        {"value": 26.2, "from_unit": "mile", "to_unit": "meter"},
        task="How many kilometres is 26.2 miles?",
    )
    assert converted.workflow.node("n1").args == {"value": 26.2, "from_unit": "mile", "to_unit": "kilometer"}
    both_named = one(
        bundled,
        "units:convert_temperature",
        {"value": 76.1, "from_unit": "fahrenheit", "to_unit": "celsius"},
        task="How warm is it in Sydney, in Fahrenheit?",
    )
    assert ops(both_named) == []  # the only named option is taken by from_unit
