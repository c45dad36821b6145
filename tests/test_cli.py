"""The command line against the bundled servers: results, exit codes and one-line errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evoflux.cli import app
from evoflux.examples import example_paths

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def workflow_file(tmp_path: Path):
    def write(data: object, name: str = "wf.json") -> Path:
        path = tmp_path / name
        path.write_text(data if isinstance(data, str) else json.dumps(data))
        return path

    return write


def test_every_example_runs_end_to_end_and_prints_json_results():
    paths = [str(p) for p in example_paths()]
    assert len(paths) >= 3
    result = invoke("run", *paths, "--json")
    assert result.exit_code == 0, result.output
    results = json.loads(result.output)
    assert [r["ok"] for r in results] == [True] * len(paths)
    oslo = next(r for r in results if r["workflow"].endswith("oslo_temperature.json"))
    assert oslo["nodes"]["n3"]["output"]["to_unit"] == "fahrenheit"
    assert all(len(r["nodes"]) >= 4 for r in results)


def test_run_writes_a_trace_per_workflow(tmp_path: Path):
    example = example_paths()[0]
    result = invoke("run", str(example), "--json", "--trace", str(tmp_path / "traces"))
    assert result.exit_code == 0
    trace = json.loads((tmp_path / "traces" / f"{example.stem}.trace.json").read_text())
    assert trace["ok"] and all("seconds" in n for n in trace["nodes"])


def test_check_reports_issues_with_fixes_and_exit_code_1(workflow_file):
    path = workflow_file(
        {
            "nodes": [
                {"id": "n1", "tool": "units:convert_lenght", "args": {"value": 3, "from_unit": "kilometers"}}
            ]
        }
    )
    result = invoke("check", str(path))
    assert result.exit_code == 1
    assert "unknown_tool" in result.output and "convert_length" in result.output


def test_a_failing_node_gives_exit_code_1_and_its_error(workflow_file):
    path = workflow_file(
        {"nodes": [{"id": "n1", "tool": "weather:get_station", "args": {"station_id": "WX-ZZZ-99"}}]}
    )
    result = invoke("run", str(path), "--json")
    assert result.exit_code == 1
    node = json.loads(result.output)["nodes"]["n1"]
    assert node["status"] == "tool_error" and "WX-ZZZ-99" in node["error"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("this is not json {", "wf.json"),
        ('{"nodes": "n1"}', "nodes"),
        ('{"nodes": [{"id": "n1"}]}', "tool"),
    ],
)
def test_bad_workflow_files_are_user_errors(workflow_file, content, expected):
    result = invoke("run", str(workflow_file(content)))
    assert result.exit_code == 2
    assert expected in result.output and "Traceback" not in result.output


def test_malformed_server_config_is_one_clear_message(tmp_path: Path, workflow_file):
    config = tmp_path / "mcp.json"
    config.write_text('{"mcpServers": {"broken": {"args": ["x"]}}}')
    result = invoke("servers", "check", "--servers", str(config))
    assert result.exit_code == 2
    assert "broken" in result.output and str(config) in result.output
    assert len(result.output.strip().splitlines()) <= 3


def test_a_server_that_cannot_start_is_down_and_the_others_stay_up(tmp_path: Path):
    config = tmp_path / "mcp.json"
    config.write_text(
        json.dumps(
            {
                "mcpServers": {
                    "geo": {"command": sys.executable, "args": ["-m", "evoflux.servers.geo"]},
                    "ghost": {"command": "/nonexistent/server-binary"},
                }
            }
        )
    )
    result = invoke("servers", "check", "--servers", str(config))
    assert result.exit_code == 1
    lines = {line.split()[1]: line for line in result.output.splitlines() if line.startswith("│ ")}
    assert "up" in lines["geo"] and "down" in lines["ghost"]


def test_tools_search_filters_the_live_catalog():
    result = invoke("tools", "--search", "exchange rate")
    assert result.exit_code == 0
    assert "shop:get_exchange_rate" in result.output
    assert "weather:" not in result.output


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["servers", "check", "--connect-timeout", "0"], "--connect-timeout"),
        (["run", "wf.json", "--timeout", "-1"], "--timeout"),
        (["solve", "a task", "--max-seconds", "-5"], "--max-seconds"),
        (["solve", "a task", "--max-model-calls", "0"], "--max-model-calls"),
        (["solve", "a task", "--max-tokens", "-1"], "--max-tokens"),
        (["solve", "a task", "--max-tool-calls", "-1"], "--max-tool-calls"),
        (["solve", "a task", "--iterations", "-2"], "--iterations"),
        (["solve", "a task", "--top-k", "0"], "--top-k"),
        (["bench", "--out", "run", "--limit", "-38"], "--limit"),
        (["bench", "--out", "run", "--seeds", "0"], "--seeds"),
        (["bench", "--out", "run", "--concurrency", "0"], "--concurrency"),
        (["bench", "--out", "run", "--timeout", "0"], "--timeout"),
        (["bench", "--out", "run", "--max-seconds", "-5"], "--max-seconds"),
        (["solve", "a task", "--max-seconds", "nan"], "--max-seconds"),
        (["bench", "--out", "run", "--timeout", "inf"], "--timeout"),
    ],
)
def test_a_number_out_of_range_is_one_line_and_exit_code_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], option: str
):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, args, env={"COLUMNS": "80"})
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {option} must be"), result.stderr
    assert not (tmp_path / "run").exists()
