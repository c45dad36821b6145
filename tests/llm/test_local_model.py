"""The embedded local model: a broken GGUF fails with one clear message, the real 1.5B model answers under
a JSON schema (e2e), and the cassette recorded from it replays offline through open_client."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import jsonschema
import pytest
from llm_requests import CASSETTE, REQUESTS

from evoflux.llm import (
    CassetteMode,
    LocalModelServer,
    LocalServerError,
    ModelConfig,
    UsageLedger,
    available_cores,
    model_spec,
    open_client,
)
from local_model_check import local_model_unavailable

HAS_XLLAMACPP = importlib.util.find_spec("xllamacpp") is not None
RECORD = os.environ.get("EVOFLUX_RECORD_CASSETTES") == "1"
"""Re-record the cassette with: EVOFLUX_RECORD_CASSETTES=1 pytest -m e2e tests/llm/test_local_model.py"""


def test_server_needs_start_and_cores_are_counted(tmp_path: Path) -> None:
    server = LocalModelServer(tmp_path / "model.gguf", alias="m")
    assert not server.running and server.threads == available_cores() >= 1
    with pytest.raises(LocalServerError, match="not running"):
        server.model_config()
    with pytest.raises(LocalServerError, match="does not exist"):
        server.start()


@pytest.mark.e2e
@pytest.mark.skipif(not HAS_XLLAMACPP, reason="xllamacpp is not installed (pip install 'evoflux[local]')")
def test_broken_model_file_fails_with_one_clear_message(tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"this is not a gguf file" * 100)
    server = LocalModelServer(broken, alias="broken", startup_timeout_s=60, log_dir=tmp_path)
    with pytest.raises(LocalServerError) as caught:
        server.start()
    message = str(caught.value)
    assert "failed to start" in message and "Last log lines" in message and "GGUF" in message
    assert not server.running and server.pid is None


@pytest.mark.e2e
@pytest.mark.anyio
async def test_real_local_model_answers_under_a_schema() -> None:
    reason = local_model_unavailable()
    if reason:
        pytest.skip(reason)
    if RECORD:
        CASSETTE.unlink(missing_ok=True)
    config = ModelConfig(
        model="local",
        cassette_path=CASSETTE if RECORD else None,
        cassette_mode=CassetteMode.RECORD if RECORD else CassetteMode.OFF,
    )
    ledger = UsageLedger()
    async with open_client(config, ledger=ledger) as client:
        assert client.model == model_spec("local").alias
        assert client.config.base_url is not None and client.config.base_url.startswith("http://127.0.0.1:")
        replies = [
            await client.complete_json(
                request["messages"],
                request["schema"],
                purpose=request["purpose"],
                max_tokens=request["max_tokens"],
                deadline_s=90,
            )
            for request in REQUESTS
        ]
    for reply, request in zip(replies, REQUESTS, strict=True):
        assert reply.ok, reply.failure
        assert reply.json_mode == "schema" and not reply.repaired and not reply.replayed
        jsonschema.validate(reply.value, request["schema"])
    assert replies[1].cached_prompt_tokens > 0  # the shared system prompt was served from the prefix cache
    total = ledger.total()
    assert total.calls == len(REQUESTS) and total.completion_tokens > 0 and total.replayed_calls == 0


@pytest.mark.anyio
async def test_recorded_local_model_cassette_replays_offline() -> None:
    ledger = UsageLedger()
    config = ModelConfig(model="local", cassette_path=CASSETTE, cassette_mode=CassetteMode.REPLAY)
    async with open_client(config, ledger=ledger) as client:
        assert client.model == model_spec("local").alias and client.config.base_url is None
        for request in REQUESTS:
            reply = await client.complete_json(
                request["messages"],
                request["schema"],
                purpose=request["purpose"],
                max_tokens=request["max_tokens"],
            )
            assert reply.ok and reply.replayed
            jsonschema.validate(reply.value, request["schema"])
    total = ledger.total()
    assert total.calls == total.replayed_calls == len(REQUESTS)
    assert total.prompt_tokens > 0 and total.completion_tokens > 0
