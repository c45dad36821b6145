"""Executor behaviour: scheduling, failure isolation, typed outcomes, caching, size caps, traces."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import pytest

from evoflux.catalog.pool import CallStatus, ToolCallResult
from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.execute.cache import CacheMode, CallCache
from evoflux.execute.executor import Executor
from evoflux.execute.outcome import NodeStatus
from evoflux.workflow.parse import parse_workflow

pytestmark = pytest.mark.anyio

Handler = Callable[[dict[str, Any]], Awaitable[ToolCallResult]]


def ok(value: Any = None, text: str = "") -> ToolCallResult:
    return ToolCallResult(status=CallStatus.OK, structured=value, text=text, error=None, seconds=0.0)


class FunctionTools:
    """A ToolInvoker over plain async functions, recording every call it receives."""

    def __init__(self, handlers: dict[str, Handler]):
        self.handlers = handlers
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def call_tool(self, server: str, tool: str, args: dict[str, Any], *, timeout: float | None = None):
        self.calls.append((tool, args))
        return await self.handlers[tool](args)


def catalog_of(*specs: ToolSpec) -> ToolCatalog:
    servers: dict[str, list[ToolSpec]] = {}
    for spec in specs:
        servers.setdefault(spec.server, []).append(spec)
    return ToolCatalog(servers)


def spec(name: str, properties: dict[str, Any] | None = None, **annotations: Any) -> ToolSpec:
    schema = {"type": "object", "properties": properties or {}, "required": list(properties or {})}
    return ToolSpec("s", name, input_schema=schema, annotations=annotations)


def flow(*nodes: dict[str, Any]):
    return parse_workflow({"nodes": list(nodes)})


async def test_independent_nodes_run_concurrently():
    arrived = 0
    everyone = anyio.Event()

    async def meet(args):
        nonlocal arrived
        arrived += 1
        if arrived == 4:
            everyone.set()
        with anyio.fail_after(2):  # would time out if the four calls ran one after another
            await everyone.wait()
        return ok({"n": args["i"]})

    async def total(args):
        return ok({"sum": sum(args["xs"])})

    tools = FunctionTools({"meet": meet, "total": total})
    wf = flow(
        *({"id": f"n{i}", "tool": "s:meet", "args": {"i": i}} for i in range(1, 5)),
        {"id": "n5", "tool": "s:total", "args": {"xs": ["$n1.n", "$n2.n", "$n3.n", "$n4.n"]}},
        {"id": "answer", "answer": "sum is {n5.sum}"},
    )
    execution = await Executor(tools).run(wf)
    assert execution.ok
    assert execution.answer == "sum is 10"
    assert execution.tool_calls == 5


async def test_node_starts_when_its_own_inputs_are_ready_not_in_waves():
    fast_child_started = anyio.Event()

    async def slow(args):
        with anyio.fail_after(2):  # waits for the child of the *other* branch to start
            await fast_child_started.wait()
        return ok({"v": 1})

    async def fast(args):
        return ok({"v": 2})

    async def child(args):
        fast_child_started.set()
        return ok({"v": args["x"] + 1})

    tools = FunctionTools({"slow": slow, "fast": fast, "child": child})
    wf = flow(
        {"id": "a", "tool": "s:slow", "args": {}},
        {"id": "b", "tool": "s:fast", "args": {}},
        {"id": "c", "tool": "s:child", "args": {"x": "$b.v"}},
    )
    execution = await Executor(tools).run(wf)
    assert [execution.outcomes[n].status for n in "abc"] == [NodeStatus.OK] * 3
    assert execution.outcomes["c"].output == {"v": 3}


async def test_failure_skips_only_dependents_and_other_branches_run():
    async def broken(args):
        return ToolCallResult(
            status=CallStatus.TOOL_ERROR, structured=None, text="station not found", error=None, seconds=0
        )

    async def fine(args):
        return ok({"v": 1})

    tools = FunctionTools({"broken": broken, "fine": fine})
    wf = flow(
        {"id": "n1", "tool": "s:broken", "args": {}},
        {"id": "n2", "tool": "s:fine", "args": {"x": "$n1.v"}},
        {"id": "n3", "tool": "s:fine", "args": {}},
        {"id": "n4", "tool": "s:fine", "args": {"y": "$n3.v"}},
    )
    execution = await Executor(tools).run(wf)
    statuses = {n: o.status for n, o in execution.outcomes.items()}
    assert statuses == {
        "n1": NodeStatus.TOOL_ERROR,
        "n2": NodeStatus.SKIPPED,
        "n3": NodeStatus.OK,
        "n4": NodeStatus.OK,
    }
    assert "station not found" in execution.outcomes["n1"].error
    assert "n1" in execution.outcomes["n2"].error
    assert [f.node for f in execution.failures()] == ["n1"]
    assert not execution.ok


async def test_unresolved_reference_names_available_keys():
    async def station(args):
        return ok({"station_id": "WX-1", "city": "Oslo"})

    tools = FunctionTools({"station": station, "use": station})
    wf = flow(
        {"id": "n1", "tool": "s:station", "args": {}},
        {"id": "n2", "tool": "s:use", "args": {"id": "$n1.id"}},
    )
    execution = await Executor(tools).run(wf)
    outcome = execution.outcomes["n2"]
    assert outcome.status is NodeStatus.UNRESOLVED_REF
    assert "station_id" in outcome.error
    assert len(tools.calls) == 1


async def test_arguments_are_checked_after_resolution_and_bad_calls_never_sent():
    async def count(args):
        return ok({"n": "three"})

    async def repeat(args):
        return ok({"ok": True})

    tools = FunctionTools({"count": count, "repeat": repeat})
    catalog = catalog_of(spec("count"), spec("repeat", {"times": {"type": "integer"}}))
    wf = flow(
        {"id": "n1", "tool": "s:count", "args": {}},
        {"id": "n2", "tool": "s:repeat", "args": {"times": "$n1.n"}},
    )
    execution = await Executor(tools, catalog).run(wf)
    assert execution.outcomes["n2"].status is NodeStatus.SCHEMA_REJECTED
    assert execution.outcomes["n2"].args == {"times": "three"}
    assert [tool for tool, _ in tools.calls] == ["count"]


async def test_unknown_tool_in_catalog_is_not_called():
    tools = FunctionTools({})
    execution = await Executor(tools, catalog_of(spec("real"))).run(
        flow({"id": "n1", "tool": "s:imaginary", "args": {}})
    )
    assert execution.outcomes["n1"].status is NodeStatus.TOOL_ERROR
    assert "unknown tool" in execution.outcomes["n1"].error
    assert tools.calls == []


async def test_server_side_validation_error_is_a_schema_rejection():
    async def strict(args):
        text = "Error executing tool strict: 1 validation error for strictArguments\nunit\n  Input should be 'meter'"
        return ToolCallResult(status=CallStatus.TOOL_ERROR, structured=None, text=text, error=None, seconds=0)

    execution = await Executor(FunctionTools({"strict": strict})).run(
        flow({"id": "n1", "tool": "s:strict", "args": {"unit": "meters"}})
    )
    assert execution.outcomes["n1"].status is NodeStatus.SCHEMA_REJECTED


@pytest.mark.parametrize(
    ("structured", "text", "expected"),
    [
        ({"result": [1, 2]}, "", [1, 2]),
        ({"a": 1, "result": 2}, "", {"a": 1, "result": 2}),
        (None, '{"temp": 3.5}', {"temp": 3.5}),
        (None, "12.5", 12.5),
        (None, "12.5 kilometer = 7.767 mile", "12.5 kilometer = 7.767 mile"),
        (None, "{not json", "{not json"),
    ],
)
async def test_output_value_prefers_structured_then_json_text_then_text(structured, text, expected):
    async def tool(args):
        return ToolCallResult(status=CallStatus.OK, structured=structured, text=text, error=None, seconds=0)

    execution = await Executor(FunctionTools({"t": tool})).run(flow({"id": "n1", "tool": "s:t", "args": {}}))
    assert execution.outcomes["n1"].output == expected


async def test_large_results_are_cut_with_a_note_and_front_items_still_resolve():
    async def big(args):
        return ok({"items": [{"id": f"item-{i}", "blob": "x" * 500} for i in range(5000)]})

    async def first(args):
        return ok({"got": args["id"]})

    tools = FunctionTools({"big": big, "first": first})
    wf = flow(
        {"id": "n1", "tool": "s:big", "args": {}},
        {"id": "n2", "tool": "s:first", "args": {"id": "$n1.items[0].id"}},
    )
    execution = await Executor(tools, max_result_chars=10_000).run(wf)
    big_outcome = execution.outcomes["n1"]
    assert big_outcome.ok and big_outcome.note and "cut from" in big_outcome.note
    assert len(json.dumps(big_outcome.output)) <= 10_000
    assert execution.outcomes["n2"].output == {"got": "item-0"}


async def test_cycle_nodes_fail_and_the_rest_runs():
    async def t(args):
        return ok({"v": 1})

    wf = flow(
        {"id": "a", "tool": "s:t", "args": {"x": "$b.v"}},
        {"id": "b", "tool": "s:t", "args": {"x": "$a.v"}},
        {"id": "c", "tool": "s:t", "args": {}},
    )
    execution = await Executor(FunctionTools({"t": t})).run(wf)
    assert execution.outcomes["a"].status is NodeStatus.UNRESOLVED_REF
    assert execution.outcomes["b"].status is NodeStatus.UNRESOLVED_REF
    assert "cycle" in execution.outcomes["a"].error
    assert execution.outcomes["c"].ok


async def test_identical_calls_run_once_but_uncacheable_tools_always_run():
    async def t(args):
        return ok({"v": args["q"]})

    tools = FunctionTools({"pure": t, "dice": t})
    catalog = catalog_of(
        spec("pure", {"q": {"type": "string"}}), spec("dice", {"q": {"type": "string"}}, idempotentHint=False)
    )
    executor = Executor(tools, catalog)
    wf = flow(
        {"id": "n1", "tool": "s:pure", "args": {"q": "x"}}, {"id": "n2", "tool": "s:dice", "args": {"q": "x"}}
    )
    first = await executor.run(wf)
    second = await executor.run(wf)
    assert first.tool_calls == 2 and first.cache_hits == 0
    assert second.tool_calls == 1 and second.cache_hits == 1
    assert second.outcomes["n1"].cached and not second.outcomes["n2"].cached
    assert [tool for tool, _ in tools.calls] == ["pure", "dice", "dice"]


async def test_record_then_replay_without_servers(tmp_path):
    recording = tmp_path / "calls.jsonl"

    async def t(args):
        return ok({"v": args["q"] * 2})

    wf = flow(
        {"id": "n1", "tool": "s:t", "args": {"q": 21}}, {"id": "n2", "tool": "s:t", "args": {"q": "$n1.v"}}
    )
    recorded = await Executor(FunctionTools({"t": t}), cache=CallCache(CacheMode.RECORD, recording)).run(wf)
    assert recorded.ok and len(recording.read_text().splitlines()) == 2

    offline = FunctionTools({})
    replayed = await Executor(offline, cache=CallCache(CacheMode.REPLAY, recording)).run(wf)
    assert replayed.ok and offline.calls == []
    assert replayed.outcomes["n2"].output == {"v": 84}

    other = flow({"id": "n1", "tool": "s:t", "args": {"q": 5}})
    missing = await Executor(offline, cache=CallCache(CacheMode.REPLAY, recording)).run(other)
    assert missing.outcomes["n1"].status is NodeStatus.NOT_RECORDED


async def test_trace_has_timings_for_every_node_and_is_json():
    async def t(args):
        await anyio.sleep(0.01)
        return ok({"v": 1})

    wf = flow({"id": "n1", "tool": "s:t", "args": {}}, {"id": "n2", "tool": "s:t", "args": {"x": "$n1.v"}})
    trace = (await Executor(FunctionTools({"t": t})).run(wf)).to_trace()
    json.dumps(trace)
    nodes = {n["node"]: n for n in trace["nodes"]}
    assert nodes["n2"]["started_s"] >= nodes["n1"]["started_s"] + nodes["n1"]["seconds"] - 1e-3
    assert all(n["seconds"] > 0 for n in nodes.values())
    assert trace["workflow"]["nodes"][1]["args"] == {"x": {"$ref": "n1", "path": "v"}}


async def test_events_report_start_and_end_of_each_node():
    async def t(args):
        return ok({"v": 1})

    seen: list[tuple[str, str]] = []
    wf = flow({"id": "n1", "tool": "s:t", "args": {}}, {"id": "n2", "tool": "s:t", "args": {"x": "$n1.v"}})
    await Executor(FunctionTools({"t": t})).run(
        wf, lambda node, o: seen.append((node, o.status.value if o else "start"))
    )
    assert seen == [("n1", "start"), ("n1", "ok"), ("n2", "start"), ("n2", "ok")]
