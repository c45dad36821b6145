"""The LLM judge: six MCP-Bench dimensions scored 1-10 from the request, the workflow run and the answer.

The replay tests replay `tests/cassettes/judge_local_qwen1p5b.jsonl`, recorded from the embedded
Qwen2.5-Coder-1.5B judging two results built from the bundled suite (in-process bundled servers, temperature 0):
a good one (the reference workflow and its own answer) and a bad one (a step rejected for a misspelt unit,
and an answer that states a temperature no step produced). Replay loads no model.

Re-record (needs xllamacpp and the local model; a few minutes on 2 busy cores):

    EVOFLUX_RECORD_CASSETTES=1 .venv/bin/pytest tests/bench/test_judge.py -k record -s

The recording test deletes the cassette first and prints each verdict and its prompt size; update RECORDED
below from that output (a changed prompt, schema or server data changes the replay keys, and replay then
fails with CassetteMiss until the cassette is recorded again).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from evoflux.bench.judge import (
    JUDGE_DIMENSIONS,
    MAX_TOKENS,
    NO_WORKFLOW_REASON,
    SCHEMA,
    Verdict,
    judge,
    judge_messages,
)
from evoflux.bench.matchers import Expected
from evoflux.bench.tasks import BUNDLED_REFERENCES, BUNDLED_SUITE, Task, load_references, load_tasks
from evoflux.environment import ToolEnvironment
from evoflux.execute.outcome import Execution, NodeOutcome, NodeStatus
from evoflux.llm import (
    CassetteMiss,
    CassetteMode,
    ModelConfig,
    ModelTimeout,
    Purpose,
    ScriptedChat,
    UsageLedger,
    open_client,
)
from evoflux.solver import Cost, SolveResult
from evoflux.workflow.graph import Workflow
from evoflux.workflow.parse import parse_workflow
from local_model_check import local_model_unavailable
from tests.support import bundled_config

CASSETTE = Path(__file__).resolve().parents[1] / "cassettes" / "judge_local_qwen1p5b.jsonl"
RECORD = os.environ.get("EVOFLUX_RECORD_CASSETTES") == "1"
GOOD_TASK = "madrid-barcelona-km"
BAD_TASK = "sydney-now-fahrenheit"
BAD_ANSWER = "It is 95 °F in Sydney right now."


def solved(task: Task, workflow: Workflow, execution: Execution | None, answer: str) -> SolveResult:
    return SolveResult(
        task=task.query,
        strategy="reference",
        answer=answer,
        workflow=workflow,
        issues=[],
        execution=execution,
        tools_shown=[n.tool_key for n in workflow.tool_nodes],
        cost=Cost(0, 0, 0, execution.tool_calls if execution else 0, 0.0),
    )


async def recorded_results() -> dict[str, SolveResult]:
    """good: the reference run with its own answer; bad: a rejected step and an answer no step supports."""
    tasks = {t.id: t for t in load_tasks(BUNDLED_SUITE)}
    references = load_references(BUNDLED_REFERENCES)
    broken = references[BAD_TASK].to_json()
    assert broken["nodes"][2]["args"]["to_unit"] == "fahrenheit"
    broken["nodes"][2]["args"]["to_unit"] = "farenheit"
    async with ToolEnvironment(bundled_config()) as env:
        good = await env.execute(references[GOOD_TASK])
        bad = await env.execute(parse_workflow(broken))
    assert good.ok and good.answer
    assert bad.outcomes["n3"].status is NodeStatus.SCHEMA_REJECTED
    return {
        "good": solved(tasks[GOOD_TASK], good.workflow, good, good.answer),
        "bad": solved(tasks[BAD_TASK], bad.workflow, bad, BAD_ANSWER),
    }


# ---------------------------------------------------------------- recording (the real model)


@pytest.mark.e2e
@pytest.mark.anyio
async def test_record_judge_cassette() -> None:
    if not RECORD:
        pytest.skip("re-record with EVOFLUX_RECORD_CASSETTES=1 (see the module docstring)")
    reason = local_model_unavailable()
    if reason:
        pytest.skip(reason)
    results = await recorded_results()
    CASSETTE.unlink(missing_ok=True)
    config = ModelConfig(model="local", cassette_path=CASSETTE, cassette_mode=CassetteMode.RECORD)
    ledger = UsageLedger()
    async with open_client(config, ledger=ledger) as client:
        for name, result in results.items():
            verdict = await judge(client, result)
            call = ledger.records[-1]
            print(name, f"prompt_tokens={call.prompt_tokens} completion_tokens={call.completion_tokens}")
            print(json.dumps(verdict.to_json(), indent=2, ensure_ascii=False), flush=True)
    assert len(ledger.records) == len(results)


# ---------------------------------------------------------------- replaying the recorded model

# What the recorded model said: scores in JUDGE_DIMENSIONS order (task_fulfillment, grounding,
# tool_appropriateness, parameter_accuracy, dependency_awareness, parallelism_and_efficiency).
RECORDED: dict[str, tuple[int, ...]] = {
    # Full marks everywhere for the reference run.
    "good": (10, 10, 10, 10, 10, 10),
    # It caught the unsupported answer (fulfillment and grounding 1) but not the rejected unit argument:
    # parameter accuracy 10, its reason cut off at "The argument to_unit was".
    "bad": (1, 1, 10, 10, 10, 10),
}
RECORDED_PROMPT_TOKENS = {"good": 715, "bad": 736}

needs_cassette = pytest.mark.skipif(
    not CASSETTE.is_file(),
    reason=f"{CASSETTE.name} is missing; record it with EVOFLUX_RECORD_CASSETTES=1 (see the module docstring)",
)


async def replay() -> tuple[dict[str, Verdict], UsageLedger]:
    results = await recorded_results()
    config = ModelConfig(model="local", cassette_path=CASSETTE, cassette_mode=CassetteMode.REPLAY)
    ledger = UsageLedger()
    verdicts: dict[str, Verdict] = {}
    async with open_client(config, ledger=ledger) as client:
        assert client.config.base_url is None  # replay never starts the local model
        for name, result in results.items():
            before = len(ledger.records)
            try:
                verdicts[name] = await judge(client, result)
            except CassetteMiss as exc:
                pytest.fail(f"the cassette is stale: {exc.message}\nRe-record it (see the module docstring).")
            assert len(ledger.records) == before + 1  # one call per judged result
    return verdicts, ledger


@needs_cassette
@pytest.mark.anyio
async def test_replayed_verdicts_score_every_dimension_in_range_with_one_judge_call_each() -> None:
    verdicts, ledger = await replay()
    for verdict in verdicts.values():
        assert verdict.error is None
        assert set(verdict.scores) == set(JUDGE_DIMENSIONS) == set(verdict.reasons)
        assert all(1 <= score <= 10 for score in verdict.scores.values())
        json.dumps(verdict.to_json())
    assert [r.purpose for r in ledger.records] == [Purpose.JUDGE, Purpose.JUDGE]
    assert all(r.replayed for r in ledger.records)
    assert [r.prompt_tokens for r in ledger.records] == [RECORDED_PROMPT_TOKENS[n] for n in verdicts]
    assert all(r.prompt_tokens < 1500 for r in ledger.records)


@needs_cassette
@pytest.mark.anyio
async def test_replayed_verdicts_are_what_the_model_said() -> None:
    verdicts, _ = await replay()
    for name, verdict in verdicts.items():
        assert tuple(verdict.scores[d] for d in JUDGE_DIMENSIONS) == RECORDED[name]


@needs_cassette
@pytest.mark.anyio
async def test_the_recorded_judge_marks_down_an_answer_no_step_supports() -> None:
    verdicts, _ = await replay()
    good, bad = verdicts["good"], verdicts["bad"]
    assert bad.scores["task_fulfillment"] < good.scores["task_fulfillment"]
    assert bad.scores["grounding"] < good.scores["grounding"]
    assert bad.mean is not None and good.mean is not None and bad.mean < good.mean


# ---------------------------------------------------------------- deterministic, with a scripted client


def dimension(score: Any, reason: str = "fine") -> dict[str, Any]:
    return {"reason": reason, "score": score}


def full(**overrides: Any) -> str:
    scores = {name: dimension(7) for name in JUDGE_DIMENSIONS}
    scores.update(overrides)
    return json.dumps(scores)


DISTINCTIVE_EXPECTED = "Quetzalcoatl-86413"
DISTINCTIVE_STRATEGY = "strategy-Xochimilco"


def small_result(answer: str = "Lisbon to Berlin is 1440.5 miles [n2].") -> SolveResult:
    """A two-step run built by hand (no servers), for a task whose expected answer is distinctive."""
    task = Task(
        id="leak-check",
        query="How far is Lisbon from Berlin in miles?",
        expected=Expected.parse({"match": "contains", "value": [DISTINCTIVE_EXPECTED]}),
        tags=("geo",),
    )
    workflow = parse_workflow(
        {
            "task": task.query,
            "nodes": [
                {"id": "n1", "tool": "geo:search_cities", "args": {"name": "Lisbon"}},
                {
                    "id": "n2",
                    "tool": "geo:distance_between",
                    "args": {
                        "city_id_a": {"$ref": "n1", "path": "cities[0].city_id"},
                        "city_id_b": "CTY-0002",
                    },
                },
                {"id": "answer", "answer": "{n2.distance} miles"},
            ],
        }
    )
    outcomes = {
        "n1": NodeOutcome(
            "n1", NodeStatus.OK, {"cities": [{"city_id": "CTY-0001"}]}, args={"name": "Lisbon"}
        ),
        "n2": NodeOutcome(
            "n2",
            NodeStatus.OK,
            {"distance": 1440.5, "unit": "mile"},
            args={"city_id_a": "CTY-0001", "city_id_b": "CTY-0002"},
        ),
        "answer": NodeOutcome("answer", NodeStatus.OK, "1440.5 miles"),
    }
    execution = Execution(workflow, outcomes, wall_seconds=0.1, tool_calls=2)
    result = solved(task, workflow, execution, answer)
    # Nothing a caller keeps next to the run (the expected value, the strategy's name) may reach the judge.
    assert task.expected is not None and DISTINCTIVE_EXPECTED in json.dumps(task.expected.to_json())
    return SolveResult(
        **{
            **result.__dict__,
            "strategy": DISTINCTIVE_STRATEGY,
            "search": {"expected": task.expected.to_json()},
        }
    )


@pytest.mark.anyio
async def test_a_full_reply_scores_every_dimension_with_one_judge_call() -> None:
    client = ScriptedChat(full(grounding=dimension(9, "  every number\n comes from n2 ")))
    verdict = await judge(client, small_result())
    assert verdict.error is None
    assert verdict.scores == {**dict.fromkeys(JUDGE_DIMENSIONS, 7), "grounding": 9}
    assert verdict.reasons["grounding"] == "every number comes from n2"
    assert verdict.to_json()["mean"] == round((7 * 5 + 9) / 6, 3)
    [call] = client.calls
    assert call.purpose is Purpose.JUDGE and call.schema == SCHEMA and call.max_tokens == MAX_TOKENS


@pytest.mark.anyio
@pytest.mark.parametrize(
    "text",
    ["The run looks fine to me, 8 out of 10.", "", "[1, 2, 3]", '{"overall": 8, "comment": "good"}'],
    ids=["prose", "empty", "a-list", "other-keys"],
)
async def test_a_garbage_reply_gives_an_error_verdict_without_scores(text: str) -> None:
    verdict = await judge(ScriptedChat(text), small_result())
    assert verdict.scores == {} and verdict.reasons == {}
    assert verdict.error and "no usable" in verdict.error
    assert verdict.to_json() == {"scores": {}, "reasons": {}, "mean": None, "error": verdict.error}


@pytest.mark.anyio
async def test_a_partial_reply_keeps_the_usable_dimensions_and_names_the_others() -> None:
    value = json.loads(full(parameter_accuracy=dimension("high")))
    del value["grounding"]
    verdict = await judge(ScriptedChat(json.dumps(value)), small_result())
    assert set(verdict.scores) == set(JUDGE_DIMENSIONS) - {"grounding", "parameter_accuracy"}
    assert verdict.error == "no usable score for: grounding, parameter_accuracy"
    assert verdict.mean is None and verdict.to_json()["mean"] is None


@pytest.mark.anyio
async def test_a_truncated_reply_keeps_the_dimensions_it_finished() -> None:
    client = ScriptedChat(
        full()[:-40], finish_reason="length"
    )  # the client gives no value for a cut-off reply
    verdict = await judge(client, small_result())
    assert 0 < len(verdict.scores) < len(JUDGE_DIMENSIONS)
    assert verdict.error and verdict.error.startswith("no usable score for:")
    assert "parallelism_and_efficiency" in verdict.error


@pytest.mark.anyio
async def test_out_of_range_scores_are_clamped_and_non_numbers_rejected() -> None:
    text = full(
        task_fulfillment=dimension(0),
        grounding=dimension(14),
        tool_appropriateness=dimension(7.6),
        parameter_accuracy=dimension("8/10"),
        dependency_awareness=dimension(True),
        parallelism_and_efficiency=5,  # a bare number instead of {reason, score}
    )
    verdict = await judge(ScriptedChat(text), small_result())
    assert verdict.scores == {
        "task_fulfillment": 1,
        "grounding": 10,
        "tool_appropriateness": 8,
        "parameter_accuracy": 8,
        "parallelism_and_efficiency": 5,
    }
    assert verdict.reasons["parallelism_and_efficiency"] == ""
    assert verdict.error == "no usable score for: dependency_awareness"


@pytest.mark.anyio
async def test_a_result_without_a_workflow_scores_one_everywhere_without_a_call() -> None:
    client = ScriptedChat(AssertionError("no model call expected"))
    result = SolveResult(
        task="How far is Lisbon from Berlin?",
        strategy="zero-shot",
        answer="Could not complete: the model wrote no usable workflow",
        workflow=None,
        issues=[],
        execution=None,
        tools_shown=[],
        cost=Cost(1, 900, 50, 0, 1.0),
        error="the model wrote no usable workflow",
    )
    verdict = await judge(client, result)
    assert client.calls == []
    assert verdict == Verdict(
        dict.fromkeys(JUDGE_DIMENSIONS, 1), dict.fromkeys(JUDGE_DIMENSIONS, NO_WORKFLOW_REASON)
    )
    assert verdict.mean == 1.0


@pytest.mark.anyio
async def test_the_prompt_shows_the_run_but_never_the_expected_answer() -> None:
    client = ScriptedChat(full())
    await judge(client, small_result())
    [call] = client.calls
    prompt = "\n".join(m["content"] for m in call.messages)
    assert DISTINCTIVE_EXPECTED.lower() not in prompt.lower()
    assert DISTINCTIVE_STRATEGY.lower() not in prompt.lower()
    for shown in (
        "How far is Lisbon from Berlin in miles?",  # the request
        "geo:distance_between",  # the workflow's tools
        "$n1.cities[0].city_id",  # its references
        '"distance": 1440.5',  # step outputs
        "Lisbon to Berlin is 1440.5 miles [n2].",  # the final answer
    ):
        assert shown in prompt
    assert all(name in call.messages[0]["content"] for name in JUDGE_DIMENSIONS)


@pytest.mark.anyio
async def test_failed_steps_and_a_workflow_that_never_ran_are_shown_as_such() -> None:
    base = small_result()
    assert base.execution is not None
    failed = dict(base.execution.outcomes)
    failed["n2"] = NodeOutcome("n2", NodeStatus.TOOL_ERROR, error="no city with id 'CTY-0002'", args={})
    failed["answer"] = NodeOutcome("answer", NodeStatus.SKIPPED, error="skipped: input n2 failed")
    broken = SolveResult(**{**base.__dict__, "execution": Execution(base.workflow, failed, 0.1, 2)})  # type: ignore[arg-type]
    user = judge_messages(broken)[1]["content"]
    assert "FAILED (tool_error): no city with id 'CTY-0002'" in user
    never_ran = SolveResult(**{**base.__dict__, "execution": None})
    assert "(the workflow never ran)" in judge_messages(never_ran)[1]["content"]


@pytest.mark.anyio
async def test_a_judge_call_past_its_deadline_gives_an_error_verdict() -> None:
    client = ScriptedChat(ModelTimeout("The call did not finish within 5 s.", deadline_s=5))
    verdict = await judge(client, small_result(), deadline_s=5)
    assert verdict.scores == {} and verdict.error and "timed out" in verdict.error


@pytest.mark.anyio
async def test_long_outputs_and_answers_are_capped_in_the_prompt() -> None:
    base = small_result(answer="x" * 5000)
    assert base.execution is not None
    outcomes = dict(base.execution.outcomes)
    outcomes["n1"] = NodeOutcome(
        "n1",
        NodeStatus.OK,
        {"cities": [{"city_id": f"CTY-{i:04d}", "name": "y" * 80} for i in range(200)]},
        args={},
    )
    result = SolveResult(**{**base.__dict__, "execution": Execution(base.workflow, outcomes, 0.1, 2)})  # type: ignore[arg-type]
    user = judge_messages(result)[1]["content"]
    assert len(user) < 2500
