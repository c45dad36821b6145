"""The bench runner: strategy names, unit order, the journal's exactly-once guarantee, resuming after a
SIGKILL, failures recorded per task, and the Ray backend agreeing with the local one.

Model answers come from `tests/cassettes/bench_local_qwen1p5b.jsonl`, recorded from the real local model with
`EVOFLUX_CASSETTE=... EVOFLUX_CASSETTE_MODE=record evoflux bench` on the three tasks of `RECORDED_TASKS`,
strategies zero-shot and evoflux, budget `RECORDED_BUDGET`, then once more with `EVOFLUX_CASSETTE_MODE=replay_or_record`
and `--judge-model local`, which replays the strategies' calls and adds the judge's.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from evoflux.bench.journal import Journal, record_key
from evoflux.bench.judge import JUDGE_DIMENSIONS
from evoflux.bench.runner import BenchPlan, StrategySpec, prepare_out, run_local
from evoflux.bench.tasks import BUNDLED_SUITE, Task, load_tasks
from evoflux.catalog.config import parse_servers_config
from evoflux.errors import UserError
from evoflux.llm import CassetteMode, ModelConfig, open_client
from evoflux.scoring.budget import Budget
from evoflux.servers import bundled_servers_config

CASSETTE = Path(__file__).resolve().parents[1] / "cassettes" / "bench_local_qwen1p5b.jsonl"
RECORDED_TASKS = ("marathon-in-km", "madrid-barcelona-km", "oslo-weather-1985")
RECORDED_BUDGET = Budget(model_calls=6, seconds=90)
REPLAY = ModelConfig(model="local", cassette_path=CASSETTE, cassette_mode=CassetteMode.REPLAY)


def recorded_plan(strategies: str = "zero-shot,evoflux") -> BenchPlan:
    tasks = [t for t in load_tasks(BUNDLED_SUITE) if t.id in RECORDED_TASKS]
    return BenchPlan(
        tasks=sorted(tasks, key=lambda t: RECORDED_TASKS.index(t.id)),
        tasks_source=str(BUNDLED_SUITE),
        strategies=[StrategySpec.parse(s) for s in strategies.split(",")],
        seeds=[0],
        budget=RECORDED_BUDGET,
        isolate=("auto",),
    )


def bundled() -> Any:
    return parse_servers_config(bundled_servers_config(), source="test")


def outcome(record: dict[str, Any]) -> tuple:
    """What must not depend on the backend or on being resumed."""
    cost = record["cost"]
    return (
        record["status"],
        record["success"],
        record["executed"],
        record["answer"],
        cost["model_calls"],
        cost["prompt_tokens"],
        cost["completion_tokens"],
        cost["tool_calls"],
        json.dumps(record["metrics"], sort_keys=True),
    )


# ---------------------------------------------------------------- strategies and units


def test_strategy_names_parse_into_solver_strategies_and_ablations() -> None:
    assert StrategySpec.parse("best-of-n").strategy.value == "best-of-n"
    spec = StrategySpec.parse("evoflux-no-redesign+no-diversity")
    assert spec.strategy.value == "evoflux" and spec.switched_off == ("no-redesign", "no-diversity")
    settings = spec.settings(seed=3)
    assert settings.redesign is False and settings.diversity is False and settings.rule_repair is True
    assert settings.seed == 3
    with pytest.raises(UserError, match=r"unknown strategy 'evoflux-no-brains'.*evoflux-no-rule-repair"):
        StrategySpec.parse("evoflux-no-brains")
    with pytest.raises(UserError, match="unknown strategy 'zeroshot'"):
        StrategySpec.parse("zeroshot")


def test_units_cover_every_strategy_seed_and_task_and_rotate_who_goes_first() -> None:
    tasks = [Task(f"t{i}", f"question {i}") for i in range(4)]
    specs = [StrategySpec.parse(s) for s in ("evoflux", "zero-shot", "react")]
    plan = BenchPlan(tasks=tasks, tasks_source="x", strategies=specs, seeds=[0, 1])
    units = plan.units()
    assert len(units) == 4 * 3 * 2 and len({u.key for u in units}) == len(units)
    firsts = [next(u for u in units if u.task.id == t.id).strategy.name for t in tasks]
    assert firsts == ["evoflux", "zero-shot", "react", "evoflux"]


# ---------------------------------------------------------------- the journal


def test_a_torn_last_line_is_cut_off_and_the_rest_kept(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    for task in ("a", "b"):
        journal.append({"task_id": task, "strategy": "zero-shot", "seed": 0})
    with journal.path.open("a") as handle:
        handle.write('{"task_id": "c", "strat')  # what a kill in the middle of a write leaves
    done = Journal(tmp_path).open()
    assert sorted(done) == ["zero-shot/0/a", "zero-shot/0/b"]
    journal.append({"task_id": "c", "strategy": "zero-shot", "seed": 0})
    reread = Journal(tmp_path)
    assert [r["task_id"] for r in reread.read()] == ["a", "b", "c"] and reread.torn_line is None


def test_a_damaged_line_before_the_end_is_an_error_with_its_line_number(tmp_path: Path) -> None:
    (tmp_path / "journal.jsonl").write_text(
        '{"task_id": "a", "strategy": "s", "seed": 0}\nnot json\n{"x": 1}\n'
    )
    with pytest.raises(UserError, match=r"journal.jsonl:2: not valid JSON"):
        Journal(tmp_path).open()


def test_a_run_folder_is_reused_only_to_resume_the_same_run(tmp_path: Path) -> None:
    plan = recorded_plan()
    servers = bundled()
    settings = plan.settings(REPLAY, servers)
    prepare_out(tmp_path / "run", settings, resume=False)
    assert json.loads((tmp_path / "run" / "run.json").read_text())["tasks_sha256"] == settings["tasks_sha256"]
    with pytest.raises(UserError, match=r"already holds a run.*--resume"):
        prepare_out(tmp_path / "run", settings, resume=False)
    prepare_out(tmp_path / "run", settings, resume=True)
    other = BenchPlan(**{**plan.__dict__, "budget": Budget(model_calls=3)}).settings(REPLAY, servers)
    with pytest.raises(UserError, match=r"different settings.*budget"):
        prepare_out(tmp_path / "run", other, resume=True)


# ---------------------------------------------------------------- running (replayed model)


@pytest.mark.anyio
async def test_a_replayed_run_journals_each_unit_once_and_resuming_adds_nothing(tmp_path: Path) -> None:
    plan = recorded_plan()
    journal = prepare_out(tmp_path, plan.settings(REPLAY, bundled()), resume=False)
    seen: list[str] = []
    async with open_client(REPLAY) as client:
        records = await run_local(
            plan,
            journal,
            bundled(),
            REPLAY,
            on_record=lambda r: seen.append(record_key(r)),
            client=client,
            judge_client=client,
        )
    by_key = {record_key(r): r for r in records}
    assert sorted(seen) == sorted(by_key) and len(by_key) == 6
    assert all(r["status"] == "done" for r in records), [r["error"] for r in records]
    # What the recorded model did: zero-shot's marathon plan ran nothing, the search repaired it.
    assert by_key["zero-shot/0/marathon-in-km"]["success"] is False
    evoflux = by_key["evoflux/0/marathon-in-km"]
    assert evoflux["success"] is True and evoflux["executed"] is True
    assert evoflux["metrics"]["input_schema_compliance"] == 1.0 and evoflux["fitness_curve"][-1] == 1.0
    # Both found the two cities and their distance with the first plan.
    assert by_key["zero-shot/0/madrid-barcelona-km"]["success"] is True
    assert by_key["evoflux/0/madrid-barcelona-km"]["success"] is True
    assert by_key["evoflux/0/madrid-barcelona-km"]["fitness_curve"] == [1.0]
    impossible = by_key["evoflux/0/oslo-weather-1985"]
    assert impossible["success"] is None  # no expected answer to check
    # No tool has weather of 1985: the search never claims to have covered the date, and says so.
    assert impossible["result"]["search"]["stop"] != "solved"
    assert any("1985-01-01" in line for line in impossible["result"]["unverified"])
    assert all(r["cost"]["model_calls"] <= RECORDED_BUDGET.model_calls for r in records)
    # The judge scored every result on six dimensions, outside the strategy's budget.
    assert set(evoflux["judge"]) == set(JUDGE_DIMENSIONS) and evoflux["judge_cost"]["model_calls"] == 1
    failed_judge = by_key["zero-shot/0/marathon-in-km"]["judge"]
    assert all(evoflux["judge"][d] > failed_judge[d] for d in ("task_fulfillment", "grounding"))
    lines = journal.path.read_text().splitlines()
    assert len(lines) == 6
    again = await run_local(plan, journal, bundled(), REPLAY, on_record=lambda r: seen.append("again"))
    assert "again" not in seen and len(again) == 6 and journal.path.read_text().splitlines() == lines


@pytest.mark.anyio
async def test_a_server_that_never_starts_fails_its_tasks_not_the_run(tmp_path: Path) -> None:
    data = bundled_servers_config()
    data["mcpServers"]["broken"] = {"command": sys.executable, "args": ["-c", "raise SystemExit(3)"]}
    servers = parse_servers_config(data, source="test")
    tasks = [
        Task("needs-broken", "Use the broken server", servers=("broken",)),
        Task("needs-ghost", "Use a server nobody configured", servers=("ghost",)),
        Task("broken-again", "Use the broken server again", servers=("broken",)),
    ]
    plan = BenchPlan(tasks=tasks, tasks_source="x", strategies=[StrategySpec.parse("zero-shot")], seeds=[0])
    journal = prepare_out(tmp_path, plan.settings(REPLAY, servers), resume=False)
    records = {r["task_id"]: r for r in await run_local(plan, journal, servers, REPLAY)}
    assert {r["status"] for r in records.values()} == {"failed"}
    assert records["needs-broken"]["error"].startswith("server down: broken")
    assert records["broken-again"]["error"].startswith("server down: broken")
    assert "unknown server ghost" in records["needs-ghost"]["error"]
    assert len(journal.read()) == 3


def test_sigkill_halfway_then_resume_leaves_each_unit_exactly_once(tmp_path: Path) -> None:
    config = bundled_servers_config()
    for server in config["mcpServers"].values():
        server["args"] += ["--latency-ms", "400"]  # slow enough to be killed halfway
    servers_file = tmp_path / "servers.json"
    servers_file.write_text(json.dumps(config))
    out = tmp_path / "run"
    command = [
        sys.executable,
        "-m",
        "evoflux.cli",
        "bench",
        "--out",
        str(out),
        "--servers",
        str(servers_file),
    ]
    command += [arg for task in RECORDED_TASKS for arg in ("--task", task)]
    command += ["--strategies", "zero-shot,evoflux", "--max-model-calls", "6", "--max-seconds", "90"]
    env = {
        **os.environ,
        "EVOFLUX_CASSETTE": str(CASSETTE),
        "EVOFLUX_CASSETTE_MODE": "replay",
        "COLUMNS": "200",
    }
    env.pop("EVOFLUX_BASE_URL", None)
    env.pop("EVOFLUX_MODEL", None)
    journal = out / "journal.jsonl"
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if journal.exists() and len(journal.read_bytes().splitlines()) >= 2:
            break
        time.sleep(0.05)
    assert process.poll() is None, process.communicate()[1].decode()[-2000:]
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    before = [json.loads(line) for line in journal.read_text().splitlines() if line.strip().endswith("}")]
    assert 2 <= len(before) < 6
    resumed = subprocess.run([*command, "--resume"], env=env, capture_output=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr.decode()[-2000:]
    final = Journal(out).read()
    keys = [record_key(r) for r in final]
    assert len(keys) == 6 and len(set(keys)) == 6
    first = {record_key(r): outcome(r) for r in before}
    assert all(outcome(r) == first[record_key(r)] for r in final if record_key(r) in first)


@pytest.mark.anyio
async def test_the_ray_backend_gives_the_local_backends_results(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    from evoflux.bench.ray_backend import run_ray

    plan = recorded_plan()
    local_journal = prepare_out(tmp_path / "local", plan.settings(REPLAY, bundled()), resume=False)
    local = {record_key(r): outcome(r) for r in await run_local(plan, local_journal, bundled(), REPLAY)}
    ray_journal = prepare_out(tmp_path / "ray", plan.settings(REPLAY, bundled()), resume=False)
    import anyio.to_thread

    records = await anyio.to_thread.run_sync(
        lambda: run_ray(plan, ray_journal, bundled(), REPLAY, concurrency=2)
    )
    failed = [r["error"] for r in records if r["status"] == "failed"]
    assert not failed, failed
    assert {record_key(r): outcome(r) for r in records} == local
    assert len(ray_journal.read()) == 6


# ---------------------------------------------------------------- the command line, bad input


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--strategies", "evoflux,zeroshot"], "unknown strategy 'zeroshot'"),
        (["--task", "no-such-task"], "unknown task id no-such-task"),
        (["--mcpbench", "/nonexistent/mcp-bench"], "mcp_servers/commands.json"),
        (["--mcpbench", "/nonexistent", "--tasks", str(BUNDLED_SUITE)], "either --tasks or --mcpbench"),
        (["--backend", "spark", "--task", "marathon-in-km"], "unknown backend 'spark'"),
    ],
)
def test_bench_rejects_bad_input_in_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    from typer.testing import CliRunner

    from evoflux.cli import app

    env = {"EVOFLUX_CASSETTE": str(CASSETTE), "EVOFLUX_CASSETTE_MODE": "replay", "COLUMNS": "200"}
    result = CliRunner().invoke(app, ["bench", "--out", str(tmp_path / "run"), *args], env=env)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("error: ") and message in result.stderr
