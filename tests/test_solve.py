"""Solving tasks end to end: retrieve tools, plan, check, execute, synthesize, account for the cost.

Most tests replay `tests/cassettes/plan_local_qwen1p5b.jsonl`, recorded from the real embedded
Qwen2.5-Coder-1.5B model over the in-process bundled servers (temperature 0, seed 7), and assert exactly
what that model did on each task, right or wrong. Replay loads no model and takes well under a second.

Re-record (needs xllamacpp and the local model; about 2 minutes on 2 cores):

    EVOFLUX_RECORD_CASSETTES=1 .venv/bin/pytest -m e2e tests/test_solve.py -k record -s

The recording test deletes the cassette first and prints each SolveResult as JSON; update RECORDED below
from that output (a changed prompt, tool list or server data also changes the replay keys, and replay then
fails with CassetteMiss until the cassette is recorded again).
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from mcp.server import MCPServer
from pydantic import SecretStr
from typer.testing import CliRunner

import evoflux
from evoflux import assemble
from evoflux.catalog.config import InProcessServer, ServersConfig
from evoflux.cli import app
from evoflux.environment import ToolEnvironment
from evoflux.errors import UserError
from evoflux.llm import (
    CallRecord,
    CassetteError,
    CassetteMiss,
    CassetteMode,
    ChatClient,
    ModelConfig,
    ModelUnreachable,
    ScriptedChat,
    UsageLedger,
    open_client,
)
from evoflux.settings import ModelSettings, SolveSettings
from evoflux.solver import Cost, SolveResult, Strategy, model_config, solve_with
from local_model_check import local_model_unavailable
from tests.support import bundled_config, distance_steps

CASSETTE = Path(__file__).resolve().parent / "cassettes" / "plan_local_qwen1p5b.jsonl"
RECORD = os.environ.get("EVOFLUX_RECORD_CASSETTES") == "1"
SEED = 7
SECRET = "sk-evoflux-test-SECRET-4711"
TASKS = {
    "oslo": "What is the temperature right now in Oslo in Fahrenheit?",
    "lisbon": "How far is Lisbon from the capital of Germany, in miles?",
    "shop": "What is the price of the Barista Pro 2 Espresso Machine in US dollars?",
    "library": "Is the book 'The Quiet Algorithm' available at the Central Library branch?",
}
ENV_VARS = (
    "EVOFLUX_MODEL",
    "EVOFLUX_BASE_URL",
    "EVOFLUX_API_KEY",
    "EVOFLUX_CASSETTE",
    "EVOFLUX_CASSETTE_MODE",
    "EVOFLUX_MODEL_PATH",
    "EVOFLUX_SERVERS",
)


@dataclass(frozen=True)
class Recorded:
    """What the recorded model did on one task."""

    tools: tuple[str, ...]
    statuses: dict[str, str]
    issues: tuple[tuple[str, str | None], ...]  # (code, node) of every error the checker found
    answer: str
    purposes: dict[str, int]
    tool_calls: int
    executed: bool


RECORDED = {
    # Searched for Oslo's station, then read its conditions in imperial units.
    "oslo": Recorded(
        tools=("weather:search_stations", "weather:current_conditions"),
        statuses={"n1": "ok", "n2": "ok", "answer": "ok"},
        issues=(),
        answer="29.6 Fahrenheit",
        purposes={"plan": 1, "synthesize": 1},
        tool_calls=2,
        executed=True,
    ),
    # Passed city names where get_city wants ids: both calls rejected before they were sent, so no
    # evidence and no synthesize call.
    "lisbon": Recorded(
        tools=("geo:get_city", "geo:get_city", "geo:distance_between"),
        statuses={"n1": "schema_rejected", "n2": "schema_rejected", "n3": "skipped", "answer": "skipped"},
        issues=(("arg_pattern", "n1"), ("arg_pattern", "n2")),
        answer="Could not complete: no tool step succeeded, so there is no evidence to answer from.",
        purposes={"plan": 1},
        tool_calls=0,
        executed=False,
    ),
    # Searched for the product, then read its price with the id the search returned.
    "shop": Recorded(
        tools=("shop:search_products", "shop:get_product"),
        statuses={"n1": "ok", "n2": "ok", "answer": "ok"},
        issues=(),
        answer="The price of the Barista Pro 2 Espresso Machine in US dollars is 649.0",
        purposes={"plan": 1, "synthesize": 1},
        tool_calls=2,
        executed=True,
    ),
    # Searched for the book by its title, then read the book by the id the search found.
    "library": Recorded(
        tools=("library:search_books", "library:get_book"),
        statuses={"n1": "ok", "n2": "ok", "answer": "ok"},
        issues=(),
        answer="Yes, the book 'The Quiet Algorithm' is available at the Central Library branch.",
        purposes={"plan": 1, "synthesize": 1},
        tool_calls=2,
        executed=True,
    ),
}


def cassette_entries(task: str) -> list[dict[str, Any]]:
    """The recorded calls made for `task` (its plan call and, when one ran, its synthesize call)."""
    entries = [json.loads(line) for line in CASSETTE.read_text().splitlines() if line.strip()]
    return [e for e in entries if e["request"]["last_message"].startswith(f"request: {task}")]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)  # no ./evoflux.servers.json
    return tmp_path


# ---------------------------------------------------------------- recording (the real model)


@pytest.mark.e2e
@pytest.mark.anyio
async def test_record_solve_cassette() -> None:
    if not RECORD:
        pytest.skip("re-record with EVOFLUX_RECORD_CASSETTES=1 (see the module docstring)")
    reason = local_model_unavailable()
    if reason:
        pytest.skip(reason)
    CASSETTE.unlink(missing_ok=True)
    config = ModelConfig(model="local", cassette_path=CASSETTE, cassette_mode=CassetteMode.RECORD)
    async with open_client(config) as client:
        for task in TASKS.values():
            async with ToolEnvironment(bundled_config()) as env:  # fresh servers per task, as on replay
                result = await solve_with(task, env, client, seed=SEED, strategy="zero-shot")
            print(json.dumps(result.to_json(), indent=2))
    assert all(cassette_entries(task) for task in TASKS.values())


# ---------------------------------------------------------------- replaying the recorded model


needs_cassette = pytest.mark.skipif(
    not CASSETTE.is_file(),
    reason=f"{CASSETTE.name} is missing; record it with EVOFLUX_RECORD_CASSETTES=1 (see tests/test_solve.py)",
)


async def replay(task: str) -> tuple[SolveResult, UsageLedger]:
    config = ModelConfig(
        model="local", api_key=SecretStr(SECRET), cassette_path=CASSETTE, cassette_mode=CassetteMode.REPLAY
    )
    ledger = UsageLedger()
    async with open_client(config, ledger=ledger) as client, ToolEnvironment(bundled_config()) as env:
        assert client.config.base_url is None  # replay never starts the local model
        try:
            return await solve_with(task, env, client, seed=SEED, strategy="zero-shot"), ledger
        except CassetteMiss as exc:
            pytest.fail(
                f"the cassette is stale: {exc.message}\nRe-record it (see the tests/test_solve.py docstring)."
            )


@needs_cassette
@pytest.mark.anyio
@pytest.mark.parametrize("name", list(TASKS))
async def test_replayed_solve_does_what_the_model_did(name: str) -> None:
    task, expected = TASKS[name], RECORDED[name]
    result, _ = await replay(task)
    assert result.task == task and result.strategy == "zero-shot" and result.error is None
    assert result.workflow is not None and result.workflow.task == task
    assert tuple(n.tool_key for n in result.workflow.tool_nodes) == expected.tools
    assert set(expected.tools) <= set(result.tools_shown) and len(result.tools_shown) == 8
    assert result.execution is not None
    assert {node: o.status.value for node, o in result.execution.outcomes.items()} == expected.statuses
    errors = tuple((str(i.code), i.node) for i in result.issues if i.severity == "error")
    assert errors == expected.issues
    assert result.executed is expected.executed
    assert result.answer == expected.answer


@needs_cassette
@pytest.mark.anyio
@pytest.mark.parametrize("name", list(TASKS))
async def test_replayed_cost_matches_the_recording(name: str) -> None:
    task, expected = TASKS[name], RECORDED[name]
    result, ledger = await replay(task)
    entries = cassette_entries(task)
    cost = result.cost
    assert cost.model_calls == len(entries) == sum(expected.purposes.values())
    assert {p: v["calls"] for p, v in cost.by_purpose.items()} == expected.purposes
    assert [e["request"]["purpose"] for e in entries] == list(expected.purposes)
    assert cost.prompt_tokens == sum(e["response"]["prompt_tokens"] for e in entries) > 0
    assert cost.completion_tokens == sum(e["response"]["completion_tokens"] for e in entries) > 0
    for purpose, totals in cost.by_purpose.items():
        recorded = [e["response"] for e in entries if e["request"]["purpose"] == purpose]
        assert totals["prompt_tokens"] == sum(r["prompt_tokens"] for r in recorded)
        assert totals["completion_tokens"] == sum(r["completion_tokens"] for r in recorded)
    assert result.execution is not None
    assert cost.tool_calls == result.execution.tool_calls == expected.tool_calls
    totals = ledger.total()
    assert totals.calls == totals.replayed_calls == cost.model_calls and totals.failed_calls == 0
    assert 0 <= cost.seconds < 30
    assert cost.line().startswith(
        f"{cost.model_calls} model calls, {cost.prompt_tokens}+{cost.completion_tokens} tokens, "
        f"{cost.tool_calls} tool calls, "
    )


@needs_cassette
@pytest.mark.anyio
@pytest.mark.parametrize("name", list(TASKS))
async def test_replayed_result_json_is_serializable_and_has_no_secrets(name: str) -> None:
    result, _ = await replay(TASKS[name])
    data = result.to_json()
    text = json.dumps(data)  # no default=: everything must already be JSON
    assert SECRET not in text and SECRET not in repr(result)
    assert json.loads(text) == data
    assert data["executed"] is RECORDED[name].executed
    assert [n["node"] for n in data["nodes"]] == list(RECORDED[name].statuses)
    assert [n["status"] for n in data["nodes"]] == list(RECORDED[name].statuses.values())
    assert data["workflow"]["task"] == TASKS[name]
    assert data["cost"]["model_calls"] == sum(RECORDED[name].purposes.values())
    assert all(isinstance(issue, str) for issue in data["issues"])


@needs_cassette
@pytest.mark.anyio
async def test_replay_of_an_unrecorded_task_fails_instead_of_calling_a_model() -> None:
    config = ModelConfig(model="local", cassette_path=CASSETTE, cassette_mode=CassetteMode.REPLAY)
    async with open_client(config) as client, ToolEnvironment(bundled_config()) as env:
        with pytest.raises(CassetteMiss, match="no recorded response for this plan request"):
            await solve_with(
                "What is the weather forecast for Bergen?", env, client, seed=SEED, strategy="zero-shot"
            )


def test_replay_without_a_cassette_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CassetteError, match="does not exist"):
        ChatClient(
            ModelConfig(model="m", cassette_path=tmp_path / "none.jsonl", cassette_mode=CassetteMode.REPLAY)
        )


# ---------------------------------------------------------------- solve_with with a scripted model


def plan_text(*steps: dict[str, Any], answer: str = "Done.") -> str:
    return json.dumps({"steps": list(steps), "answer": answer})


@pytest.mark.anyio
async def test_prose_instead_of_a_plan_answers_could_not_complete_and_runs_nothing() -> None:
    client = ScriptedChat("I would search for the city first and then compute the distance.")
    async with ToolEnvironment(bundled_config("geo")) as env:
        result = await solve_with(TASKS["lisbon"], env, client, strategy="zero-shot")
    assert result.workflow is None and result.execution is None and not result.executed
    assert result.error is not None and "not a workflow" in result.error
    assert result.answer == f"Could not complete: {result.error}"
    assert (result.cost.model_calls, result.cost.tool_calls) == (1, 0)
    assert (result.cost.prompt_tokens, result.cost.completion_tokens) == (100, 10)
    data = result.to_json()
    assert data["workflow"] is None and data["nodes"] == [] and json.dumps(data)


@pytest.mark.anyio
async def test_a_good_plan_runs_and_is_answered_with_both_calls_counted() -> None:
    plan = plan_text(*distance_steps("Lisbon", "Berlin", "mile"), answer="It is {n3.distance} miles.")
    client = ScriptedChat(plan, json.dumps({"answer": "About 1436.7 miles [n3]."}))
    async with ToolEnvironment(bundled_config("geo")) as env:
        result = await solve_with(TASKS["lisbon"], env, client, servers=["geo"], strategy="zero-shot")
    assert result.executed and result.issues == []
    assert all(key.startswith("geo:") for key in result.tools_shown)
    assert result.execution is not None and result.execution.tool_calls == result.cost.tool_calls == 3
    assert result.cost.model_calls == 2 and result.cost.by_purpose["synthesize"]["calls"] == 1
    assert result.answer == "About 1436.7 miles [n3]."
    evidence = client.calls[1].messages[1]["content"]
    assert "[n3] geo:distance_between(" in evidence and "[draft] It is " in evidence


@pytest.mark.anyio
async def test_a_run_with_a_failed_step_is_marked_incomplete() -> None:
    plan = plan_text(
        {"id": "n1", "tool": "geo:get_city", "args": {"city_id": "CTY-9999"}},
        {"id": "n2", "tool": "geo:search_cities", "args": {"name": "Berlin"}},
        answer="{n2.cities[0].name}",
    )
    client = ScriptedChat(plan, json.dumps({"answer": "Berlin is known [n2]; Lisbon is not."}))
    async with ToolEnvironment(bundled_config("geo")) as env:
        result = await solve_with(TASKS["lisbon"], env, client, servers=["geo"], strategy="zero-shot")
    assert result.execution is not None and [o.node for o in result.execution.failures()] == ["n1"]
    assert result.answer == "(incomplete: step n1 failed) Berlin is known [n2]; Lisbon is not."
    assert "Steps n1 FAILED" in client.calls[1].messages[1]["content"]


@pytest.mark.anyio
async def test_cost_counts_only_this_solves_calls_on_a_shared_ledger() -> None:
    ledger = UsageLedger()
    ledger.record(CallRecord("plan", "earlier", 5000, 500, 1.0))  # type: ignore[arg-type]
    client = ScriptedChat("no plan here", "still no plan", ledger=ledger)
    async with ToolEnvironment(bundled_config("geo")) as env:
        first = await solve_with("Find Lisbon", env, client, strategy="zero-shot")
        second = await solve_with("Find Berlin", env, client, strategy="zero-shot")
    for result in (first, second):
        assert (result.cost.model_calls, result.cost.prompt_tokens, result.cost.completion_tokens) == (
            1,
            100,
            10,
        )
    assert len(ledger.records) == 3


@pytest.mark.anyio
async def test_a_plan_with_a_failing_and_a_working_step_is_incomplete() -> None:
    plan = plan_text(
        {"id": "n1", "tool": "geo:search_cities", "args": {"name": "Lisbon"}},
        {"id": "n2", "tool": "geo:get_city", "args": {"city_id": "CTY-9999"}},
        answer="{n1.cities[0].name} and {n2.name}",
    )
    client = ScriptedChat(plan, json.dumps({"answer": "Lisbon is CTY-0001 [n1]."}))
    async with ToolEnvironment(bundled_config("geo")) as env:
        result = await solve_with("Where are Lisbon and city 9999?", env, client, strategy="zero-shot")
    assert result.execution is not None
    assert {n: o.status.value for n, o in result.execution.outcomes.items()} == {
        "n1": "ok",
        "n2": "tool_error",
        "answer": "skipped",
    }
    assert result.answer == "(incomplete: step n2 failed) Lisbon is CTY-0001 [n1]."
    assert not result.executed and result.cost.model_calls == 2


@pytest.mark.anyio
async def test_servers_without_tools_are_a_user_error() -> None:
    empty = ServersConfig.of(InProcessServer("empty", lambda: MCPServer("empty")))
    client = ScriptedChat()
    raised: Exception | None = None
    async with ToolEnvironment(empty) as env:
        try:
            await solve_with("anything", env, client, strategy="zero-shot")
        except Exception as exc:
            raised = exc
    assert isinstance(raised, UserError), repr(raised)
    assert "no tools to plan with" in str(raised) and client.calls == []


# ---------------------------------------------------------------- model_config and Cost


def test_model_config_defaults_to_the_embedded_model(clean_env: Path) -> None:
    assert model_config().model == "local"
    assert model_config(model="local-0.5b").model == "local-0.5b"


def test_model_config_with_only_a_base_url_names_no_model(clean_env: Path) -> None:
    config = model_config(base_url="http://127.0.0.1:8000/v1")
    assert config.model is None and config.base_url == "http://127.0.0.1:8000/v1"


def test_model_config_flags_win_over_the_environment(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVOFLUX_MODEL", "qwen-env")
    monkeypatch.setenv("EVOFLUX_BASE_URL", "http://env:1/v1")
    monkeypatch.setenv("EVOFLUX_API_KEY", SECRET)
    from_env = model_config()
    assert (from_env.model, from_env.base_url, from_env.secret_key()) == (
        "qwen-env",
        "http://env:1/v1",
        SECRET,
    )
    assert SECRET not in repr(from_env)
    flagged = model_config("qwen-flag", "http://flag:2/v1", max_retries=0)
    assert (flagged.model, flagged.base_url, flagged.max_retries) == ("qwen-flag", "http://flag:2/v1", 0)


def test_cost_line() -> None:
    cost = Cost(model_calls=2, prompt_tokens=1480, completion_tokens=76, tool_calls=1, seconds=3.25)
    assert cost.line() == "2 model calls, 1480+76 tokens, 1 tool calls, 3.2 s"
    assert cost.by_purpose == {}


# ---------------------------------------------------------------- the `solve` command


runner = CliRunner()


@pytest.fixture
def geo_only(clean_env: Path) -> Path:
    """A servers file with just the geo server (stdio), so the command starts one small process."""
    path = clean_env / "geo.servers.json"
    path.write_text(
        json.dumps(
            {"mcpServers": {"geo": {"command": sys.executable, "args": ["-m", "evoflux.servers.geo"]}}}
        )
    )
    return path


def test_solve_with_an_unreachable_model_server_is_a_one_line_error(
    geo_only: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVOFLUX_MODEL", "x")
    monkeypatch.setattr(ChatClient, "_backoff", lambda self, failures, exc: 0.0)  # retry at once
    url = "http://127.0.0.1:9"
    result = runner.invoke(
        app,
        ["solve", "How far is Lisbon from Berlin?", "--base-url", url, "--servers", str(geo_only)],
        env={"COLUMNS": "250"},
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    first, *rest = result.stderr.strip().splitlines()
    assert first.startswith("error: ") and url in first
    assert len(rest) <= 1  # at most the hint line


def test_the_sync_solve_is_the_library_assembly_of_its_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    solved: list[tuple[str, SolveSettings]] = []

    async def solve_task(task: str, settings: SolveSettings) -> str:
        solved.append((task, settings))
        return "the result"

    monkeypatch.setattr(assemble, "solve_task", solve_task)
    result = evoflux.solve(
        "How far?",
        servers=Path("s.json"),
        model="m",
        base_url="http://x/v1",
        strategy="replan",
        top_k=3,
        server_names=["geo"],
    )
    assert result == "the result"
    assert solved == [
        (
            "How far?",
            SolveSettings(
                servers="s.json",
                model=ModelSettings("m", "http://x/v1"),
                strategy=Strategy.REPLAN,
                server_names=("geo",),
                top_k=3,
            ),
        )
    ]


def test_the_sync_solve_opens_the_configured_servers_and_model(
    geo_only: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ChatClient, "_backoff", lambda self, failures, exc: 0.0)  # retry at once
    with pytest.raises(ModelUnreachable, match=r"127\.0\.0\.1:9"):
        evoflux.solve("How far is Lisbon?", servers=geo_only, model="x", base_url="http://127.0.0.1:9")


@pytest.mark.parametrize("how", ["env", "flag"])
def test_solve_with_a_missing_model_file_is_a_clear_error(clean_env: Path, monkeypatch, how: str) -> None:
    missing = clean_env / "nowhere" / "model.gguf"
    args = ["solve", "What time is it in Oslo?", "--model", "local"]
    if how == "env":
        monkeypatch.setenv("EVOFLUX_MODEL_PATH", str(missing))
    else:
        args += ["--model-path", str(missing)]
    result = runner.invoke(app, args, env={"COLUMNS": "250"})
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.stdout == ""
    first, *rest = result.stderr.strip().splitlines()
    assert first == f"error: The model file {missing} does not exist."
    assert len(rest) == 1 and "EVOFLUX_MODEL_PATH" in rest[0]


@pytest.mark.e2e
def test_solve_command_with_the_real_local_model(clean_env: Path) -> None:
    reason = local_model_unavailable()
    if reason:
        pytest.skip(reason)
    result = runner.invoke(
        app,
        [
            "solve",
            "What is the temperature right now in Oslo?",
            "--json",
            "--server",
            "weather",
            "--top-k",
            "4",
            "--max-model-calls",
            "4",
            "--max-seconds",
            "120",
            "--trace",
            str(clean_env / "trace"),
        ],
    )
    assert result.exit_code in (0, 1), result.output  # 1 only means the workflow did not run end to end
    data = json.loads(result.stdout)
    assert data["cost"]["model_calls"] >= 1 and data["cost"]["prompt_tokens"] > 0
    assert data["workflow"] is not None and data["workflow"]["nodes"]
    assert data["nodes"] and all(n["status"] for n in data["nodes"])
    assert all(key.startswith("weather:") for key in data["tools_shown"]) and len(data["tools_shown"]) == 4
    assert (result.exit_code == 0) is data["executed"]
    assert json.loads((clean_env / "trace" / "result.json").read_text())["task"] == data["task"]
