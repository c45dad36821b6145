"""ScriptedChat, the fake chat model: it satisfies ChatModel as ChatClient does, answers from its script as
the client would parse a server's text, counts every call, and keeps what it was asked."""

from __future__ import annotations

import json

import pytest

from evoflux.llm import (
    ChatClient,
    ChatModel,
    FailureKind,
    ModelConfig,
    ModelTimeout,
    Purpose,
    ScriptedCall,
    ScriptedChat,
    UsageLedger,
)

pytestmark = pytest.mark.anyio

SCHEMA = {
    "type": "object",
    "properties": {"answer": {"type": "string"}},
    "required": ["answer"],
    "additionalProperties": False,
}
ASK = [{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": "request: hello"}]


def test_the_fake_and_the_real_client_are_both_chat_models() -> None:
    assert isinstance(ScriptedChat(), ChatModel)
    assert isinstance(ChatClient(ModelConfig(model="m", base_url="http://127.0.0.1:9/v1")), ChatModel)
    assert not isinstance(object(), ChatModel)


async def test_answers_come_in_order_parsed_and_validated_as_the_client_does() -> None:
    chat = ScriptedChat('```json\n{"answer": "hi"}\n```', '{"answer": 3}', "no JSON at all")
    fenced = await chat.complete_json(ASK, SCHEMA, purpose="synthesize")
    assert fenced.ok and fenced.value == {"answer": "hi"} and fenced.repaired
    assert fenced.purpose is Purpose.SYNTHESIZE and fenced.model == "scripted"
    wrong = await chat.complete_json(ASK, SCHEMA, purpose=Purpose.PLAN)
    assert wrong.value == {"answer": 3}
    assert wrong.failure is not None and wrong.failure.kind is FailureKind.SCHEMA_MISMATCH
    prose = await chat.complete_json(ASK, SCHEMA, purpose=Purpose.PLAN)
    assert prose.value is None and prose.failure is not None and prose.failure.kind is FailureKind.NOT_JSON


async def test_each_call_is_kept_and_counted() -> None:
    ledger = UsageLedger()
    chat = ScriptedChat('{"answer": "a"}', ledger=ledger, prompt_tokens=900, completion_tokens=60)
    await chat.complete_json(
        ASK, SCHEMA, purpose="plan", temperature=0.2, max_tokens=321, seed=11, deadline_s=5
    )
    assert chat.calls == [ScriptedCall(ASK, SCHEMA, Purpose.PLAN, 0.2, 321, 11, 5)]  # type: ignore[arg-type]
    (record,) = ledger.records
    assert (record.purpose, record.prompt_tokens, record.completion_tokens, record.error) == (
        Purpose.PLAN,
        900,
        60,
        None,
    )


async def test_a_scripted_exception_is_raised_and_counted_as_a_failed_call() -> None:
    chat = ScriptedChat(ModelTimeout("The call did not finish within 5 s.", deadline_s=5))
    with pytest.raises(ModelTimeout):
        await chat.complete_json(ASK, SCHEMA, purpose="judge")
    assert [r.error for r in chat.ledger.records] == ["ModelTimeout"]
    assert chat.ledger.total().failed_calls == 1 and len(chat.calls) == 1


async def test_respond_answers_once_the_script_runs_out() -> None:
    chat = ScriptedChat(
        '{"answer": "scripted"}',
        respond=lambda call: json.dumps({"answer": call.messages[-1]["content"].upper()}),
    )
    first = await chat.complete_json(ASK, SCHEMA, purpose="plan")
    second = await chat.complete_json(ASK, SCHEMA, purpose="plan")
    assert (first.value, second.value) == ({"answer": "scripted"}, {"answer": "REQUEST: HELLO"})


async def test_a_call_beyond_the_script_fails_the_test() -> None:
    chat = ScriptedChat('{"answer": "only"}')
    await chat.complete_json(ASK, SCHEMA, purpose="plan")
    with pytest.raises(AssertionError, match="no answer left for call 2"):
        await chat.complete_json(ASK, SCHEMA, purpose="plan")


async def test_a_truncated_reply_has_no_value() -> None:
    chat = ScriptedChat('{"answer": "cut sho', finish_reason="length")
    reply = await chat.complete_json(ASK, SCHEMA, purpose="plan")
    assert reply.truncated and reply.value is None
    assert reply.failure is not None and reply.failure.kind is FailureKind.TRUNCATED


async def test_a_counting_view_shares_the_script_and_calls_but_not_the_ledger() -> None:
    chat = ScriptedChat('{"answer": "one"}', '{"answer": "two"}')
    task = UsageLedger()
    view = chat.counting_into(task, scope="unit-1")
    assert isinstance(view, ChatModel) and view.scope == "unit-1" and chat.scope is None
    assert (await view.complete_json(ASK, SCHEMA, purpose="plan")).value == {"answer": "one"}
    assert (await chat.complete_json(ASK, SCHEMA, purpose="plan")).value == {"answer": "two"}
    assert len(task.records) == 1 and len(chat.ledger.records) == 1
    assert len(chat.calls) == len(view.calls) == 2
