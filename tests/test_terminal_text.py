"""Text from servers, models and files reaches the terminal verbatim: square brackets are data, never markup."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from evoflux import display
from evoflux.catalog.pool import ServerHealth, ServerState
from evoflux.catalog.tools import ToolSpec
from evoflux.cli import app
from evoflux.execute.outcome import Execution, NodeOutcome, NodeStatus
from evoflux.search.trace import write_summary
from evoflux.solver import Cost, SolveResult
from evoflux.workflow.parse import parse_workflow
from tests.support import solve_offline

BRACKETS = "[n3] [/srv/data] [bold]"
TOOL_OUTPUT = "Allowed directories: [/srv/data]"
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False, env={"COLUMNS": "250"})


def _workflow_json() -> dict:
    return {
        "task": f"Where is Lisbon? {BRACKETS}",
        "nodes": [
            {"id": "n1", "tool": "geo:search_cities", "args": {"name": "Lisbon"}},
            {"id": "n2", "tool": "weather:get_station", "args": {"station_id": "[/srv/data]"}},
            {"id": "answer", "answer": "Lisbon is {n1.cities[0].city_id} " + BRACKETS},
        ],
    }


def test_run_prints_tool_errors_task_and_answer_with_brackets_verbatim(tmp_path: Path):
    path = tmp_path / "wf.json"
    path.write_text(json.dumps(_workflow_json()))
    result = invoke("run", str(path))
    assert result.exit_code == 1  # n2 fails; the run itself is printed in full
    assert f"Where is Lisbon? {BRACKETS}" in result.output
    assert BRACKETS in result.output.split("answer: ")[-1]
    assert "[/srv/data]" in result.output.split("weather:get_station")[-1]


def _solved() -> SolveResult:
    workflow = parse_workflow(_workflow_json())
    outcomes = {
        "n1": NodeOutcome("n1", NodeStatus.OK, output=TOOL_OUTPUT),
        "n2": NodeOutcome("n2", NodeStatus.OK, output={"note": BRACKETS}),
    }
    return SolveResult(
        task=workflow.task or "",
        strategy="zero-shot",
        answer=f"The server allows {BRACKETS}.",
        workflow=workflow,
        issues=[],
        execution=Execution(workflow, outcomes, wall_seconds=0.1, tool_calls=2),
        tools_shown=["geo:search_cities"],
        cost=Cost(model_calls=2, prompt_tokens=10, completion_tokens=5, tool_calls=2, seconds=0.1),
    )


def test_solve_prints_the_answer_workflow_and_tool_output_with_brackets_verbatim(
    monkeypatch: pytest.MonkeyPatch,
):
    solved = _solved()

    async def fake_solve_with(*_: object, **__: object) -> SolveResult:
        return solved

    solve_offline(monkeypatch, fake_solve_with)
    result = invoke("solve", "Where is Lisbon?", "--base-url", "http://127.0.0.1:9/v1")
    assert result.exit_code == 0, result.output
    assert f"answer: The server allows {BRACKETS}." in result.output
    assert TOOL_OUTPUT in result.output and 'station_id="[/srv/data]"' in result.output


def test_trace_show_prints_the_answer_and_workflow_with_brackets_verbatim(tmp_path: Path):
    solved = _solved()
    write_summary(tmp_path, solved.to_json())
    shown = invoke("trace", "show", str(tmp_path))
    assert shown.exit_code == 0, shown.output
    assert '"[/srv/data]"' in shown.output and "zero-shot strategy" in shown.output


def test_server_and_tool_tables_show_brackets_verbatim():
    console = Console(record=True, width=250)
    health = ServerHealth("fs", ServerState.DOWN, last_error=f"cannot list {TOOL_OUTPUT}")
    tool = ToolSpec("fs", "list_allowed", description=f"Lists {BRACKETS}")
    console.print(display.health_table({"fs": health}))
    console.print(display.tools_table([tool]))
    text = console.export_text()
    assert f"cannot list {TOOL_OUTPUT}" in text and f"Lists {BRACKETS}" in text


def test_a_user_error_naming_a_file_with_brackets_is_printed_verbatim(tmp_path: Path):
    missing = tmp_path / "[/srv/data].json"
    result = invoke("run", str(missing))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: cannot read workflow") and "[/srv/data].json" in result.stderr
