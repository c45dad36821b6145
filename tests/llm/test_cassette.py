"""Record/replay of model calls: round trip through a JSONL cassette, misses, ordering of repeated
requests, replay_or_record, corrupt files, and the ledger marking of replayed calls."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from llm_fakes import FakeOpenAI, closed_port_url, completion

from evoflux.llm import (
    Cassette,
    CassetteError,
    CassetteMiss,
    CassetteMode,
    ChatClient,
    ModelConfig,
    UsageLedger,
    request_key,
)

SCHEMA = {"type": "object", "properties": {"answer": {"type": "integer"}}, "required": ["answer"]}


def ask(n: int) -> list[dict[str, str]]:
    return [{"role": "user", "content": f"What is {n} + {n}? Answer as JSON."}]


@pytest.mark.anyio
async def test_record_then_replay_round_trip(fake: FakeOpenAI, config: ModelConfig, tmp_path: Path) -> None:
    path = tmp_path / "cassettes" / "llm_roundtrip.jsonl"
    fake.push(
        completion('{"answer": 2}', prompt_tokens=20, completion_tokens=6, cached_tokens=4),
        completion("four", prompt_tokens=21, completion_tokens=2),
    )
    async with ChatClient(config, cassette=Cassette(path, CassetteMode.RECORD)) as client:
        live_json = await client.complete_json(ask(1), SCHEMA, purpose="synthesize", seed=3)
        live_text = await client.complete_text(ask(2), purpose="react")
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(lines) == 2
    assert set(lines[0]) == {"key", "request", "response"}
    assert lines[0]["request"]["purpose"] == "synthesize" and lines[0]["request"]["seed"] == 3
    assert lines[0]["response"]["text"] == '{"answer": 2}'

    ledger = UsageLedger()
    offline = config.with_overrides(base_url=closed_port_url(), cassette_path=path, cassette_mode="replay")
    async with ChatClient(offline, ledger=ledger) as client:
        replay_json = await client.complete_json(ask(1), SCHEMA, purpose="synthesize", seed=3)
        replay_text = await client.complete_text(ask(2), purpose="react")
    assert replay_json.replayed and replay_text.replayed
    assert replay_json.value == live_json.value == {"answer": 2}
    assert replay_text.text == live_text.text == "four"
    assert (replay_json.prompt_tokens, replay_json.completion_tokens) == (20, 6)
    total = ledger.total()
    assert (total.calls, total.replayed_calls, total.prompt_tokens, total.completion_tokens) == (2, 2, 41, 8)
    assert total.cached_prompt_tokens == 4
    assert all(record.replayed for record in ledger.records)
    assert len(fake.requests) == 2  # replay never touched a server


@pytest.mark.anyio
async def test_replay_miss_names_cassette_and_request(config: ModelConfig, tmp_path: Path) -> None:
    path = tmp_path / "llm_miss.jsonl"
    path.write_text("")
    offline = config.with_overrides(base_url=closed_port_url())
    async with ChatClient(offline, cassette=Cassette(path, "replay")) as client:
        with pytest.raises(CassetteMiss) as caught:
            await client.complete_json(ask(9), SCHEMA, purpose="judge", schema_name="verdict", max_tokens=50)
    message = str(caught.value)
    assert str(path) in message and caught.value.cassette == str(path)
    assert "judge request to fake-model" in message and "verdict" in message and "What is 9 + 9?" in message
    assert "max_tokens 50" in message and "replay_or_record" in message


def test_replay_of_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CassetteError, match="does not exist"):
        Cassette(tmp_path / "nope.jsonl", CassetteMode.REPLAY)


@pytest.mark.anyio
async def test_repeated_requests_replay_in_recorded_order(
    fake: FakeOpenAI, config: ModelConfig, tmp_path: Path
) -> None:
    path = tmp_path / "llm_order.jsonl"
    fake.push(completion('{"answer": 1}'), completion('{"answer": 2}'))
    async with ChatClient(config, cassette=Cassette(path, "record")) as client:
        for _ in range(2):
            await client.complete_json(ask(5), SCHEMA, purpose="plan", temperature=0.8)
    async with ChatClient(config, cassette=Cassette(path, "replay")) as client:
        values = [
            (await client.complete_json(ask(5), SCHEMA, purpose="plan", temperature=0.8)).value
            for _ in range(3)
        ]
    assert values == [{"answer": 1}, {"answer": 2}, {"answer": 2}]  # past the end, replay reuses the last


@pytest.mark.anyio
async def test_replay_or_record_only_calls_the_model_on_misses(
    fake: FakeOpenAI, config: ModelConfig, tmp_path: Path
) -> None:
    path = tmp_path / "llm_mixed.jsonl"
    fake.push(completion('{"answer": 6}'), completion('{"answer": 8}'))
    cfg = config.with_overrides(cassette_path=path, cassette_mode="replay_or_record")
    async with ChatClient(cfg) as client:
        await client.complete_json(ask(3), SCHEMA, purpose="plan")
    ledger = UsageLedger()
    async with ChatClient(cfg, ledger=ledger) as client:
        again = await client.complete_json(ask(3), SCHEMA, purpose="plan")
        new = await client.complete_json(ask(4), SCHEMA, purpose="plan")
    assert again.replayed and again.value == {"answer": 6}
    assert not new.replayed and new.value == {"answer": 8}
    assert len(fake.requests) == 2
    assert len(Cassette(path, "replay")) == 2
    assert ledger.total().replayed_calls == 1


def test_request_key_covers_everything_that_changes_the_answer() -> None:
    base = {
        "model": "m",
        "messages": [{"role": "user", "content": "hi"}],
        "schema": SCHEMA,
        "temperature": 0.0,
        "seed": None,
        "max_tokens": 100,
    }
    key = request_key(**base)  # type: ignore[arg-type]
    assert key == request_key(**dict(base))  # type: ignore[arg-type]
    for field, value in [
        ("model", "other"),
        ("messages", [{"role": "user", "content": "hi!"}]),
        ("schema", None),
        ("temperature", 0.5),
        ("seed", 1),
        ("max_tokens", 101),
    ]:
        assert request_key(**{**base, field: value}) != key  # type: ignore[arg-type]


def test_corrupt_cassette_line_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "llm_bad.jsonl"
    path.write_text('{"key": "abc"}\n')
    with pytest.raises(CassetteError, match="line 1"):
        Cassette(path, "replay")
