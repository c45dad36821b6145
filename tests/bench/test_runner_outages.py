"""Bench runs against a model that answers nothing usable, and two bench processes on one run folder: an
outage is the same `failed` record for every strategy, a run where every unit failed exits non-zero, and a
folder another process holds is refused in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evoflux.bench.journal import LOCK_NAME
from evoflux.bench.runner import MODEL_OUTAGE, BenchPlan, StrategySpec, prepare_out, run_failure, run_local
from evoflux.bench.tasks import BUNDLED_SUITE, load_tasks
from evoflux.catalog.config import parse_servers_config
from evoflux.cli import app
from evoflux.errors import UserError
from evoflux.llm import ModelConfig
from evoflux.scoring.budget import Budget
from evoflux.servers import bundled_servers_config
from tests.support.model_server import ModelServer

TASK = "marathon-in-km"


def plan(strategies: str) -> BenchPlan:
    tasks = [t for t in load_tasks(BUNDLED_SUITE) if t.id == TASK]
    return BenchPlan(
        tasks=tasks,
        tasks_source=str(BUNDLED_SUITE),
        strategies=[StrategySpec.parse(s) for s in strategies.split(",")],
        seeds=[0],
        budget=Budget(model_calls=2, seconds=5),
    )


@pytest.mark.anyio
async def test_a_model_that_answers_nothing_usable_is_the_same_failed_record_for_every_strategy(
    tmp_path: Path,
) -> None:
    servers = parse_servers_config(bundled_servers_config(), source="test")
    bench = plan("zero-shot,evoflux,replan")
    with ModelServer("not-json") as server:
        model = ModelConfig(model="scripted-model", base_url=server.base_url, max_retries=0)
        journal = prepare_out(tmp_path, bench.settings(model, servers), resume=False)
        records = {r["strategy"]: r for r in await run_local(bench, journal, servers, model)}
    assert set(records) == {"zero-shot", "evoflux", "replan"}
    for record in records.values():
        assert record["status"] == "failed" and record["error"].startswith(MODEL_OUTAGE), record
    assert "not a chat completion" in records["zero-shot"]["error"]
    assert "not a chat completion" in records["evoflux"]["error"]
    assert run_failure(journal) == f"every one of 3 units failed; the first: {records['zero-shot']['error']}"
    assert len(journal.open(retry_failed=True)) == 0  # --retry-failed runs all three again


def test_run_failure_is_none_while_any_unit_finished(tmp_path: Path) -> None:
    journal = prepare_out(tmp_path, {}, resume=False)
    journal.append({"task_id": "a", "strategy": "evoflux", "seed": 0, "status": "failed", "error": "x"})
    journal.append({"task_id": "b", "strategy": "evoflux", "seed": 0, "status": "done", "error": None})
    assert run_failure(journal) is None
    journal.append({"task_id": "b", "strategy": "evoflux", "seed": 0, "status": "failed", "error": "y"})
    assert run_failure(journal) == "every one of 2 units failed; the first: x"


def test_a_run_folder_is_held_by_one_process_at_a_time(tmp_path: Path) -> None:
    journal = prepare_out(tmp_path, {"model": "m"}, resume=False)
    assert (tmp_path / LOCK_NAME).exists()
    with pytest.raises(UserError, match="is in use by another bench process"):
        prepare_out(tmp_path, {"model": "m"}, resume=True)
    journal.unlock()
    prepare_out(tmp_path, {"model": "m"}, resume=True).unlock()


def test_bench_on_a_folder_in_use_exits_2_with_one_line(tmp_path: Path) -> None:
    held = prepare_out(
        tmp_path, {}, resume=False
    )  # another writer (flock is per open file, as across processes)
    result = CliRunner().invoke(
        app,
        ["bench", "--out", str(tmp_path), "--resume", "--limit", "1", "--base-url", "http://127.0.0.1:9/v1"],
    )
    held.unlock()
    assert result.exit_code == 2
    text = " ".join(result.output.split())  # one message (the test terminal wraps it at 80 columns)
    assert text.startswith("error: ") and text.count("error") == 1
    assert f"{tmp_path} is in use by another bench process" in text
    assert not (tmp_path / "journal.jsonl").exists()


@pytest.mark.e2e  # the command starts every bundled server as a subprocess
def test_bench_exits_1_when_every_unit_failed_for_want_of_a_model(tmp_path: Path) -> None:
    with ModelServer("not-json") as server:
        result = CliRunner().invoke(
            app,
            [
                *(
                    "bench",
                    "--out",
                    str(tmp_path / "run"),
                    "--task",
                    TASK,
                    "--strategies",
                    "zero-shot,evoflux",
                ),
                *("--model", "scripted-model", "--base-url", server.base_url),
                *("--max-seconds", "5", "--max-model-calls", "2"),
            ],
        )
    assert result.exit_code == 1, result.output
    assert "every one of 2 units failed" in result.output
    records = [json.loads(line) for line in (tmp_path / "run" / "journal.jsonl").read_text().splitlines()]
    assert [r["status"] for r in records] == ["failed", "failed"]
