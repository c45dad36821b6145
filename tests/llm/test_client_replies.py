"""The chat client against a scripted model server in each of its modes: a reply, a body that is not JSON,
a server error and a server that never answers all end as a reply or a typed model error, never a traceback."""

from __future__ import annotations

import pytest

from evoflux.llm import (
    ChatClient,
    LLMError,
    ModelConfig,
    ModelReplyUnreadable,
    ModelRequestFailed,
    ModelTimeout,
)
from evoflux.llm.usage import UsageLedger
from tests.support.model_server import NOT_JSON_BODY, ModelServer

MESSAGES = [{"role": "user", "content": "Plan one step."}]
SCHEMA = {"type": "object", "properties": {"done": {"type": "boolean"}}, "required": ["done"]}


def config(server: ModelServer) -> ModelConfig:
    return ModelConfig(
        model="scripted-model",
        base_url=server.base_url,
        max_retries=1,
        backoff_initial_s=0.01,
        backoff_max_s=0.02,
        call_deadline_s=20,
    )


@pytest.mark.anyio
async def test_a_json_reply_is_parsed() -> None:
    with ModelServer("ok", content='{"done": true}') as server:
        async with ChatClient(config(server)) as client:
            reply = await client.complete_json(MESSAGES, SCHEMA, purpose="plan")
    assert reply.ok and reply.value == {"done": True}


@pytest.mark.anyio
async def test_a_200_reply_that_is_not_json_is_a_typed_error_spent_from_the_budget() -> None:
    ledger = UsageLedger()
    with ModelServer("not-json") as server:
        async with ChatClient(config(server), ledger=ledger) as client:
            with pytest.raises(ModelReplyUnreadable) as caught:
                await client.complete_json(MESSAGES, SCHEMA, purpose="plan")
    error = caught.value
    assert isinstance(error, ModelRequestFailed) and error.status == 200
    assert not error.setup  # weather: the search goes on with the calls left
    assert "not a chat completion" in error.message and NOT_JSON_BODY in error.message
    assert [r.error for r in ledger.records] == ["ModelReplyUnreadable"]


@pytest.mark.anyio
async def test_a_server_error_is_retried_then_a_typed_error() -> None:
    with ModelServer("error") as server:
        async with ChatClient(config(server)) as client:
            with pytest.raises(ModelRequestFailed, match="HTTP 500"):
                await client.complete_text(MESSAGES, purpose="synthesize")
        assert server.requests == 2


@pytest.mark.anyio
async def test_a_server_that_never_answers_ends_at_the_deadline() -> None:
    with ModelServer("hang") as server:
        async with ChatClient(config(server)) as client:
            with pytest.raises(ModelTimeout) as caught:
                await client.complete_text(MESSAGES, purpose="synthesize", deadline_s=0.5)
    assert isinstance(caught.value, LLMError) and not caught.value.setup
