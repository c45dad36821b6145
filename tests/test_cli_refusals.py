"""Workflows the command line refuses before starting any server: ids several nodes share (`run`) and more
nodes than allowed (`check` and `run`), each in one message with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evoflux.cli import app
from evoflux.workflow.parse import MAX_NODES


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, " ".join(result.output.split())  # unwrapped: the test terminal is 80 columns


def test_run_refuses_a_workflow_whose_ids_repeat(tmp_path: Path) -> None:
    path = tmp_path / "twice.json"
    nodes = [
        {
            "id": "n1",
            "tool": "units:convert_length",
            "args": {"value": 1, "from_unit": "mile", "to_unit": "meter"},
        },
        {
            "id": "n1",
            "tool": "units:convert_length",
            "args": {"value": 2, "from_unit": "mile", "to_unit": "meter"},
        },
        {"id": "answer", "answer": "{n1.value}"},
    ]
    path.write_text(json.dumps({"nodes": nodes}))
    code, output = invoke("run", str(path), "--json")
    assert code == 2
    assert output.startswith(f"error: {path}: several nodes share an id: 'n1' (2 nodes)")
    assert '"ok": true' not in output


@pytest.mark.parametrize("command", ["check", "run"])
def test_a_workflow_over_the_node_limit_is_refused_in_one_message(tmp_path: Path, command: str) -> None:
    path = tmp_path / "huge.json"
    nodes = [{"id": f"n{i}", "tool": "units:convert_length", "args": {}} for i in range(1, MAX_NODES + 2)]
    path.write_text(json.dumps({"nodes": nodes}))
    code, output = invoke(command, str(path))
    assert code == 2
    assert (
        output
        == f"error: {path}: the workflow has {MAX_NODES + 1:,} nodes; at most {MAX_NODES:,} are allowed: split it into smaller workflows"
    )
