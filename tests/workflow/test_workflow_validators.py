"""Validator steps: `insert_validator` checks and gates the readers, the validators pass and fail as they say."""

from __future__ import annotations

import pytest
from weather_world import oslo

from evoflux.catalog.tools import ToolCatalog
from evoflux.workflow import Ref, check_workflow, parse_workflow
from evoflux.workflow.glue import with_pseudo_tools
from evoflux.workflow.paths import EditError
from evoflux.workflow.validators import (
    VALIDATOR_SERVER,
    VALIDATOR_TOOLS,
    ValidatorCheck,
    evaluate_validator,
    insert_validator,
)


def test_insert_validator_checks_and_gates_the_readers(weather):
    check = ValidatorCheck("assert_range", ("temperature",), {"minimum": -90, "maximum": 60})
    new, edit = insert_validator(oslo(weather), "n2", check)
    assert new.ids == ("n1", "n2", "v1", "n3", "answer")
    validator = new.node("v1")
    assert (validator.server, validator.tool) == (VALIDATOR_SERVER, "assert_range")
    assert validator.args == {"value": Ref("n2", ("temperature",)), "minimum": -90, "maximum": 60}
    assert new.node("n3").after == ("v1",)
    assert edit.after["gates"] == ["n3"]
    assert check_workflow(new, with_pseudo_tools(weather)) == []


def test_insert_validator_refusals(weather):
    with pytest.raises(EditError, match="unknown validator"):
        insert_validator(oslo(weather), "n2", ValidatorCheck("assert_magic"))
    with pytest.raises(EditError, match="bad validator arguments"):
        insert_validator(oslo(weather), "n2", ValidatorCheck("assert_type", (), {"type": "decimal"}))
    with pytest.raises(EditError, match="nothing reads n3"):
        insert_validator(
            parse_workflow({"nodes": [{"id": "n3", "tool": "s:t", "args": {}}]}),
            "n3",
            ValidatorCheck("assert_present"),
        )
    with pytest.raises(EditError, match="cycle"):
        insert_validator(oslo(weather), "n2", ValidatorCheck("assert_present"), gate=["n1"])


@pytest.mark.parametrize(
    ("tool", "args", "ok"),
    [
        ("assert_present", {"value": 0}, True),
        ("assert_present", {"value": None}, False),
        ("assert_nonempty", {"value": [1]}, True),
        ("assert_nonempty", {"value": "  "}, False),
        ("assert_nonempty", {"value": {}}, False),
        ("assert_type", {"value": 3, "type": "number"}, True),
        ("assert_type", {"value": 3.0, "type": "integer"}, True),
        ("assert_type", {"value": True, "type": ["number", "string"]}, False),
        ("assert_type", {"value": [], "type": "array"}, True),
        ("assert_range", {"value": 21.5, "minimum": -90, "maximum": 60}, True),
        ("assert_range", {"value": 99, "maximum": 60}, False),
        ("assert_range", {"value": "21", "minimum": 0}, False),
        ("assert_matches", {"value": "WX-OSL-01", "pattern": r"^WX-[A-Z]{3}-\d{2}$"}, True),
        ("assert_matches", {"value": "WX-MAD", "pattern": r"^WX-[A-Z]{3}-\d{2}$"}, False),
    ],
)
def test_evaluate_validator(tool, args, ok):
    passed, message = evaluate_validator(tool, args)
    assert passed is ok and message


@pytest.mark.parametrize(
    ("tool", "args", "said"),
    [
        ("assert_magic", {"value": 1}, "unknown validator"),
        ("assert_range", {"value": 1}, "bad arguments"),
        ("assert_type", {"value": 1, "type": "decimal"}, "bad arguments"),
        ("assert_present", {}, "bad arguments"),
        ("assert_matches", {"value": "x", "pattern": "("}, "not a valid regular expression"),
    ],
)
def test_evaluate_validator_fails_closed_on_bad_calls(tool, args, said):
    passed, message = evaluate_validator(tool, args)
    assert not passed and said in message


def test_validator_specs_are_complete():
    assert set(VALIDATOR_TOOLS) == {
        "assert_present",
        "assert_nonempty",
        "assert_type",
        "assert_range",
        "assert_matches",
    }
    for spec in VALIDATOR_TOOLS.values():
        assert spec.server == VALIDATOR_SERVER and spec.required[0] == "value"
        assert spec.input_schema["additionalProperties"] is False and spec.output_schema
    assert with_pseudo_tools(with_pseudo_tools(ToolCatalog({}))).servers == (VALIDATOR_SERVER,)
