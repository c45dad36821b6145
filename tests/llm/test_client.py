"""Chat client against a real HTTP fake server: JSON parsing outcomes, fallback, retries, deadlines,
typed errors, ledger accounting and API-key secrecy."""

from __future__ import annotations

import logging
import time

import pytest
from llm_fakes import SECRET, FakeOpenAI, Scripted, closed_port_url, completion, error

from evoflux.llm import (
    ChatClient,
    FailureKind,
    InvalidRequest,
    ModelAuthFailed,
    ModelConfig,
    ModelNotConfigured,
    ModelRequestFailed,
    ModelTimeout,
    ModelUnreachable,
    PromptTooLong,
    Purpose,
    UsageLedger,
)

SCHEMA = {
    "title": "Plan",
    "type": "object",
    "properties": {"steps": {"type": "array", "items": {"type": "string"}}, "done": {"type": "boolean"}},
    "required": ["steps", "done"],
}
MESSAGES = [
    {"role": "system", "content": "You plan tool calls."},
    {"role": "user", "content": "Plan two steps."},
]


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        assert SECRET not in text


@pytest.mark.anyio
async def test_valid_json_is_parsed_and_requested_with_json_schema(
    fake: FakeOpenAI, config: ModelConfig
) -> None:
    fake.push(
        completion('{"steps": ["search", "read"], "done": false}', prompt_tokens=30, completion_tokens=12)
    )
    async with ChatClient(config) as client:
        reply = await client.complete_json(MESSAGES, SCHEMA, purpose="plan", max_tokens=200, seed=7)
    assert reply.ok and not reply.repaired and not reply.truncated
    assert reply.value == {"steps": ["search", "read"], "done": False}
    assert (reply.prompt_tokens, reply.completion_tokens, reply.purpose) == (30, 12, Purpose.PLAN)
    assert reply.json_mode == "schema" and reply.seconds > 0
    sent = fake.requests[0]
    assert sent["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "Plan", "schema": SCHEMA},
    }
    assert (sent["model"], sent["max_tokens"], sent["seed"], sent["temperature"]) == (
        "fake-model",
        200,
        7,
        0.0,
    )
    assert sent["messages"] == MESSAGES
    assert fake.authorization == [f"Bearer {SECRET}"]


@pytest.mark.anyio
async def test_prose_is_a_typed_failure_not_an_exception(fake: FakeOpenAI, config: ModelConfig) -> None:
    fake.push(completion("I am sorry, I cannot produce a plan for that."))
    async with ChatClient(config) as client:
        reply = await client.complete_json(MESSAGES, SCHEMA, purpose="plan")
    assert reply.failure is not None and reply.failure.kind is FailureKind.NOT_JSON
    assert reply.value is None
    assert reply.text == "I am sorry, I cannot produce a plan for that."


@pytest.mark.anyio
async def test_truncated_reply_is_reported(fake: FakeOpenAI, config: ModelConfig) -> None:
    fake.push(completion('{"steps": ["search", "re', finish_reason="length"))
    async with ChatClient(config) as client:
        reply = await client.complete_json(MESSAGES, SCHEMA, purpose="plan", max_tokens=8)
    assert reply.truncated
    assert reply.failure is not None and reply.failure.kind is FailureKind.TRUNCATED
    assert "max_tokens" in reply.failure.detail
    assert reply.text == '{"steps": ["search", "re'


@pytest.mark.anyio
async def test_fenced_json_is_repaired_and_schema_mismatch_keeps_value(
    fake: FakeOpenAI, config: ModelConfig
) -> None:
    fake.push(
        completion('Here you go:\n```json\n{"steps": ["a"], "done": true}\n```'),
        completion('{"steps": "not-a-list"}'),
        completion(""),
    )
    async with ChatClient(config) as client:
        fenced = await client.complete_json(MESSAGES, SCHEMA, purpose="plan")
        mismatch = await client.complete_json(MESSAGES, SCHEMA, purpose="edit")
        empty = await client.complete_json(MESSAGES, SCHEMA, purpose="edit")
    assert fenced.ok and fenced.repaired and fenced.value == {"steps": ["a"], "done": True}
    assert mismatch.failure is not None and mismatch.failure.kind is FailureKind.SCHEMA_MISMATCH
    assert mismatch.value == {"steps": "not-a-list"}
    assert "steps" in mismatch.failure.detail and "done" in mismatch.failure.detail
    assert empty.failure is not None and empty.failure.kind is FailureKind.EMPTY


@pytest.mark.anyio
async def test_rejected_response_format_falls_back_once_and_is_remembered(
    fake: FakeOpenAI, config: ModelConfig
) -> None:
    fake.reject_response_format = True
    fake.push(
        completion('{"steps": ["x"], "done": true}'),
        completion('```json\n{"steps": [], "done": false}\n```'),
    )
    async with ChatClient(config) as client:
        first = await client.complete_json(MESSAGES, SCHEMA, purpose="plan")
        second = await client.complete_json(MESSAGES, SCHEMA, purpose="judge")
        assert client.json_mode == "instructions"
    assert first.ok and first.json_mode == "instructions" and first.value == {"steps": ["x"], "done": True}
    assert second.ok and second.repaired
    assert len(fake.requests) == 3  # one rejection, then two prompt-instruction requests
    assert "response_format" in fake.requests[0]
    for request in fake.requests[1:]:
        assert "response_format" not in request
        assert request["messages"][0] == MESSAGES[0]
        last = request["messages"][-1]
        assert last["role"] == "user" and last["content"].startswith("Plan two steps.")
        assert "JSON Schema" in last["content"] and '"steps"' in last["content"]


@pytest.mark.anyio
async def test_a_rejected_schema_falls_back_for_that_call_only(fake: FakeOpenAI, config: ModelConfig) -> None:
    fake.push(
        error(400, "JSON schema error at #: unsupported $ref http://example.com/x.json"),
        completion('{"steps": ["x"], "done": true}'),
        completion('{"steps": ["y"], "done": true}'),
    )
    async with ChatClient(config) as client:
        first = await client.complete_json(MESSAGES, SCHEMA, purpose="plan")
        second = await client.complete_json(MESSAGES, SCHEMA, purpose="plan", seed=1)
    assert first.ok and first.json_mode == "instructions"
    assert second.ok and second.json_mode == "schema" and client.json_mode == "schema"
    assert ["response_format" in r for r in fake.requests] == [True, False, True]


@pytest.mark.anyio
async def test_rate_limit_then_success_is_retried(fake: FakeOpenAI, config: ModelConfig) -> None:
    fake.push(error(429, "slow down", **{"Retry-After": "0"}), error(503, "warming up"))
    fake.push(completion('{"steps": [], "done": true}', prompt_tokens=5, completion_tokens=3))
    ledger = UsageLedger()
    async with ChatClient(config, ledger=ledger) as client:
        reply = await client.complete_json(MESSAGES, SCHEMA, purpose="plan")
    assert reply.ok and len(fake.requests) == 3
    total = ledger.total()
    assert (total.calls, total.failed_calls, total.prompt_tokens, total.completion_tokens) == (1, 0, 5, 3)


@pytest.mark.anyio
async def test_persistent_server_errors_end_in_one_typed_error(fake: FakeOpenAI, config: ModelConfig) -> None:
    fake.push(*(error(500, "kaboom") for _ in range(3)))
    ledger = UsageLedger()
    client = ChatClient(config, ledger=ledger)
    with pytest.raises(ModelRequestFailed) as caught:
        await client.complete_json(MESSAGES, SCHEMA, purpose="plan")
    await client.aclose()
    assert len(fake.requests) == 3  # 1 + max_retries
    assert caught.value.status == 500 and "3 times" in str(caught.value) and "kaboom" in str(caught.value)
    assert ledger.total().failed_calls == 1 and ledger.records[0].error == "ModelRequestFailed"
    assert_no_secret(str(caught.value), repr(caught.value), repr(client))


@pytest.mark.anyio
async def test_refused_connection_is_model_unreachable(config: ModelConfig) -> None:
    url = closed_port_url()
    client = ChatClient(config, base_url=url)
    with pytest.raises(ModelUnreachable) as caught:
        await client.complete_text(MESSAGES, purpose="react")
    await client.aclose()
    message = str(caught.value)
    assert url in message and caught.value.base_url == url
    assert "connection refused" in message and "EVOFLUX_BASE_URL" in message and "3 times" in message
    assert_no_secret(message, repr(caught.value), repr(client), repr(client.config))
    assert "**********" in repr(client.config)


@pytest.mark.anyio
async def test_bad_credentials_and_long_prompts_are_not_retried(
    fake: FakeOpenAI, config: ModelConfig
) -> None:
    fake.push(error(401, f"Incorrect API key provided: {SECRET}"))
    fake.push(error(400, "the request exceeds the available context size, try increasing it"))
    async with ChatClient(config) as client:
        with pytest.raises(ModelAuthFailed) as auth:
            await client.complete_text(MESSAGES, purpose="react")
        with pytest.raises(PromptTooLong):
            await client.complete_text(MESSAGES, purpose="react")
    assert len(fake.requests) == 2
    assert "EVOFLUX_API_KEY" in str(auth.value)
    assert_no_secret(str(auth.value))


@pytest.mark.anyio
async def test_deadline_cancels_the_request(fake: FakeOpenAI, config: ModelConfig) -> None:
    fake.push(Scripted(delay_s=5.0, body=completion("{}").body))
    ledger = UsageLedger()
    async with ChatClient(config, ledger=ledger) as client:
        started = time.monotonic()
        with pytest.raises(ModelTimeout) as caught:
            await client.complete_json(MESSAGES, SCHEMA, purpose="plan", deadline_s=0.5)
        elapsed = time.monotonic() - started
    assert elapsed < 2.0
    assert caught.value.deadline_s == 0.5 and "0.5 s" in str(caught.value)
    deadline = time.monotonic() + 2.0
    while fake.disconnects == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert fake.disconnects == 1  # the HTTP request was really abandoned, not left running
    assert ledger.records[0].error == "ModelTimeout"


@pytest.mark.anyio
async def test_ledger_sums_per_purpose_across_clients(fake: FakeOpenAI, config: ModelConfig) -> None:
    fake.push(
        completion('{"steps": [], "done": true}', prompt_tokens=100, completion_tokens=10, cached_tokens=64),
        completion('{"steps": [], "done": true}', prompt_tokens=120, completion_tokens=20),
        completion("looks good", prompt_tokens=50, completion_tokens=5),
    )
    ledger = UsageLedger()
    async with ChatClient(config, ledger=ledger) as planner, ChatClient(config, ledger=ledger) as judge:
        await planner.complete_json(MESSAGES, SCHEMA, purpose="plan")
        await planner.complete_json(MESSAGES, SCHEMA, purpose=Purpose.PLAN)
        text = await judge.complete_text(MESSAGES, purpose="judge", max_tokens=30)
    assert text.ok and text.text == "looks good" and text.value is None and text.json_mode == "text"
    assert "response_format" not in fake.requests[2]
    per = ledger.by_purpose()
    assert list(per) == [Purpose.PLAN, Purpose.JUDGE]
    assert (
        per[Purpose.PLAN].calls,
        per[Purpose.PLAN].prompt_tokens,
        per[Purpose.PLAN].completion_tokens,
    ) == (
        2,
        220,
        30,
    )
    assert per[Purpose.PLAN].cached_prompt_tokens == 64
    assert per[Purpose.JUDGE].total_tokens == 55
    total = ledger.total()
    assert (total.calls, total.total_tokens, total.replayed_calls) == (3, 305, 0)
    assert total.seconds == pytest.approx(sum(r.seconds for r in ledger.records))


@pytest.mark.anyio
async def test_configuration_errors_are_clear(config: ModelConfig) -> None:
    with pytest.raises(ModelNotConfigured, match="EVOFLUX_MODEL"):
        ChatClient(ModelConfig(base_url="http://127.0.0.1:1/v1"))
    no_url = ChatClient(ModelConfig(model="m"))
    with pytest.raises(ModelNotConfigured, match="EVOFLUX_BASE_URL"):
        await no_url.complete_text(MESSAGES, purpose="react")
    client = ChatClient(config)
    with pytest.raises(InvalidRequest, match="purpose"):
        await client.complete_text(MESSAGES, purpose="dream")
    with pytest.raises(InvalidRequest, match="role"):
        await client.complete_text([{"role": "tool", "content": "x"}], purpose="react")
    with pytest.raises(InvalidRequest, match="schema"):
        await client.complete_json(MESSAGES, {"type": "objekt"}, purpose="plan")
    await client.aclose()


def test_config_precedence_and_secrecy(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        "EVOFLUX_MODEL": "env-model",
        "EVOFLUX_BASE_URL": "http://env:1/v1",
        "EVOFLUX_API_KEY": SECRET,
        "EVOFLUX_CASSETTE_MODE": "replay_or_record",
        "EVOFLUX_CASSETTE": "/tmp/x.jsonl",
    }
    cfg = ModelConfig.from_env(env, model="arg-model")
    assert (cfg.model, cfg.base_url, cfg.secret_key()) == ("arg-model", "http://env:1/v1", SECRET)
    assert cfg.cassette_mode.value == "replay_or_record"
    assert_no_secret(repr(cfg), str(cfg), cfg.model_dump_json())
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("EVOFLUX_CASSETTE_MODE", "off")
    client = ChatClient(base_url="http://arg:2/v1")
    assert (client.model, client.config.base_url, client.config.secret_key()) == (
        "env-model",
        "http://arg:2/v1",
        SECRET,
    )
    assert_no_secret(repr(client))
    explicit = ChatClient(ModelConfig(model="obj", base_url="http://obj:3/v1"))
    assert explicit.config.secret_key() is None  # a config object is complete by itself: no env mixing
    with pytest.raises(ModelNotConfigured, match="EVOFLUX_CASSETTE_MODE"):
        ModelConfig.from_env({"EVOFLUX_CASSETTE_MODE": "sometimes"})


@pytest.mark.anyio
async def test_api_key_never_reaches_the_logs(
    fake: FakeOpenAI, config: ModelConfig, caplog: pytest.LogCaptureFixture
) -> None:
    fake.reject_response_format = True
    fake.push(
        error(503, "busy"), completion('{"steps": [], "done": true}'), error(403, f"key {SECRET} is revoked")
    )
    with caplog.at_level(logging.DEBUG):
        async with ChatClient(config) as client:
            await client.complete_json(MESSAGES, SCHEMA, purpose="plan")
            with pytest.raises(ModelAuthFailed):
                await client.complete_text(MESSAGES, purpose="react")
    assert any("does not support response_format" in r.getMessage() for r in caplog.records)
    assert any("retry 1 of 2" in r.getMessage() for r in caplog.records)
    assert_no_secret(caplog.text, *(str(r.args) for r in caplog.records))
