"""Every strategy ends within its time budget plus `DEADLINE_MARGIN_S`, even when the model never answers.

The model server here accepts connections and never replies, so only the deadlines the strategies give each
call (enforced by the real `ChatClient`) end a solve.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import pytest
from anyio.abc import SocketAttribute, SocketStream

from evoflux.catalog.config import InProcessServer, ServersConfig
from evoflux.environment import ToolEnvironment
from evoflux.llm import CallRecord, ChatClient, ModelConfig, ModelReply, UsageLedger
from evoflux.llm.parsing import parse_json_text, schema_validator
from evoflux.scoring.budget import Budget
from evoflux.servers import BUNDLED_SERVERS
from evoflux.solver import Strategy, solve_with
from evoflux.strategy import DEADLINE_MARGIN_S
from tests.support import station_read, station_search

TASK = "What is the temperature right now in Oslo in Fahrenheit?"
SECONDS = 3.0
LOADED_MACHINE_S = 2.0  # slack for a busy test machine, on top of the stated margin

pytestmark = pytest.mark.anyio


def bundled() -> ServersConfig:
    return ServersConfig.of(
        *(
            InProcessServer(name, importlib.import_module(module).build_server)
            for name, module in BUNDLED_SERVERS.items()
        )
    )


@asynccontextmanager
async def silent_model_server() -> AsyncIterator[str]:
    """The base URL of a server that takes every request and never answers."""

    async def hold(stream: SocketStream) -> None:
        async with stream:
            await anyio.sleep_forever()

    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    port = listener.extra(SocketAttribute.local_port)
    async with listener, anyio.create_task_group() as group:
        group.start_soon(listener.serve, hold)
        yield f"http://127.0.0.1:{port}/v1"
        group.cancel_scope.cancel()


@pytest.mark.parametrize("strategy", list(Strategy))
async def test_a_model_that_never_answers_ends_every_strategy_within_its_time_budget(
    strategy: Strategy,
) -> None:
    ledger = UsageLedger()
    limit = SECONDS + DEADLINE_MARGIN_S + LOADED_MACHINE_S
    async with silent_model_server() as base_url, ToolEnvironment(bundled()) as env:
        client = ChatClient(ModelConfig(model="silent", base_url=base_url), ledger=ledger)
        started = anyio.current_time()
        with anyio.fail_after(limit):  # zero-shot once waited for the client's own 300 s deadline
            result = await solve_with(
                TASK, env, client, strategy=strategy, servers=["weather"], budget=Budget(seconds=SECONDS)
            )
        elapsed = anyio.current_time() - started
        await client.aclose()
    assert elapsed < limit
    assert ledger.records and all(r.error == "ModelTimeout" for r in ledger.records)  # the model was asked
    assert result.cost.model_calls == len(ledger.records)
    assert result.answer.startswith("Could not complete") and result.execution is None
    json.dumps(result.to_json())


class DeadlineSpy:
    """Answers with scripted texts, as the real client parses them, and keeps each call's `deadline_s`."""

    def __init__(self, *texts: str):
        self.texts = list(texts)
        self.ledger = UsageLedger()
        self.deadlines: list[tuple[str, float | None]] = []

    async def complete_json(self, messages, schema, *, purpose, deadline_s=None, **_: object) -> ModelReply:
        self.deadlines.append((str(purpose), deadline_s))
        text = self.texts.pop(0)
        parsed = parse_json_text(text, "stop", schema_validator(schema))
        self.ledger.record(CallRecord(purpose, "scripted", 100, 10, 0.01))
        return ModelReply(
            purpose=purpose,
            model="scripted",
            text=text,
            value=parsed.value,
            failure=parsed.failure,
            finish_reason="stop",
            prompt_tokens=100,
            completion_tokens=10,
            seconds=0.01,
            json_mode="schema",
        )


async def test_zero_shot_gives_its_plan_and_its_answer_the_seconds_left_as_deadlines() -> None:
    plan = {
        "steps": [
            station_search("n1", "Oslo"),
            station_read("n2", "n1"),
        ],
        "answer": "{n2.temperature}",
    }
    client = DeadlineSpy(json.dumps(plan), json.dumps({"answer": "It is cold [n2]."}))
    async with ToolEnvironment(bundled()) as env:
        result = await solve_with(
            TASK,
            env,
            client,  # type: ignore[arg-type]
            strategy=Strategy.ZERO_SHOT,
            servers=["weather"],
            budget=Budget(seconds=60),
        )
    assert result.answer == "It is cold [n2]." and result.executed
    assert [purpose for purpose, _ in client.deadlines] == ["plan", "synthesize"]
    plan_deadline, answer_deadline = (deadline for _, deadline in client.deadlines)
    assert plan_deadline is not None and answer_deadline is not None
    assert 60 >= plan_deadline >= answer_deadline > 60 - result.cost.seconds - 0.5
