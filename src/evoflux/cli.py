"""The `evoflux` command line: parses options, calls the library, prints results.

Thin by design: anything worth testing without a terminal lives in the library.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any, TypeVar

import anyio
import typer
from rich.console import Console
from rich.live import Live
from rich.markup import escape

from evoflux import display, trace_view
from evoflux.assemble import solve_task
from evoflux.bench.launch import prepare_bench, run_bench
from evoflux.bench.runner import run_failure
from evoflux.catalog.config import resolve_servers_config
from evoflux.catalog.tools import ToolCatalog
from evoflux.environment import ToolEnvironment
from evoflux.errors import UserError
from evoflux.examples import example_paths
from evoflux.execute.outcome import Execution
from evoflux.llm import LLMError, open_client
from evoflux.scoring.budget import Budget
from evoflux.search.loop import SearchSettings
from evoflux.search.trace import load_trace
from evoflux.settings import BenchSettings, ModelSettings, SolveSettings, SuiteSettings
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


def _at_least(low: float, *, strictly: bool = False) -> Callable[..., Any]:
    """An option callback: a number below `low` (or equal to it, if `strictly`), or not a finite number (`nan`,
    `inf`), is one line on stderr and exit 2."""

    def check(param: typer.CallbackParam, value: Any) -> Any:
        if value is not None and (not math.isfinite(value) or (value <= low if strictly else value < low)):
            bound = f"greater than {low:g}" if strictly else f"at least {low:g}"
            name = max(param.opts, key=len)
            errors.print(
                f"[red]error:[/red] {name} must be {bound}, got {value:g}", highlight=False, soft_wrap=True
            )
            raise typer.Exit(2)
        return value

    return check


_positive = _at_least(0, strictly=True)
_one_or_more = _at_least(1)
_zero_or_more = _at_least(0)

ServersOption = Annotated[
    str | None,
    typer.Option(
        "--servers",
        "-s",
        help="mcpServers JSON file (default: $EVOFLUX_SERVERS, ./evoflux.servers.json, else the bundled servers)",
    ),
]
TimeoutOption = Annotated[float, typer.Option(help="seconds allowed for each tool call", callback=_positive)]
ModelOption = Annotated[
    str | None,
    typer.Option(help="model name; 'local' (default without a base URL) or 'local-0.5b' run embedded"),
]
BaseUrlOption = Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint (or $EVOFLUX_BASE_URL)")]
ModelPathOption = Annotated[Path | None, typer.Option(help="GGUF file for the local model")]
MaxModelCalls = Annotated[
    int, typer.Option(help="budget: model calls, the answer included", callback=_one_or_more)
]
MaxTokens = Annotated[int, typer.Option(help="budget: prompt + completion tokens", callback=_one_or_more)]
MaxToolCalls = Annotated[int, typer.Option(help="budget: tool calls", callback=_zero_or_more)]
MaxSeconds = Annotated[float, typer.Option(help="budget: wall seconds", callback=_positive)]
Iterations = Annotated[int, typer.Option(help="budget: search iterations", callback=_zero_or_more)]
TopK = Annotated[int, typer.Option(help="how many retrieved tools the planner sees", callback=_one_or_more)]

T = TypeVar("T")


def _user_errors(command: Callable[..., T]) -> Callable[..., T]:
    """Turn a UserError into one line on stderr and exit code 2; Ctrl-C into exit code 130."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return command(*args, **kwargs)
        except (UserError, LLMError) as exc:
            errors.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            errors.print("interrupted")
            raise typer.Exit(130) from None

    return wrapper


def _run(coro: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return anyio.run(coro)


def _load_workflow(path: Path, *, to_run: bool = False) -> Workflow:
    try:
        text = path.read_text()
    except OSError as exc:
        raise UserError(f"cannot read workflow {path}: {exc.strerror}") from None
    try:
        return parse_workflow(text, unique_ids=to_run)
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
    connect_timeout: Annotated[
        float, typer.Option(help="seconds allowed to start each server", callback=_positive)
    ] = 30.0,
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
        console.print(f"saved {len(found)} tools to {escape(str(save))}")
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
        console.print(f"[green]{escape(str(workflow))}: no issues[/green]")
        return
    console.print(display.issues_text(issues))
    if has_errors(issues):
        raise typer.Exit(1)


@app.command()
@_user_errors
def run(
    workflows: Annotated[list[Path], typer.Argument(help="workflow JSON files")],
    servers: ServersOption = None,
    trace: Annotated[
        Path | None, typer.Option(help="write each execution trace (JSON) into this folder")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print only the JSON results")] = False,
    timeout: TimeoutOption = 30.0,
) -> None:
    """Execute workflow files against the live servers."""
    flows = [(path, _load_workflow(path, to_run=True)) for path in workflows]
    config = resolve_servers_config(servers)

    async def main() -> list[Execution]:
        async with ToolEnvironment(config, call_timeout=timeout) as env:
            return await _execute_all(env, flows, live=not as_json)

    executions = _run(main)
    results = [_result(path, execution) for (path, _), execution in zip(flows, executions, strict=True)]
    if trace is not None:
        trace.mkdir(parents=True, exist_ok=True)
        for (path, _), execution in zip(flows, executions, strict=True):
            (trace / f"{path.stem}.trace.json").write_text(
                json.dumps(execution.to_trace(), indent=2, default=str)
            )
    display.print_json(console, results[0] if len(results) == 1 else results)
    if not all(e.ok for e in executions):
        raise typer.Exit(1)


async def _execute_all(
    env: ToolEnvironment, flows: list[tuple[Path, Workflow]], live: bool
) -> list[Execution]:
    """Run each workflow in turn; when `live`, show its issues, a live node table and its answer."""
    executions = []
    for path, flow in flows:
        if not live:
            executions.append(await env.execute(flow))
            continue
        console.rule(escape(f"{path.name}: {flow.task}" if flow.task else path.name))
        issues = await env.check(flow)
        if issues:
            console.print(display.issues_text(issues))
        board = display.NodeBoard(flow)
        with Live(board, console=console, refresh_per_second=8):
            execution = await env.execute(flow, board.update)
        console.print(
            f"answer: [bold]{escape(str(execution.answer))}[/bold]  ({execution.wall_seconds:.2f} s)"
        )
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
            node: (
                {"status": o.status.value, "output": o.output}
                if o.ok
                else {"status": o.status.value, "error": o.error}
            )
            for node, o in execution.outcomes.items()
        },
    }


@app.command()
@_user_errors
def solve(
    task: Annotated[str, typer.Argument(help="what you want done, in your own words")],
    servers: ServersOption = None,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    model_path: ModelPathOption = None,
    strategy: Annotated[
        Strategy, typer.Option(help="how to search for a working workflow")
    ] = Strategy.EVOFLUX,
    server: Annotated[list[str] | None, typer.Option(help="use only these servers (repeatable)")] = None,
    top_k: TopK = 8,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON result")] = False,
    trace: Annotated[
        Path | None,
        typer.Option(
            help="write every scored candidate (candidates.jsonl) and the result (result.json) here"
        ),
    ] = None,
    max_model_calls: MaxModelCalls = Budget.model_calls,
    max_tokens: MaxTokens = Budget.tokens,
    max_tool_calls: MaxToolCalls = Budget.tool_calls,
    max_seconds: MaxSeconds = Budget.seconds,
    iterations: Iterations = Budget.iterations,
    rule_repair: Annotated[bool, typer.Option(help="ablation: deterministic repair")] = True,
    model_edits: Annotated[bool, typer.Option(help="ablation: edits proposed by the model")] = True,
    redesign: Annotated[bool, typer.Option(help="ablation: a fresh plan when the search stalls")] = True,
    adaptive: Annotated[bool, typer.Option(help="ablation: adaptive exploration")] = True,
    diversity: Annotated[bool, typer.Option(help="ablation: diversity in selection and pruning")] = True,
) -> None:
    """Plan, check, run and answer a task with the configured servers and model."""
    settings = SolveSettings(
        servers=servers,
        model=ModelSettings(model, base_url, model_path),
        strategy=strategy,
        server_names=tuple(server) if server else None,
        top_k=top_k,
        budget=Budget(max_model_calls, max_tokens, max_tool_calls, max_seconds, iterations),
        search=SearchSettings(
            rule_repair=rule_repair,
            model_edits=model_edits,
            redesign=redesign,
            adaptive=adaptive,
            diversity=diversity,
        ),
        trace=trace,
    )
    busy = contextlib.nullcontext if as_json else functools.partial(console.status, "planning and running…")
    result = _run(functools.partial(solve_task, task, settings, progress=_assembly_progress(), busy=busy))
    if as_json:
        display.print_json(console, result.to_json())
    else:
        display.print_solve(console, result)
    if not result.executed:
        raise typer.Exit(1)


@trace_app.command("show")
@_user_errors
def trace_show(
    folder: Annotated[Path, typer.Argument(help="trace folder written by `solve --trace`")],
) -> None:
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
    console.print(f"wrote {escape(str(target))}", highlight=False)


@app.command()
@_user_errors
def bench(
    out: Annotated[Path, typer.Option(help="run folder: run.json, journal.jsonl, later report.md")],
    tasks: Annotated[Path | None, typer.Option(help="JSONL task file (default: the bundled suite)")] = None,
    mcpbench: Annotated[
        Path | None, typer.Option(help="an MCP-Bench checkout: its task files and mcp_servers/commands.json")
    ] = None,
    description: Annotated[
        str, typer.Option(help="MCP-Bench: 'fuzzy' (as MCP-Bench) or 'concrete' requests")
    ] = "fuzzy",
    distraction: Annotated[bool, typer.Option(help="MCP-Bench: add each task's distraction servers")] = False,
    allow: Annotated[
        list[str] | None,
        typer.Option(
            help="MCP-Bench: only tasks using these servers (repeatable; 'offline' = the six offline ones)"
        ),
    ] = None,
    python: Annotated[str | None, typer.Option(help="MCP-Bench: Python that runs its servers")] = None,
    node: Annotated[str | None, typer.Option(help="MCP-Bench: node that runs its servers")] = None,
    servers: ServersOption = None,
    strategies: Annotated[
        str,
        typer.Option(help="comma-separated: evoflux, zero-shot, replan, best-of-n, react, evoflux-no-<part>"),
    ] = "evoflux,zero-shot",
    seeds: Annotated[
        int, typer.Option(help="repeat every task with seeds 0..N-1", callback=_one_or_more)
    ] = 1,
    task: Annotated[list[str] | None, typer.Option(help="only these task ids (repeatable)")] = None,
    limit: Annotated[int | None, typer.Option(help="only the first N tasks", callback=_one_or_more)] = None,
    concurrency: Annotated[
        int, typer.Option(help="tasks solved at the same time", callback=_one_or_more)
    ] = 1,
    resume: Annotated[bool, typer.Option(help="continue the run in --out, skipping finished tasks")] = False,
    retry_failed: Annotated[
        bool,
        typer.Option(help="with --resume: run again the tasks the harness failed (a server down, a crash)"),
    ] = False,
    backend: Annotated[str, typer.Option(help="'local' (asyncio) or 'ray' (extra ray)")] = "local",
    ray_address: Annotated[
        str | None, typer.Option(help="an existing Ray cluster (default: start one)")
    ] = None,
    isolate: Annotated[
        list[str] | None,
        typer.Option(
            help="servers started fresh per task (repeatable; 'auto': those with side effects; 'all')"
        ),
    ] = None,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    model_path: ModelPathOption = None,
    judge_model: Annotated[
        str | None,
        typer.Option(
            help="also score each result on MCP-Bench's six dimensions with this model ('local' works)"
        ),
    ] = None,
    judge_base_url: Annotated[
        str | None, typer.Option(help="OpenAI-compatible endpoint of the judge")
    ] = None,
    top_k: TopK = 8,
    timeout: TimeoutOption = 30.0,
    max_model_calls: MaxModelCalls = Budget.model_calls,
    max_tokens: MaxTokens = Budget.tokens,
    max_tool_calls: MaxToolCalls = Budget.tool_calls,
    max_seconds: MaxSeconds = Budget.seconds,
    iterations: Iterations = Budget.iterations,
) -> None:
    """Solve a task suite with several strategies at the same budget; every result is journaled at once."""
    suite = SuiteSettings(
        tasks=tasks,
        servers=servers,
        mcpbench=mcpbench,
        description=description,
        distraction=distraction,
        allow=tuple(allow or ()),
        python=python,
        node=node,
        task_ids=tuple(task or ()),
        limit=limit,
    )
    prepared = prepare_bench(
        BenchSettings(
            out=out,
            suite=suite,
            strategies=tuple(name for name in strategies.split(",") if name.strip()),
            seeds=seeds,
            model=ModelSettings(model, base_url, model_path),
            judge_model=judge_model,
            judge_base_url=judge_base_url,
            top_k=top_k,
            call_timeout=timeout,
            budget=Budget(max_model_calls, max_tokens, max_tool_calls, max_seconds, iterations),
            isolate=tuple(isolate or ("auto",)),
            concurrency=concurrency,
            resume=resume,
            retry_failed=retry_failed,
            backend=backend,
            ray_address=ray_address,
        )
    )
    for line in prepared.warnings:
        errors.print(f"[yellow]warning:[/yellow] {escape(line)}", highlight=False)
    progress = display.BenchProgress(errors, prepared.totals(), prepared.done.values())
    with progress.progress:
        run_bench(prepared, on_record=progress.update, progress=_assembly_progress())
    console.print(
        f"results in {escape(str(prepared.journal.path))}; write the report with: evoflux report {escape(str(out))}",
        highlight=False,
    )
    failure = run_failure(prepared.journal)
    if failure is not None:
        errors.print(f"error: {failure}", markup=False, highlight=False)
        raise typer.Exit(1)


def _assembly_progress() -> Callable[[Any], None]:
    """Show a progress bar the first time the local model file is assembled from its parts."""
    bar = display.AssemblyBar(errors)
    return bar.update


@app.command()
@_user_errors
def demo(
    servers: ServersOption = None,
    task: Annotated[str, typer.Option(help="the request the local model solves at the end")] = DEMO_TASK,
    with_model: Annotated[
        bool, typer.Option("--model/--no-model", help="finish with a solve by the local model")
    ] = True,
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
            console.rule(escape(f"solve: {task}"))
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


@app.command()
@_user_errors
def report(
    run: Annotated[Path, typer.Argument(help="run folder written by `evoflux bench`")],
    run_b: Annotated[
        Path | None, typer.Argument(help="a second run folder, to compare with the first")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="markdown file to write (default: RUN/report.md, or RUN/compare.md for two runs)"),
    ] = None,
) -> None:
    """Write a benchmark run's report.md and plots, or a comparison of two runs; print the main table (and a
    single run's failure modes)."""
    from evoflux.bench.report import write_report
    from evoflux.bench.results import failure_tables, main_table
    from evoflux.bench.run_folder import load_run

    folders = [run] if run_b is None else [run, run_b]
    with console.status("summarizing…"):
        files = write_report(folders, out)
        runs = [load_run(folder) for folder in folders]
        tables = [main_table(r) for r in runs] + (failure_tables(runs[0]) if run_b is None else [])
    for table in tables:
        console.print(table)
    for warning in files.warnings:
        errors.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False, soft_wrap=True)
    for path in (files.markdown, *files.plots):
        console.print(f"wrote {escape(str(path))}", highlight=False, soft_wrap=True)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
