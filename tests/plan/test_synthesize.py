"""The answer synthesizer: evidence lines from executed steps only, an honest answer without a model call
when nothing ran, the '(incomplete' mark when a step failed, and citations limited to real node ids."""

from __future__ import annotations

import json
from typing import Any

import pytest

from evoflux.execute.outcome import Execution, NodeOutcome, NodeStatus
from evoflux.llm import Purpose, ScriptedChat
from evoflux.plan.synthesize import Answer, evidence, synthesize
from evoflux.workflow.parse import parse_workflow
from tests.support import distance_steps

TASK = "How far is Lisbon from Berlin, in miles?"
WORKFLOW = parse_workflow(
    {
        "task": TASK,
        "steps": distance_steps("Lisbon", "Berlin", "mile"),
        "answer": "It is {n3.distance} {n3.unit}.",
    }
)
LISBON = {"cities": [{"city_id": "CTY-0001", "name": "Lisbon"}]}
BERLIN = {"cities": [{"city_id": "CTY-0002", "name": "Berlin"}]}
DISTANCE = {"distance": 1443.2, "unit": "mile"}


def ok(node: str, output: Any, args: dict | None = None) -> NodeOutcome:
    return NodeOutcome(node, NodeStatus.OK, output=output, args=args if args is not None else {})


def failed(node: str, status: NodeStatus, error: str, args: dict | None = None) -> NodeOutcome:
    return NodeOutcome(node, status, error=error, args=args)


def execution(*outcomes: NodeOutcome, workflow=WORKFLOW) -> Execution:
    return Execution(workflow, {o.node: o for o in outcomes}, wall_seconds=0.1, tool_calls=len(outcomes))


def complete() -> Execution:
    return execution(
        ok("n1", LISBON, {"name": "Lisbon"}),
        ok("n2", BERLIN, {"name": "Berlin"}),
        ok("n3", DISTANCE, {"city_id_a": "CTY-0001", "city_id_b": "CTY-0002", "unit": "mile"}),
        ok("answer", "It is 1443.2 mile."),
    )


def half_failed() -> Execution:
    return execution(
        ok("n1", LISBON, {"name": "Lisbon"}),
        failed("n2", NodeStatus.TOOL_ERROR, "no city named 'Berlim'", {"name": "Berlim"}),
        failed("n3", NodeStatus.SKIPPED, "skipped: input n2 (tool_error) failed"),
        failed("answer", NodeStatus.SKIPPED, "skipped: input n3 (skipped) failed"),
    )


def answering(text: str) -> ScriptedChat:
    return ScriptedChat(json.dumps({"answer": text}))


# ---------------------------------------------------------------- evidence


def test_evidence_has_one_line_per_step_and_the_filled_draft():
    lines = evidence(complete()).splitlines()
    assert lines == [
        '[n1] geo:search_cities({"name": "Lisbon"}) -> ' + json.dumps(LISBON),
        '[n2] geo:search_cities({"name": "Berlin"}) -> ' + json.dumps(BERLIN),
        '[n3] geo:distance_between({"city_id_a": "CTY-0001", "city_id_b": "CTY-0002", "unit": "mile"}) -> '
        + json.dumps(DISTANCE),
        "[draft] It is 1443.2 mile.",
    ]


def test_evidence_shows_failures_and_no_draft_when_a_step_failed():
    lines = evidence(half_failed()).splitlines()
    assert (
        lines[1]
        == """[n2] geo:search_cities({"name": "Berlim"}) -> FAILED (tool_error): no city named 'Berlim'"""
    )
    assert (
        lines[2] == "[n3] geo:distance_between({}) -> FAILED (skipped): skipped: input n2 (tool_error) failed"
    )
    assert len(lines) == 3 and not any(line.startswith("[draft]") for line in lines)


def test_evidence_caps_long_outputs_and_errors_and_keeps_text_as_is():
    workflow = parse_workflow(
        {"steps": [{"id": "n1", "tool": "a:b"}, {"id": "n2", "tool": "a:c"}, {"id": "n3", "tool": "a:d"}]}
    )
    run = execution(
        ok("n1", {"items": [{"text": "x" * 200} for _ in range(50)]}),
        failed("n2", NodeStatus.TIMEOUT, "e" * 500),
        ok("n3", "plain text result"),
        workflow=workflow,
    )
    one, two, three = evidence(run, max_chars_per_step=300).splitlines()
    assert len(one) < 300 + 40
    assert two == "[n2] a:c({}) -> FAILED (timeout): " + "e" * 200
    assert three == "[n3] a:d({}) -> plain text result"


def test_evidence_skips_steps_without_outcome_and_a_draft_without_references():
    workflow = parse_workflow(
        {"steps": [{"id": "n1", "tool": "a:b"}, {"id": "n2", "tool": "a:c"}], "answer": "Done."}
    )
    run = execution(ok("n1", 1), ok("answer", "Done."), workflow=workflow)
    assert evidence(run) == "[n1] a:b({}) -> 1"


# ---------------------------------------------------------------- synthesize


@pytest.mark.anyio
async def test_nothing_succeeded_gives_could_not_complete_without_a_model_call():
    client = ScriptedChat()
    run = execution(
        failed("n1", NodeStatus.SCHEMA_REJECTED, "name: required"),
        failed("n2", NodeStatus.SERVER_DOWN, "geo is down"),
        failed("n3", NodeStatus.SKIPPED, "skipped"),
        failed("answer", NodeStatus.SKIPPED, "skipped"),
    )
    answer = await synthesize(client, TASK, run)
    assert answer == Answer(
        "Could not complete: no tool step succeeded, so there is no evidence to answer from.", (), None
    )
    assert client.calls == []


@pytest.mark.anyio
async def test_a_complete_run_is_answered_from_evidence_with_citations():
    client = answering("Lisbon is 1443.2 miles from Berlin [n3], using [n1] and [n2] and [n3] again [n9].")
    answer = await synthesize(client, TASK, complete())
    assert answer.text.startswith("Lisbon is 1443.2 miles")
    assert answer.cited == ("n3", "n1", "n2")
    assert answer.reply is not None and answer.reply.purpose is Purpose.SYNTHESIZE
    (call,) = client.calls
    assert call.purpose is Purpose.SYNTHESIZE and call.max_tokens == 300
    assert call.schema["required"] == ["answer"]
    system, user = call.messages
    assert system["role"] == "system" and "cite the step" in system["content"]
    assert user["content"] == f"request: {TASK}\n\nevidence:\n{evidence(complete())}"
    assert "FAILED" not in user["content"]


@pytest.mark.anyio
async def test_a_failed_step_marks_the_answer_incomplete_and_warns_the_model():
    client = answering("  Lisbon is CTY-0001 [n1]; the distance could not be found.  ")
    answer = await synthesize(client, TASK, half_failed())
    assert (
        answer.text
        == "(incomplete: step n2 failed) Lisbon is CTY-0001 [n1]; the distance could not be found."
    )
    assert answer.cited == ("n1",)
    user = client.calls[0].messages[1]["content"]
    assert "Steps n2 FAILED: their results are unknown. Do not guess them" in user
    # Skipped steps failed only because an input did; they are not named as failures.
    assert "n3 FAILED" not in user and "n3, " not in user.split("Steps ")[1]


@pytest.mark.anyio
async def test_a_reply_that_is_not_an_answer_object_falls_back_to_the_filled_template():
    client = ScriptedChat(json.dumps(["not", "an", "object"]))
    answer = await synthesize(client, TASK, complete())
    assert answer.text == "It is 1443.2 mile."


@pytest.mark.anyio
@pytest.mark.parametrize("written", [", ", "  ", "."])
async def test_an_answer_of_bare_punctuation_falls_back_to_the_filled_template(written: str):
    client = answering(written)
    answer = await synthesize(client, TASK, complete())
    assert answer.text == "It is 1443.2 mile."


@pytest.mark.anyio
async def test_without_a_template_a_garbled_reply_is_reported_not_passed_on():
    client = ScriptedChat("fmt.Sprintf(")
    run = execution(
        *list(complete().outcomes.values())[:3], failed("answer", NodeStatus.UNRESOLVED_REF, "no field")
    )
    answer = await synthesize(client, TASK, run)
    # The client's failure detail quotes the reply's start; the reply itself is not the answer.
    assert (
        answer.text
        == "Could not write an answer from the evidence (Expected a JSON object, got: fmt.Sprintf()."
    )


@pytest.mark.anyio
async def test_only_tool_steps_make_an_answer_incomplete():
    run = execution(
        ok("n1", LISBON, {"name": "Lisbon"}),
        ok("n2", BERLIN, {"name": "Berlin"}),
        ok("n3", DISTANCE, {"city_id_a": "CTY-0001", "city_id_b": "CTY-0002", "unit": "mile"}),
        failed("answer", NodeStatus.UNRESOLVED_REF, "n3 has no field 'miles'"),
    )
    answer = await synthesize(answering("It is 1443.2 miles [n3]."), TASK, run)
    assert answer.text == "It is 1443.2 miles [n3]."
