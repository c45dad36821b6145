"""Executor overhead: scheduling cost per node, and wall time of wide graphs against their critical path.

Writes benchmarks/results/executor_overhead.json and appends one line to BENCHMARKS.md.
Run: .venv/bin/python benchmarks/executor_overhead.py
"""

from __future__ import annotations

import json
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio

from evoflux.catalog.config import parse_servers_config
from evoflux.catalog.pool import CallStatus, ToolCallResult
from evoflux.environment import ToolEnvironment
from evoflux.execute.cache import CacheMode, CallCache
from evoflux.execute.executor import Executor
from evoflux.servers import bundled_servers_config
from evoflux.workflow.parse import parse_workflow

ROOT = Path(__file__).resolve().parent.parent


class SleepTools:
    """Tools that answer after `args["ms"]` milliseconds (0: at once), without any transport."""

    async def call_tool(self, server: str, tool: str, args: dict[str, Any], *, timeout: float | None = None):
        if args.get("ms"):
            await anyio.sleep(args["ms"] / 1000)
        return ToolCallResult(
            status=CallStatus.OK, structured={"v": args.get("i", 0)}, text="", error=None, seconds=0
        )


def chain(n: int) -> dict:
    nodes = [{"id": "n0", "tool": "s:t", "args": {"i": 0}}]
    nodes += [{"id": f"n{i}", "tool": "s:t", "args": {"i": i, "prev": f"$n{i - 1}.v"}} for i in range(1, n)]
    return {"nodes": nodes}


def random_dag(n: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    nodes = []
    for i in range(n):
        parents = rng.sample(range(i), k=min(i, rng.randint(0, 3)))
        nodes.append({"id": f"n{i}", "tool": "s:t", "args": {"i": i, "in": [f"$n{p}.v" for p in parents]}})
    return {"nodes": nodes}


def wide(width: int, ms: int) -> dict:
    nodes = [{"id": f"w{i}", "tool": f"s{i % 8}:t", "args": {"i": i, "ms": ms}} for i in range(width)]
    nodes.append({"id": "join", "tool": "s0:t", "args": {"ms": ms, "in": [f"$w{i}.v" for i in range(width)]}})
    return {"nodes": nodes}


async def overhead_per_node(data: dict, repeats: int = 30) -> dict:
    workflow = parse_workflow(data)
    executor = Executor(SleepTools(), cache=CallCache(CacheMode.OFF))
    await executor.run(workflow)  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        execution = await executor.run(workflow)
        times.append(time.perf_counter() - start)
        assert execution.ok
    nodes = len(workflow.nodes)
    return {"nodes": nodes, "median_ms_per_node": statistics.median(times) * 1000 / nodes}


async def wide_over_critical_path(width: int, ms: int) -> dict:
    workflow = parse_workflow(wide(width, ms))
    executor = Executor(SleepTools(), cache=CallCache(CacheMode.OFF), max_concurrency_per_server=width)
    start = time.perf_counter()
    execution = await executor.run(workflow)
    wall = time.perf_counter() - start
    assert execution.ok
    critical = 2 * ms / 1000
    return {
        "width": width,
        "call_ms": ms,
        "wall_s": wall,
        "critical_path_s": critical,
        "ratio": wall / critical,
    }


async def bundled_server_fan_in(latency_ms: int = 200) -> dict:
    """Four independent calls and one dependent call against a real stdio server that answers in 200 ms."""
    mcp = bundled_servers_config()["mcpServers"]
    entry = dict(mcp["units"])
    entry["args"] = [*entry["args"], "--latency-ms", str(latency_ms)]
    config = parse_servers_config({"mcpServers": {"units": entry}}, source="benchmark")
    values = [1, 2, 3, 4]
    nodes = [
        {
            "id": f"n{i}",
            "tool": "units:convert_mass",
            "args": {"value": v, "from_unit": "kilogram", "to_unit": "pound"},
        }
        for i, v in enumerate(values, 1)
    ]
    nodes.append(
        {
            "id": "n5",
            "tool": "units:convert_mass",
            "args": {"value": "$n4.result", "from_unit": "pound", "to_unit": "kilogram"},
        }
    )
    workflow = parse_workflow({"nodes": nodes})
    async with ToolEnvironment(config, cache=CallCache(CacheMode.OFF)) as env:
        await env.catalog()
        execution = await env.execute(workflow)
    trace = execution.to_trace()
    return {
        "ok": execution.ok,
        "wall_s": execution.wall_seconds,
        "sequential_would_be_s": 5 * latency_ms / 1000,
        "nodes": [{k: n[k] for k in ("node", "status", "started_s", "seconds")} for n in trace["nodes"]],
    }


async def main() -> dict:
    return {
        "overhead": {
            "chain_100": await overhead_per_node(chain(100)),
            "random_dag_100": await overhead_per_node(random_dag(100)),
            "wide_100_instant": await overhead_per_node(wide(99, 0)),
        },
        "wide_vs_critical_path": [
            await wide_over_critical_path(16, 100),
            await wide_over_critical_path(64, 100),
            await wide_over_critical_path(200, 50),
        ],
        "bundled_server_fan_in": await bundled_server_fan_in(),
    }


if __name__ == "__main__":
    results = anyio.run(main)
    results["machine"] = {"python": sys.version.split()[0], "platform": platform.platform(), "cpus": 2}
    results["when"] = datetime.now(UTC).isoformat(timespec="seconds")
    out = ROOT / "benchmarks" / "results" / "executor_overhead.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    worst_overhead = max(r["median_ms_per_node"] for r in results["overhead"].values())
    worst_ratio = max(r["ratio"] for r in results["wide_vs_critical_path"])
    fan_in = results["bundled_server_fan_in"]
    line = (
        f"- {results['when'][:10]} executor_overhead: worst {worst_overhead:.3f} ms/node over 100-node graphs "
        f"(target < 1); wide graphs {worst_ratio:.3f}x critical path (target <= 1.10); "
        f"4x200 ms + 1 dependent on a stdio server: {fan_in['wall_s']:.3f} s wall (sequential 1.0 s)\n"
    )
    with (ROOT / "BENCHMARKS.md").open("a") as md:
        md.write(line)
    print(json.dumps(results, indent=2))
    print(line, end="")
