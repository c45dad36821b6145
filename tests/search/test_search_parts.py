"""Fitness tiers, adaptive intensity, budget metering, structural distance and diversity pruning."""

from __future__ import annotations

import random

from evoflux.execute.outcome import Execution, NodeOutcome, NodeStatus
from evoflux.llm import CallRecord, Purpose, UsageLedger
from evoflux.scoring.budget import Budget, BudgetMeter
from evoflux.scoring.candidate import Candidate
from evoflux.scoring.fitness import Fitness, looks_failed, score
from evoflux.search.intensity import AdaptiveIntensity
from evoflux.search.population import distance, prune, signature, tournament
from evoflux.workflow.check import Issue, IssueCode
from evoflux.workflow.parse import parse_workflow

CHAIN = {
    "nodes": [
        {"id": "n1", "tool": "geo:search_cities", "args": {"name": "Lisbon"}},
        {"id": "n2", "tool": "geo:get_city", "args": {"city_id": "$n1.cities[0].city_id"}},
        {"id": "answer", "answer": "{n2.name} has {n2.population} people"},
    ]
}


def run(workflow, statuses: dict[str, str], outputs: dict[str, object] | None = None) -> Execution:
    outputs = outputs or {}
    outcomes = {
        node: NodeOutcome(
            node, NodeStatus(status), output=outputs.get(node, {"v": 1}) if status == "ok" else None
        )
        for node, status in statuses.items()
    }
    return Execution(workflow=workflow, outcomes=outcomes, wall_seconds=0.1, tool_calls=len(statuses) - 1)


def test_fitness_tiers_order_partial_full_and_grounded_runs():
    wf = parse_workflow(CHAIN)
    error = Issue(IssueCode.ARG_TYPE, "n2", "city_id", "wrong type", "fix it")
    nothing = score(wf, [error], None)
    partial = score(wf, [], run(wf, {"n1": "ok", "n2": "tool_error", "answer": "skipped"}))
    full = score(wf, [], run(wf, {"n1": "ok", "n2": "ok", "answer": "ok"}))
    assert nothing < partial < full
    assert not partial.executed and partial.ok_share == 0.5
    assert full.complete and full.value > partial.value > nothing.value

    ungrounded = parse_workflow(
        {**CHAIN, "nodes": [*CHAIN["nodes"][:2], {"id": "answer", "answer": "Lisbon is big"}]}
    )
    fitness = score(ungrounded, [], run(ungrounded, {"n1": "ok", "n2": "ok", "answer": "ok"}))
    assert fitness.executed and not fitness.grounded and not fitness.complete
    assert fitness < full


def test_a_step_that_was_called_and_failed_ranks_above_one_that_was_never_called():
    # The same failed share: a reference repaired so that n2 now runs (and fails at its server) has got further.
    wf = parse_workflow(CHAIN)
    unresolved = score(wf, [], run(wf, {"n1": "ok", "n2": "unresolved_ref", "answer": "skipped"}))
    called = score(wf, [], run(wf, {"n1": "ok", "n2": "tool_error", "answer": "skipped"}))
    assert unresolved.ok_share == called.ok_share
    assert (unresolved.reached, called.reached) == (0.5, 1.0)
    assert called > unresolved


def test_error_text_returned_as_success_does_not_count_as_executed():
    wf = parse_workflow(CHAIN)
    fooled = run(wf, {"n1": "ok", "n2": "ok", "answer": "ok"}, {"n2": "Error: city not found"})
    assert looks_failed(fooled.outcomes["n2"]) and not looks_failed(fooled.outcomes["n1"])
    fitness = score(wf, [], fooled)
    assert not fitness.executed and fitness.ok_share == 0.5


def test_fewer_calls_break_ties_and_repeated_calls_cost_flow():
    twice = parse_workflow(
        {
            "nodes": [
                {"id": "n1", "tool": "geo:search_cities", "args": {"name": "Lisbon"}},
                {"id": "n2", "tool": "geo:search_cities", "args": {"name": "Lisbon"}},
                {"id": "answer", "answer": "{n1.cities} {n2.cities}"},
            ]
        }
    )
    once = parse_workflow({"nodes": [CHAIN["nodes"][0], {"id": "answer", "answer": "{n1.cities}"}]})
    a = score(twice, [], run(twice, {"n1": "ok", "n2": "ok", "answer": "ok"}))
    b = score(once, [], run(once, {"n1": "ok", "answer": "ok"}))
    assert b > a and b.flow > a.flow


def test_intensity_rises_while_stalled_and_falls_after_real_improvement():
    intensity = AdaptiveIntensity()
    start = intensity.exploration
    for _ in range(10):
        intensity.observe(0.5, 0.5)
    stalled = intensity.exploration
    assert stalled > start + 0.05 and intensity.stalled == 10
    intensity.observe(0.5, 0.8)
    assert intensity.exploration < stalled - 0.1 and intensity.stalled == 0
    assert (
        AdaptiveIntensity(enabled=False).exploration
        == AdaptiveIntensity(enabled=False, energy=50).exploration
    )


def test_budget_meter_counts_model_calls_tokens_and_tool_calls_since_it_started():
    ledger = UsageLedger()
    ledger.record(CallRecord(Purpose.PLAN, "m", 500, 50, 1.0))  # before the meter: not ours
    meter = BudgetMeter(Budget(model_calls=2, tokens=1_000, tool_calls=5), ledger)
    assert meter.can_call_model(900) and not meter.can_call_model(1_001)
    ledger.record(CallRecord(Purpose.PLAN, "m", 600, 100, 1.0))
    assert meter.model_calls == 1 and meter.tokens == 700
    assert not meter.can_call_model(400)
    meter.tool_calls = 4
    assert meter.can_execute(1) and not meter.can_execute(2)
    ledger.record(CallRecord(Purpose.EDIT, "m", 100, 10, 1.0))
    assert meter.exhausted() == "model calls"


def test_no_model_call_starts_when_less_time_is_left_than_a_typical_call_takes():
    ledger = UsageLedger()
    meter = BudgetMeter(Budget(model_calls=10, seconds=60.0), ledger)
    meter.started -= 52.0  # 8 s left
    assert meter.can_call_model()  # nothing known about call durations yet
    for seconds in (6.0, 12.0, 10.0):
        ledger.record(CallRecord(Purpose.EDIT, "m", 100, 10, seconds))
    assert meter.typical_call_seconds() == 10.0
    assert not meter.can_call_model()
    ledger.record(CallRecord(Purpose.EDIT, "m", 100, 10, 1.0, replayed=True))  # replays say nothing of time
    ledger.record(CallRecord(Purpose.EDIT, "m", 0, 0, 0.1, error="TimeoutError"))  # nor do failed calls
    assert meter.typical_call_seconds() == 10.0
    meter.started += 5.0  # 13 s left
    assert meter.can_call_model()


def test_reserving_for_the_answer_takes_calls_tokens_and_seconds_and_never_goes_negative():
    budget = Budget(model_calls=6, tokens=16_000, tool_calls=60, seconds=60.0, iterations=4)
    kept = budget.reserve(model_calls=1, tokens=1_500, seconds=9.0)
    assert (kept.model_calls, kept.tokens, kept.seconds) == (5, 14_500, 51.0)
    assert (kept.tool_calls, kept.iterations) == (60, 4)
    assert Budget(model_calls=1, tokens=100, seconds=5.0).reserve(2, 500, 10.0) == Budget(0, 0, 120, 0.0, 5)


def candidate(cid: str, workflow, value_ok: float) -> Candidate:
    fitness = Fitness(
        True,
        value_ok,
        value_ok == 1.0,
        value_ok == 1.0,
        1.0,
        1.0,
        value_ok,
        1.0,
        -len(workflow.tool_nodes),
        -1,
    )
    return Candidate(cid, workflow, [], None, fitness, "plan", 0)


def test_distance_is_structural_and_pruning_keeps_the_best_and_a_different_one():
    a = parse_workflow(CHAIN)
    same_shape = parse_workflow(
        {**CHAIN, "nodes": [{**CHAIN["nodes"][0], "args": {"name": "Porto"}}, *CHAIN["nodes"][1:]]}
    )
    other = parse_workflow(
        {
            "nodes": [
                {"id": "n1", "tool": "weather:search_stations", "args": {"city": "Lisbon"}},
                {"id": "answer", "answer": "{n1}"},
            ]
        }
    )
    assert distance(a, same_shape) == 0.0 and signature(a) != signature(same_shape)
    assert distance(a, other) == 1.0
    population = [candidate("c1", a, 0.5), candidate("c2", same_shape, 0.45), candidate("c3", other, 0.4)]
    assert [c.id for c in prune(population, 2)] == ["c1", "c3"]
    assert [c.id for c in prune(population, 2, diversity=False)] == ["c1", "c2"]


def test_tournament_returns_the_fitter_of_those_drawn():
    wf = parse_workflow(CHAIN)
    population = [candidate(f"c{i}", wf, i / 10) for i in range(6)]
    rng = random.Random(3)
    winners = {tournament(population, rng, size=6).id for _ in range(5)}
    assert winners == {"c5"}


def test_coverage_asks_that_the_requests_names_reach_the_workflow():
    from evoflux.request.text import salient_terms
    from evoflux.scoring.fitness import coverage

    task = "How far is Lisbon from the capital of Germany, in miles?"
    assert salient_terms(task) == {"lisbon", "germany"}
    assert salient_terms("Business days in Germany between 1 April and 30 April?") == {"germany"}
    wrong = parse_workflow(
        {
            "nodes": [
                {"id": "n1", "tool": "geo:get_country", "args": {"country_code": "DE"}},
                {"id": "answer", "answer": "{n1.name}"},
            ]
        }
    )
    done = run(wrong, {"n1": "ok", "answer": "ok"}, {"n1": {"name": "Germany", "capital_name": "Berlin"}})
    assert coverage(task, wrong, done) == 0.5
    fitness = score(wrong, [], done, task)
    assert fitness.executed and fitness.grounded and not fitness.complete
    zurich = parse_workflow(
        {
            "nodes": [
                {"id": "n1", "tool": "geo:search_cities", "args": {"name": "Zürich"}},
                {"id": "answer", "answer": "{n1}"},
            ]
        }
    )
    assert coverage("How big is Zürich?", zurich, None) == 1.0  # names outside ASCII are found too
    quote = parse_workflow(
        {
            "nodes": [
                {"id": "n1", "tool": "shop:get_shipping_quote", "args": {"destination_country": "JP"}},
                {"id": "answer", "answer": "{n1.price}"},
            ]
        }
    )
    assert coverage("Shipping 2 kg to Japan?", quote, None) == 1.0  # a country reaches the tool as its code
    assert coverage("Shipping 2 kg to Norway?", quote, None) == 0.0
    assert salient_terms("Is the book 'The Quiet Algorithm' at the Central branch?") >= {
        "the quiet algorithm",
        "central",
    }


def test_shortfalls_need_evidence_from_steps_options_used_and_no_made_up_ids():
    from evoflux.catalog.tools import ToolSpec
    from evoflux.scoring.fitness import shortfalls

    conditions = ToolSpec(
        "weather",
        "current_conditions",
        input_schema={
            "type": "object",
            "properties": {"station_id": {"type": "string"}, "units": {"enum": ["metric", "imperial"]}},
            "required": ["station_id"],
        },
    )
    speed = ToolSpec(
        "units",
        "convert_speed",
        input_schema={
            "type": "object",
            "properties": {"value": {"type": "number"}, "to_unit": {"enum": ["mile_per_hour", "knot"]}},
        },
    )
    task = "What is the wind speed in Stockholm at the moment, in knots?"
    guessed = parse_workflow(
        {
            "task": task,
            "nodes": [
                {"id": "n1", "tool": "weather:current_conditions", "args": {"station_id": "WX-OSL-01"}},
                {"id": "answer", "answer": "The wind in Stockholm is {n1.wind_speed} knots"},
            ],
        }
    )
    done = run(guessed, {"n1": "ok", "answer": "ok"}, {"n1": {"station_id": "WX-OSL-01", "wind_speed": 8.6}})
    checks, missing = shortfalls(task, guessed, done, [conditions, speed])
    assert checks == 3  # the name Stockholm, the option knot, the station id
    assert len(missing) == 3
    assert any("'stockholm'" in m for m in missing)  # the answer's own words are no evidence
    assert any("'knot'" in m for m in missing)
    assert any("WX-OSL-01" in m and "made up" in m for m in missing)
    fitness = score(guessed, [], done, task, [conditions, speed])
    assert fitness.executed and fitness.grounded and not fitness.complete and fitness.covered == 0.0
    assert score(guessed, [], done, task).covered == 0.0  # without the tools only the name is checked

    looked_up = parse_workflow(
        {
            "task": task,
            "nodes": [
                {"id": "n0", "tool": "weather:search_stations", "args": {"city": "Stockholm"}},
                {"id": "n1", "tool": "weather:current_conditions", "args": {"station_id": "WX-STO-01"}},
                {
                    "id": "n2",
                    "tool": "units:convert_speed",
                    "args": {"value": "$n1.wind_speed", "to_unit": "knot"},
                },
                {"id": "answer", "answer": "{n2.result} knots"},
            ],
        }
    )
    outputs = {
        "n0": {"stations": [{"station_id": "WX-STO-01"}]},
        "n1": {"wind_speed": 6.5},
        "n2": {"result": 5.6},
    }
    finished = run(looked_up, {"n0": "ok", "n1": "ok", "n2": "ok", "answer": "ok"}, outputs)
    assert shortfalls(task, looked_up, finished, [conditions, speed]) == (3, [])
    assert score(looked_up, [], finished, task, [conditions, speed]).complete


def test_a_date_the_request_states_must_reach_a_step():
    from evoflux.scoring.fitness import shortfalls

    task = "How much rain fell in Bergen on 3 March 1979?"
    today = parse_workflow(
        {
            "nodes": [
                {"id": "n1", "tool": "weather:current_conditions", "args": {"station_id": "WX-BGO-01"}},
                {"id": "answer", "answer": "{n1.temperature}"},
            ]
        }
    )
    ran = run(today, {"n1": "ok", "answer": "ok"}, {"n1": {"city": "Bergen", "observed_at": "2026-03-16"}})
    checks, missing = shortfalls(task, today, ran)
    assert checks == 2 and missing == [
        "the request names the date 1979-03-03 but no step's arguments or results mention it"
    ]
    asked = parse_workflow(
        {
            "nodes": [
                {
                    "id": "n1",
                    "tool": "weather:historical_daily",
                    "args": {"station_id": "WX-BGO-01", "date": "1979-03-03"},
                },
                {"id": "answer", "answer": "{n1}"},
            ]
        }
    )
    assert (
        shortfalls(task, asked, run(asked, {"n1": "ok", "answer": "ok"}, {"n1": {"city": "Bergen"}}))[1] == []
    )
    from evoflux.catalog.tools import ToolSpec

    station = ToolSpec(
        "weather", "get_station", input_schema={"properties": {"station_id": {"type": "string"}}}
    )
    stuffed = parse_workflow(
        {
            "nodes": [
                {
                    "id": "n1",
                    "tool": "weather:get_station",
                    "args": {"station_id": "WX-BGO-01", "name": "1979-03-03"},
                },
                {"id": "answer", "answer": "{n1}"},
            ]
        }
    )
    done = run(stuffed, {"n1": "ok", "answer": "ok"}, {"n1": {"station_id": "WX-BGO-01", "city": "Bergen"}})
    assert shortfalls(task, stuffed, done)[1] == []  # without the tool's schema every argument counts
    assert any("1979-03-03" in m for m in shortfalls(task, stuffed, done, [station])[1])  # it ignored `name`


def test_shortfalls_flag_a_quantity_a_shown_tool_could_have_looked_up():
    from evoflux.catalog.tools import ToolSpec
    from evoflux.scoring.fitness import shortfalls

    quote = ToolSpec(
        "shop",
        "get_shipping_quote",
        input_schema={
            "type": "object",
            "properties": {"weight_kg": {"type": "number"}, "destination_country": {"type": "string"}},
            "required": ["weight_kg", "destination_country"],
        },
    )
    product = ToolSpec(
        "shop",
        "get_product",
        input_schema={
            "type": "object",
            "properties": {"product_id": {"type": "string"}},
            "required": ["product_id"],
        },
        output_schema={"type": "object", "properties": {"weight_kg": {"type": "number"}}},
    )
    task = "What does shipping the stand mixer to Canada cost?"
    guessed = parse_workflow(
        {
            "task": task,
            "nodes": [
                {
                    "id": "n1",
                    "tool": "shop:get_shipping_quote",
                    "args": {"weight_kg": 2, "destination_country": "CA"},
                },
                {"id": "answer", "answer": "{n1.price} EUR"},
            ],
        }
    )
    done = run(guessed, {"n1": "ok", "answer": "ok"}, {"n1": {"price": 75.0}})
    checks, missing = shortfalls(task, guessed, done, [quote, product])
    assert checks == 2 and missing == [
        "n1.weight_kg=2 is made up: the request does not state it and no step returned it; look it up with a "
        "tool step"
    ]
    assert shortfalls(task, guessed, done, [quote]) == (2, [])  # no shown tool returns a weight
    stated = "What does shipping 2 kg to Canada cost?"
    assert shortfalls(stated, guessed, done, [quote, product])[1] == []
