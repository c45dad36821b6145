"""The `evoflux` command line: parses options, calls the library, prints results.

Thin by design: anything worth testing without a terminal lives in the library.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Annotated, Any, TypeVar

import anyio
import typer
from rich.console import Console
from rich.live import Live

from evoflux import display, trace_view
from evoflux.catalog.config import resolve_servers_config
from evoflux.catalog.tools import ToolCatalog
from evoflux.environment import ToolEnvironment
from evoflux.errors import UserError
from evoflux.examples import example_paths
from evoflux.execute.outcome import Execution
from evoflux.llm import LLMError, open_client
from evoflux.search.budget import Budget
from evoflux.search.loop import SearchSettings
from evoflux.search.trace import TraceWriter, load_trace, write_summary
from evoflux.solver import SolveResult, Strategy, model_config, solve_with
from evoflux.workflow.check import check_workflow, has_errors
from evoflux.workflow.graph import Workflow
from evoflux.workflow.parse import parse_workflow

DEMO_TASK = "What is the temperature right now in Oslo, in Fahrenheit?"

app = typer.Typer(help="Plan, check, run and repair MCP tool workflows.", no_args_is_help=True)
servers_app = typer.Typer(help="Inspect the configured MCP servers.", no_args_is_help=True)
app.add_typer(servers_app, name="servers")
trace_app = typer.Typer(help="Read a trace folder written by `solve --trace`.", no_args_is_help=True)
app.add_typer(trace_app, name="trace")

console = Console()
errors = Console(stderr=True)

ServersOption = Annotated[
    str | None,
    typer.Option(
        "--servers",
        "-s",
        help="mcpServers JSON file (default: $EVOFLUX_SERVERS, ./evoflux.servers.json, else the bundled servers)",
    ),
]
TimeoutOption = Annotated[float, typer.Option(help="seconds allowed for each tool call")]

T = TypeVar("T")


def _user_errors(command: Callable[..., T]) -> Callable[..., T]:
    """Turn a UserError into one line on stderr and exit code 2; Ctrl-C into exit code 130."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return command(*args, **kwargs)
        except (UserError, LLMError) as exc:
            errors.print(f"[red]error:[/red] {exc}", highlight=False)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            errors.print("interrupted")
            raise typer.Exit(130) from None

    return wrapper


def _run(coro: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return anyio.run(coro)


def _load_workflow(path: Path) -> Workflow:
    try:
        text = path.read_text()
    except OSError as exc:
        raise UserError(f"cannot read workflow {path}: {exc.strerror}") from None
    try:
        return parse_workflow(text)
    except UserError as exc:
        raise UserError(f"{path}: {exc}") from None


@servers_app.command("list")
@_user_errors
def servers_list(servers: ServersOption = None) -> None:
    """Show the configured servers without starting them."""
    console.print(display.servers_table(resolve_servers_config(servers)))


@servers_app.command("check")
@_user_errors
def servers_check(
    servers: ServersOption = None,
    connect_timeout: Annotated[float, typer.Option(help="seconds allowed to start each server")] = 30.0,
) -> None:
    """Start every server, list its tools, and show its health."""
    config = resolve_servers_config(servers)

    async def main() -> dict:
        async with ToolEnvironment(config, connect_timeout=connect_timeout) as env:
            with console.status(f"starting {len(config.names)} servers…"):
                await env.catalog()
            return env.health()

    healths = _run(main)
    console.print(display.health_table(healths))
    if any(str(h.state) == "down" for h in healths.values()):
        raise typer.Exit(1)


@app.command()
@_user_errors
def tools(
    servers: ServersOption = None,
    search: Annotated[str | None, typer.Option(help="only tools matching these words")] = None,
    server: Annotated[list[str] | None, typer.Option(help="only these servers")] = None,
    catalog: Annotated[Path | None, typer.Option(help="read tools from a catalog snapshot instead")] = None,
    save: Annotated[Path | None, typer.Option(help="write the catalog snapshot to this file")] = None,
) -> None:
    """List the tools the servers offer."""
    found = _catalog(servers, catalog, server)
    if save is not None:
        found.save(save)
        console.print(f"saved {len(found)} tools to {save}")
    words = (search or "").lower().split()
    shown = [t for t in found if all(w in f"{t.key} {t.description}".lower() for w in words)]
    console.print(display.tools_table(shown))


def _catalog(servers: str | None, snapshot: Path | None, only: list[str] | None = None) -> ToolCatalog:
    if snapshot is not None:
        return ToolCatalog.load(snapshot)
    config = resolve_servers_config(servers)
    unknown = [name for name in only or () if name not in config.names]
    if unknown:
        raise UserError(f"unknown server {', '.join(unknown)}; configured: {', '.join(config.names)}")

    async def main() -> ToolCatalog:
        async with ToolEnvironment(config) as env:
            with console.status("listing tools…"):
                return await env.catalog(only or None)

    return _run(main)


@app.command()
@_user_errors
def check(
    workflow: Annotated[Path, typer.Argument(help="workflow JSON file")],
    servers: ServersOption = None,
    catalog: Annotated[Path | None, typer.Option(help="check against a catalog snapshot instead")] = None,
) -> None:
    """Check a workflow against the live tool schemas without running it."""
    flow = _load_workflow(workflow)
    if catalog is not None:
        issues = check_workflow(flow, ToolCatalog.load(catalog))
    else:
        config = resolve_servers_config(servers)

        async def main() -> list:
            async with ToolEnvironment(config) as env:
                return await env.check(flow)

        issues = _run(main)
    if not issues:
        console.print(f"[green]{workflow}: no issues[/green]")
        return
    console.print(display.issues_text(issues))
    if has_errors(issues):
        raise typer.Exit(1)


@app.command()
@_user_errors
def run(
    workflows: Annotated[list[Path], typer.Argument(help="workflow JSON files")],
    servers: ServersOption = None,
    trace: Annotated[Path | None, typer.Option(help="write each execution trace (JSON) into this folder")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print only the JSON results")] = False,
    timeout: TimeoutOption = 30.0,
) -> None:
    """Execute workflow files against the live servers."""
    flows = [(path, _load_workflow(path)) for path in workflows]
    config = resolve_servers_config(servers)

    async def main() -> list[Execution]:
        async with ToolEnvironment(config, call_timeout=timeout) as env:
            return await _execute_all(env, flows, live=not as_json)

    executions = _run(main)
    results = [_result(path, execution) for (path, _), execution in zip(flows, executions, strict=True)]
    if trace is not None:
        trace.mkdir(parents=True, exist_ok=True)
        for (path, _), execution in zip(flows, executions, strict=True):
            (trace / f"{path.stem}.trace.json").write_text(json.dumps(execution.to_trace(), indent=2, default=str))
    display.print_json(console, results[0] if len(results) == 1 else results)
    if not all(e.ok for e in executions):
        raise typer.Exit(1)


async def _execute_all(env: ToolEnvironment, flows: list[tuple[Path, Workflow]], live: bool) -> list[Execution]:
    """Run each workflow in turn; when `live`, show its issues, a live node table and its answer."""
    executions = []
    for path, flow in flows:
        if not live:
            executions.append(await env.execute(flow))
            continue
        console.rule(f"{path.name}: {flow.task}" if flow.task else path.name)
        issues = await env.check(flow)
        if issues:
            console.print(display.issues_text(issues))
        board = display.NodeBoard(flow)
        with Live(board, console=console, refresh_per_second=8):
            execution = await env.execute(flow, board.update)
        console.print(f"answer: [bold]{execution.answer}[/bold]  ({execution.wall_seconds:.2f} s)")
        executions.append(execution)
    return executions


def _result(path: Path, execution: Execution) -> dict[str, Any]:
    return {
        "workflow": str(path),
        "ok": execution.ok,
        "answer": execution.answer,
        "wall_seconds": round(execution.wall_seconds, 3),
        "tool_calls": execution.tool_calls,
        "nodes": {
            node: ({"status": o.status.value, "output": o.output} if o.ok else {"status": o.status.value, "error": o.error})
            for node, o in execution.outcomes.items()
        },
    }


@app.command()
@_user_errors
def solve(
    task: Annotated[str, typer.Argument(help="what you want done, in your own words")],
    servers: ServersOption = None,
    model: Annotated[
        str | None,
        typer.Option(help="model name; 'local' (default without a base URL) or 'local-0.5b' run embedded"),
    ] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint (or $EVOFLUX_BASE_URL)")] = None,
    model_path: Annotated[Path | None, typer.Option(help="GGUF file for the local model")] = None,
    strategy: Annotated[Strategy, typer.Option(help="how to search for a working workflow")] = Strategy.ZERO_SHOT,
    server: Annotated[list[str] | None, typer.Option(help="use only these servers (repeatable)")] = None,
    top_k: Annotated[int, typer.Option(help="how many retrieved tools the planner sees")] = 8,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON result")] = False,
    trace: Annotated[
        Path | None,
        typer.Option(help="write every scored candidate (candidates.jsonl) and the result (result.json) here"),
    ] = None,
    max_model_calls: Annotated[int, typer.Option(help="budget: model calls, the answer included")] = Budget.model_calls,
    max_tokens: Annotated[int, typer.Option(help="budget: prompt + completion tokens")] = Budget.tokens,
    max_tool_calls: Annotated[int, typer.Option(help="budget: tool calls")] = Budget.tool_calls,
    max_seconds: Annotated[float, typer.Option(help="budget: wall seconds")] = Budget.seconds,
    iterations: Annotated[int, typer.Option(help="budget: search iterations")] = Budget.iterations,
    rule_repair: Annotated[bool, typer.Option(help="ablation: deterministic repair")] = True,
    model_edits: Annotated[bool, typer.Option(help="ablation: edits proposed by the model")] = True,
    redesign: Annotated[bool, typer.Option(help="ablation: a fresh plan when the search stalls")] = True,
    adaptive: Annotated[bool, typer.Option(help="ablation: adaptive exploration")] = True,
    diversity: Annotated[bool, typer.Option(help="ablation: diversity in selection and pruning")] = True,
) -> None:
    """Plan, check, run and answer a task with the configured servers and model."""
    config = resolve_servers_config(servers)
    models = model_config(model, base_url)
    budget = Budget(max_model_calls, max_tokens, max_tool_calls, max_seconds, iterations)
    settings = SearchSettings(
        rule_repair=rule_repair, model_edits=model_edits, redesign=redesign, adaptive=adaptive, diversity=diversity
    )

    writer = TraceWriter(trace) if trace is not None and strategy is Strategy.EVOFLUX else None

    async def main() -> SolveResult:
        async with (
            open_client(models, progress=_assembly_progress(), model_path=model_path) as client,
            ToolEnvironment(config) as env,
        ):
            with console.status("planning and running…") if not as_json else _nothing():
                return await solve_with(
                    task,
                    env,
                    client,
                    strategy=strategy,
                    top_k=top_k,
                    servers=server,
                    budget=budget,
                    settings=settings,
                    on_candidate=writer,
                )

    result = _run(main)
    if trace is not None:
        write_summary(trace, result.to_json())
    if as_json:
        display.print_json(console, result.to_json())
    else:
        display.print_solve(console, result)
    if not result.executed:
        raise typer.Exit(1)


@trace_app.command("show")
@_user_errors
def trace_show(folder: Annotated[Path, typer.Argument(help="trace folder written by `solve --trace`")]) -> None:
    """Print the winner's lineage (origins, fitness, the edits and the failures they fixed) and its workflow."""
    trace_view.print_trace(console, load_trace(folder))


@trace_app.command("html")
@_user_errors
def trace_html(
    folder: Annotated[Path, typer.Argument(help="trace folder written by `solve --trace`")],
    out: Annotated[Path | None, typer.Option(help="HTML file to write (default: FOLDER/trace.html)")] = None,
) -> None:
    """Write one self-contained HTML page: the candidate tree and every candidate's graph, edits and errors."""
    page = trace_view.trace_html(load_trace(folder))
    target = out or folder / "trace.html"
    try:
        target.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {target}: {exc.strerror}") from None
    console.print(f"wrote {target}", highlight=False)


def _assembly_progress() -> Callable[[Any], None]:
    """Show a progress bar the first time the local model file is assembled from its parts."""
    bar = display.AssemblyBar(errors)
    return bar.update


@contextlib.contextmanager
def _nothing() -> Iterator[None]:
    yield


@app.command()
@_user_errors
def demo(
    servers: ServersOption = None,
    task: Annotated[str, typer.Option(help="the request the local model solves at the end")] = DEMO_TASK,
    with_model: Annotated[bool, typer.Option("--model/--no-model", help="finish with a solve by the local model")] = True,
) -> None:
    """The offline demo: bundled servers, the example workflows, then one task solved by the local model."""
    config = resolve_servers_config(servers)
    flows = [(path, _load_workflow(path)) for path in example_paths()]

    async def main() -> tuple[list[Execution], SolveResult | None]:
        async with ToolEnvironment(config) as env:
            with console.status(f"starting {len(config.names)} servers…"):
                await env.catalog()
            console.print(display.health_table(env.health()))
            executions = await _execute_all(env, flows, live=True)
            if not with_model:
                return executions, None
            console.rule(f"solve: {task}")
            async with open_client(model_config(), progress=_assembly_progress()) as client:
                with console.status("the local model is planning…"):
                    return executions, await solve_with(task, env, client)

    executions, solved = _run(main)
    passed = sum(e.ok for e in executions)
    if solved is not None:
        display.print_solve(console, solved)
    console.print(f"\n[bold]{passed}/{len(executions)} example workflows ran end to end[/bold]")
    if passed != len(executions):
        raise typer.Exit(1)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
