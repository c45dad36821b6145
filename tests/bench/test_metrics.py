"""Benchmark metrics: MCP-Bench's rule-based metrics on real workflows and executions, and bootstrap summaries."""

import random

import pytest

from evoflux.bench.metrics import (
    ALL_METRICS,
    RULE_METRICS,
    bootstrap,
    bootstrap_difference,
    per_task_means,
    record_steps,
    record_value,
    rule_based_metrics,
    summarize,
    summarize_by_tag,
)
from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.execute.outcome import Execution, NodeOutcome, NodeStatus
from evoflux.workflow.parse import parse_workflow
from evoflux.workflow.validators import VALIDATOR_SERVER, VALIDATOR_TOOLS

CATALOG = ToolCatalog(
    {
        "weather": [
            ToolSpec(
                "weather",
                "current",
                input_schema={
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                    "additionalProperties": False,
                },
            )
        ],
        "units": [
            ToolSpec(
                "units",
                "convert",
                input_schema={
                    "type": "object",
                    "properties": {
                        "value": {"type": "number"},
                        "from_unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                        "to_unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                    },
                    "required": ["value", "from_unit", "to_unit"],
                },
            )
        ],
        # The validator server is in the catalog too: its steps must still not count as tool calls.
        VALIDATOR_SERVER: [VALIDATOR_TOOLS["assert_present"]],
    }
)

# n3 names a tool the catalog does not have; v1 is an in-process validator step.
WORKFLOW = parse_workflow(
    {
        "nodes": [
            {"id": "n1", "tool": "weather:current", "args": {"city": "Oslo"}},
            {
                "id": "n2",
                "tool": "units:convert",
                "args": {"value": "$n1.temp_c", "from_unit": "celsius", "to_unit": "fahrenheit"},
            },
            {"id": "n3", "tool": "weather:forcast", "args": {"city": "Oslo"}},
            {"id": "v1", "tool": f"{VALIDATOR_SERVER}:assert_present", "args": {"value": "$n2.value"}},
            {"id": "a", "answer": "It is {n2.value} F"},
        ]
    }
)
GOOD_CONVERT = {"value": 3.5, "from_unit": "celsius", "to_unit": "fahrenheit"}


def execution(**outcomes: NodeOutcome) -> Execution:
    return Execution(workflow=WORKFLOW, outcomes=outcomes, wall_seconds=0.1, tool_calls=len(outcomes))


def ok(node: str, args: dict | None = None) -> NodeOutcome:
    return NodeOutcome(node, NodeStatus.OK, output={"value": 1}, args=args)


def failed(node: str, status: NodeStatus = NodeStatus.TOOL_ERROR, args: dict | None = None) -> NodeOutcome:
    return NodeOutcome(node, status, error="boom", args=args)


def skipped(node: str) -> NodeOutcome:
    return NodeOutcome(node, NodeStatus.SKIPPED, error="skipped: input failed")


def test_workflow_parses_into_the_nodes_the_tests_assume():
    assert [(n.id, n.server, n.tool) for n in WORKFLOW.tool_nodes] == [
        ("n1", "weather", "current"),
        ("n2", "units", "convert"),
        ("n3", "weather", "forcast"),
        ("v1", VALIDATOR_SERVER, "assert_present"),
    ]


def test_unknown_tool_lowers_the_valid_name_rate_and_a_failed_valid_call_the_failure_rate():
    run = execution(
        n1=ok("n1", {"city": "Oslo"}),
        n2=failed("n2", args=GOOD_CONVERT),
        n3=failed("n3", args={"city": "Oslo"}),
        v1=skipped("v1"),
        a=skipped("a"),
    )
    assert rule_based_metrics(WORKFLOW, run, CATALOG) == {
        "calls": 3,
        "valid_calls": 2,
        "attempted": 3,
        "schema_checked": 2,
        "valid_tool_name_rate": pytest.approx(2 / 3),
        "input_schema_compliance": 1.0,
        "execution_success_rate": pytest.approx(1 / 3),
        "valid_call_failure_rate": 0.5,
    }


def test_schema_violating_arguments_are_non_compliant():
    run = execution(
        n1=ok("n1", {"city": "Oslo", "units": "metric"}),  # additionalProperties is false
        n2=failed(
            "n2",
            NodeStatus.SCHEMA_REJECTED,
            {"value": "warm", "from_unit": "celsius", "to_unit": "fahrenheit"},
        ),
        n3=failed("n3", args={"city": "Oslo"}),
        v1=skipped("v1"),
        a=skipped("a"),
    )
    metrics = rule_based_metrics(WORKFLOW, run, CATALOG)
    assert metrics["input_schema_compliance"] == 0.0
    assert metrics["schema_checked"] == 2
    run_ok_args = execution(
        n1=ok("n1", {"city": "Oslo"}),
        n2=failed(
            "n2",
            NodeStatus.SCHEMA_REJECTED,
            {"value": "warm", "from_unit": "celsius", "to_unit": "fahrenheit"},
        ),
        n3=failed("n3", args={"city": "Oslo"}),
    )
    assert rule_based_metrics(WORKFLOW, run_ok_args, CATALOG)["input_schema_compliance"] == 0.5


def test_a_skipped_node_was_not_called_and_its_reference_arguments_are_not_judged():
    run = execution(
        n1=failed("n1", args={"city": "Oslo"}),
        n2=skipped("n2"),
        n3=failed("n3", args={"city": "Oslo"}),
        v1=skipped("v1"),
        a=skipped("a"),
    )
    metrics = rule_based_metrics(WORKFLOW, run, CATALOG)
    assert metrics["attempted"] == 2  # n1 and n3; not the skipped n2
    assert metrics["execution_success_rate"] == 0.0
    assert metrics["valid_call_failure_rate"] == 1.0  # n1 of the attempted valid calls {n1}
    assert metrics["schema_checked"] == 1  # n1 only: n2 did not run and reads n1
    assert metrics["input_schema_compliance"] == 1.0


def test_an_unresolved_reference_is_an_attempted_failed_non_compliant_call():
    run = execution(
        n1=ok("n1", {"city": "Oslo"}),
        n2=failed("n2", NodeStatus.UNRESOLVED_REF),
        n3=failed("n3", args={"city": "Oslo"}),
    )
    metrics = rule_based_metrics(WORKFLOW, run, CATALOG)
    assert metrics["attempted"] == 3
    assert metrics["input_schema_compliance"] == 0.5
    assert metrics["valid_call_failure_rate"] == 0.5


def test_validator_steps_are_not_tool_calls():
    workflow = parse_workflow(
        {
            "nodes": [
                {"id": "n1", "tool": "weather:current", "args": {"city": "Oslo"}},
                {"id": "v1", "tool": f"{VALIDATOR_SERVER}:assert_present", "args": {"value": "$n1.temp"}},
            ]
        }
    )
    run = Execution(
        workflow=workflow,
        outcomes={
            "n1": ok("n1", {"city": "Oslo"}),
            "v1": failed("v1", args={"value": None}),
        },
        wall_seconds=0.1,
        tool_calls=1,
    )
    assert rule_based_metrics(workflow, run, CATALOG) == {
        "calls": 1,
        "valid_calls": 1,
        "attempted": 1,
        "schema_checked": 1,
        "valid_tool_name_rate": 1.0,
        "input_schema_compliance": 1.0,
        "execution_success_rate": 1.0,
        "valid_call_failure_rate": 0.0,
    }


def test_without_an_execution_literal_arguments_are_judged_and_execution_rates_are_none():
    metrics = rule_based_metrics(WORKFLOW, None, CATALOG)
    assert metrics["calls"] == 3 and metrics["attempted"] == 0
    assert metrics["schema_checked"] == 1 and metrics["input_schema_compliance"] == 1.0
    assert metrics["execution_success_rate"] is None and metrics["valid_call_failure_rate"] is None
    bad = parse_workflow({"nodes": [{"id": "n1", "tool": "weather:current", "args": {"city": 42}}]})
    assert rule_based_metrics(bad, None, CATALOG)["input_schema_compliance"] == 0.0


def test_the_execution_workflow_is_used_without_a_workflow_and_nothing_gives_none():
    run = execution(n1=ok("n1", {"city": "Oslo"}), n2=ok("n2", GOOD_CONVERT), n3=failed("n3"))
    assert rule_based_metrics(None, run, CATALOG)["calls"] == 3
    empty = rule_based_metrics(None, None, CATALOG)
    assert empty["calls"] == 0
    assert all(empty[name] is None for name in RULE_METRICS)


# ---------------------------------------------------------------- records and bootstrap


def record(task: str, strategy: str = "evoflux", seed: int = 0, **fields) -> dict:
    base = {
        "task_id": task,
        "strategy": strategy,
        "seed": seed,
        "tags": [],
        "steps": None,
        "status": "done",
        "error": None,
        "success": True,
        "executed": True,
        "cost": {
            "model_calls": 1,
            "prompt_tokens": 10,
            "completion_tokens": 5,
            "tool_calls": 1,
            "seconds": 1.0,
        },
        "metrics": {},
        "fitness_curve": [],
    }
    return {**base, **fields}


def test_record_values_failed_records_and_steps():
    assert record_value(record("t", success=None), "success") is None
    assert record_value(record("t", status="failed", success=True, executed=True), "success") == 0.0
    assert record_value(record("t", status="failed", executed=True), "feasibility") == 0.0
    assert record_value(record("t"), "tokens") == 15.0
    assert record_value(record("t", metrics={"valid_tool_name_rate": None}), "valid_tool_name_rate") is None
    assert record_value(record("t", judge={"grounding": 7}), "judge.grounding") == 7.0
    assert record_steps(record("t", tags=["steps:3"])) == 3
    assert record_steps(record("t", steps=2, tags=["steps:3"])) == 2
    with pytest.raises(ValueError, match="unknown metric"):
        record_value(record("t"), "speed")


def test_bootstrap_interval_contains_the_mean_and_is_deterministic_for_a_seed():
    values = [random.Random(i).random() for i in range(30)]
    first = bootstrap(values, seed=3)
    assert first is not None
    assert first.low < first.mean < first.high
    assert first.mean == pytest.approx(sum(values) / len(values))
    assert bootstrap(values, seed=3) == first
    assert bootstrap(values, seed=4) != first
    assert first.tasks == len(values)


def test_bootstrap_interval_widens_with_fewer_tasks():
    many = bootstrap([0.0, 1.0] * 20)
    few = bootstrap([0.0, 1.0] * 3)
    assert many is not None and few is not None
    assert many.mean == few.mean == 0.5
    assert few.high - few.low > many.high - many.low


def test_degenerate_inputs_give_a_zero_width_interval_and_no_values_give_none():
    same = bootstrap([1.0] * 12)
    assert same is not None and (same.low, same.mean, same.high) == (1.0, 1.0, 1.0)
    assert bootstrap([]) is None
    single = bootstrap([0.25])
    assert single is not None and single.low == single.high == 0.25


def test_seeds_are_averaged_per_task_before_tasks_are_resampled():
    records = [
        record("t1", seed=0, success=True),
        record("t1", seed=1, success=False),
        record("t1", seed=2, success=False),
        record("t2", seed=0, success=True),
    ]
    assert per_task_means(records, "success") == {"t1": pytest.approx(1 / 3), "t2": 1.0}
    (row,) = summarize(records, resamples=500)
    assert row.estimates["success"].mean == pytest.approx(2 / 3)  # not 2/4 over records
    assert row.estimates["success"].tasks == 2
    assert (row.records, row.tasks, row.solved) == (4, 2, 2)


def test_summarize_groups_failures_costs_and_rule_metrics():
    records = [
        record("t1", "a", metrics={"valid_tool_name_rate": 1.0, "execution_success_rate": None}),
        record("t2", "a", success=False, executed=False, metrics={"valid_tool_name_rate": 0.5}),
        record("t3", "a", success=None, metrics={}),
        record("t1", "b", status="failed", error="crash", success=False, executed=False, cost={}),
        record("t2", "b", success=False),
    ]
    rows = summarize(records, resamples=200)
    assert [r.group for r in rows] == [{"strategy": "a"}, {"strategy": "b"}]
    a, b = rows
    assert a.estimates["success"].mean == 0.5 and a.estimates["success"].tasks == 2
    assert a.estimates["feasibility"].mean == pytest.approx(2 / 3)
    assert a.estimates["valid_tool_name_rate"].mean == 0.75
    assert a.estimates["execution_success_rate"] is None
    assert a.tokens_per_solved == 45.0 and a.model_calls_per_solved == 3.0
    assert (a.failed, b.failed) == (0, 1)
    assert b.failures == [{"task_id": "t1", "seed": 0, "error": "crash"}]
    assert b.estimates["success"].mean == 0.0 and b.estimates["feasibility"].mean == 0.5
    assert b.estimates["model_calls"].tasks == 1  # the failed record recorded no cost
    assert b.tokens_per_solved is None and b.model_calls_per_solved is None
    assert set(ALL_METRICS) <= set(a.estimates)
    assert summarize(records, resamples=200) == rows


def test_summarize_by_tag_counts_a_record_in_each_of_its_tags():
    records = [
        record("t1", tags=["units", "easy"], success=True),
        record("t2", tags=["units"], success=False),
        record("t3", tags=[], success=False),
    ]
    rows = {r.group["tag"]: r for r in summarize_by_tag(records, resamples=100)}
    assert sorted(rows) == ["(untagged)", "easy", "units"]
    assert rows["units"].estimates["success"].mean == 0.5
    assert rows["easy"].estimates["success"].mean == 1.0
    assert rows["(untagged)"].estimates["success"].mean == 0.0
    assert set(rows["units"].estimates) == {"success", "feasibility"}


def test_judge_dimensions_are_summarized_when_present():
    records = [record("t1", judge={"grounding": 6}), record("t2", judge={"grounding": 8}), record("t3")]
    (row,) = summarize(records, resamples=100)
    assert row.estimates["judge.grounding"].mean == 7.0 and row.estimates["judge.grounding"].tasks == 2


def test_paired_difference_and_unpaired_difference():
    a = {"t1": 0.0, "t2": 0.0, "t3": 1.0}
    b = {"t1": 1.0, "t2": 1.0, "t3": 1.0}
    paired = bootstrap_difference(a, b, resamples=500)
    assert paired is not None and paired.mean == pytest.approx(2 / 3)
    assert paired.low <= paired.mean <= paired.high
    same = bootstrap_difference(a, a, resamples=500)
    assert same is not None and (same.low, same.mean, same.high) == (0.0, 0.0, 0.0)
    unpaired = bootstrap_difference(a, {"t9": 1.0}, resamples=500)
    assert unpaired is not None and unpaired.mean == pytest.approx(2 / 3)
    assert bootstrap_difference({}, b) is None
