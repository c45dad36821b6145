"""Fixtures for the model-layer tests: the anyio backend, a scripted fake OpenAI server and a
client config pointing at it with fast retries."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from llm_fakes import SECRET, FakeOpenAI
from pydantic import SecretStr

from evoflux.llm import ModelConfig


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture
def config(fake: FakeOpenAI) -> ModelConfig:
    return ModelConfig(
        model="fake-model",
        base_url=fake.base_url,
        api_key=SecretStr(SECRET),
        max_retries=2,
        backoff_initial_s=0.01,
        backoff_max_s=0.05,
        call_deadline_s=20,
    )
