"""The third-party suite's files: tasks load, every task has a parsing reference, one split, the thresholds hold.

The last test runs verify.py live on three tasks and is skipped unless setup.py has installed the servers.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from evoflux.bench.tasks import load_tasks

SUITE = Path(__file__).resolve().parents[2] / "benchmarks" / "suites" / "thirdparty"
EXCLUDED = (
    "mcp-server-sqlite",
    "mcp-server-git",
    "mcp-server-time",
    "mcp-server-calculator",
    "server-filesystem",
    "server-memory",
)


def _module(name: str):
    spec = importlib.util.spec_from_file_location(f"thirdparty_{name}", SUITE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def verify():
    return _module("verify")


@pytest.fixture(scope="module")
def tasks():
    return load_tasks(SUITE / "tasks.jsonl")


def test_every_task_has_a_reference_that_parses(tasks, verify):
    references = verify.read_references(SUITE / "reference.jsonl")
    assert sorted(references) == sorted(t.id for t in tasks)
    for task in tasks:
        tools = [n for n in references[task.id].tool_nodes]
        assert len(tools) == task.steps, task.id
        assert {n.server for n in tools} == set(task.servers), task.id


def test_every_task_has_exactly_one_split_and_its_tags(tasks):
    for task in tasks:
        splits = [tag for tag in task.tags if tag.startswith("split:")]
        assert splits in (["split:dev"], ["split:heldout"]), task.id
        assert f"steps:{task.steps}" in task.tags
        assert {f"server:{s}" for s in task.servers} <= set(task.tags)
        assert ("multi" in task.tags) == (len(task.servers) > 1)
        assert task.expected is not None, task.id


def test_the_suite_meets_its_thresholds_in_both_halves(tasks, verify):
    whole = verify.stats(tasks)
    assert whole["tasks"] >= 60
    assert len(whole["servers"]) >= 8
    assert whole["multi_share"] >= 0.40
    assert whole["four_plus_share"] >= 0.25
    for split in ("dev", "heldout"):
        half = verify.stats(t for t in tasks if verify.split_of(t) == split)
        assert abs(half["tasks"] - whole["tasks"] / 2) <= 4
        assert abs(half["multi_share"] - whole["multi_share"]) <= 0.1
        assert abs(half["four_plus_share"] - whole["four_plus_share"]) <= 0.1


def test_no_excluded_server_is_installed_or_used(tasks):
    installer = (SUITE / "setup.py").read_text()
    setup = _module("setup")
    packages = [*(p for group in setup.VENVS.values() for p in group), *setup.NPM_PACKAGES]
    for name in EXCLUDED:
        assert not any(p.split("==")[0].rsplit("@", 1)[0].endswith(name) for p in packages if name in p), name
        assert f'"{name}' not in installer
    used = {s for t in tasks for s in t.servers}
    assert used <= set(setup.servers_config(Path("/x"))["mcpServers"])


def test_queries_do_not_name_the_tools(tasks, verify):
    references = verify.read_references(SUITE / "reference.jsonl")
    for task in tasks:
        for node in references[task.id].tool_nodes:
            assert node.tool not in task.query, (task.id, node.tool)


@pytest.mark.thirdparty
def test_verify_runs_three_references_live(verify, capsys):
    config = _module("setup").default_dir() / "servers.json"
    if not config.exists():
        pytest.skip(f"{config} not found: run benchmarks/suites/thirdparty/setup.py")
    failed = verify.verify(config, ["shop-customer-count", "wh-gls-shipments", "inv-1042-customer-city"])
    shown = capsys.readouterr().out
    assert failed == 0, shown
    assert json.dumps("inv-1042-customer-city")[1:-1] in shown
