"""Terminal views for the CLI: server health, tools, check issues, a live table of running nodes.

Rendering only (rich); no decisions and no I/O beyond the console it is given. Every string from a server,
a model or a file is data, never markup: it is escaped or goes into a `Text`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from evoflux.catalog.config import ServersConfig
from evoflux.catalog.pool import ServerHealth
from evoflux.catalog.tools import ToolSpec
from evoflux.execute.outcome import NodeOutcome, NodeStatus
from evoflux.llm import AssemblyProgress
from evoflux.solver import SolveResult
from evoflux.workflow.check import Issue
from evoflux.workflow.graph import ToolNode, Workflow
from evoflux.workflow.render import render_text

_STATE_STYLE = {"up": "green", "degraded": "yellow", "down": "red", "starting": "cyan", "not_started": "dim"}
_STATUS_STYLE = {NodeStatus.OK: "green", NodeStatus.SKIPPED: "dim"}


def servers_table(config: ServersConfig) -> Table:
    table = Table(title=f"MCP servers ({escape(str(config.source))})")
    table.add_column("server")
    table.add_column("transport")
    table.add_column("target", overflow="fold")
    for name, spec in config.servers.items():
        table.add_row(escape(name), *map(escape, spec.describe()))
    return table


def health_table(healths: Mapping[str, ServerHealth]) -> Table:
    table = Table(title="server health")
    for column in ("server", "state", "tools", "startup s", "protocol", "error"):
        table.add_column(column, overflow="fold")
    for name, h in healths.items():
        state = str(h.state)
        table.add_row(
            escape(name),
            Text(state, style=_STATE_STYLE.get(state, "")),
            str(h.tool_count) if h.tool_count is not None else "-",
            f"{h.startup_seconds:.2f}" if h.startup_seconds is not None else "-",
            escape(h.protocol_version or "-"),
            escape(h.last_error or ""),
        )
    return table


def tools_table(tools: Iterable[ToolSpec]) -> Table:
    table = Table(title="tools")
    table.add_column("tool", no_wrap=True)
    table.add_column("arguments (* = required)")
    table.add_column("description", overflow="fold")
    for tool in tools:
        args = ", ".join(f"{name}{'*' if name in tool.required else ''}" for name in tool.properties)
        table.add_row(escape(tool.key), escape(args), escape(tool.description.split("\n")[0][:160]))
    return table


def issues_text(issues: Iterable[Issue]) -> Text:
    """One line per issue: severity, code, where, what is wrong, and the fix."""
    out = Text()
    for issue in issues:
        where = ".".join(p for p in (issue.node, issue.arg) if p) or "workflow"
        out.append(f"{issue.severity} ", style="red" if issue.severity == "error" else "yellow")
        out.append(f"{issue.code} ", style="bold")
        out.append(f"{where}: {issue.message}")
        out.append(f"  fix: {issue.hint}\n", style="cyan")
    return out


class NodeBoard:
    """The state of every node of a running workflow, drawn as a table on each update."""

    def __init__(self, workflow: Workflow):
        self.workflow = workflow
        self.state: dict[str, NodeOutcome | str | None] = {n.id: "waiting" for n in workflow.nodes}

    def update(self, node: str, outcome: NodeOutcome | None) -> None:
        self.state[node] = outcome if outcome is not None else "running"

    def __rich__(self) -> Table:
        table = Table(title=escape(self.workflow.task or "workflow"))
        for column in ("node", "step", "status", "s", "result"):
            table.add_column(column, overflow="fold")
        for node in self.workflow.nodes:
            step = node.tool_key if isinstance(node, ToolNode) else "answer"
            state = self.state[node.id]
            if isinstance(state, NodeOutcome):
                detail = _short(state.output) if state.ok else (state.error or "")
                table.add_row(
                    escape(node.id),
                    escape(step),
                    Text(state.status.value, style=_STATUS_STYLE.get(state.status, "red")),
                    f"{state.seconds:.2f}",
                    escape(detail),
                )
            else:
                table.add_row(
                    escape(node.id),
                    escape(step),
                    Text(str(state), style="cyan" if state == "running" else "dim"),
                    "",
                    "",
                )
        return table


def _short(value: Any, limit: int = 70) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def print_json(console: Console, data: Any) -> None:
    console.print_json(json.dumps(data, ensure_ascii=False, default=str))


class AssemblyBar:
    """A progress bar for writing the local model file from its parts; silent when nothing is assembled."""

    def __init__(self, console: Console):
        self.console = console
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def update(self, progress: AssemblyProgress) -> None:
        if self._progress is None:
            self._progress = Progress(
                TextColumn("assembling the local model"), BarColumn(), DownloadColumn(), console=self.console
            )
            self._task = self._progress.add_task("model", total=progress.total_bytes)
            self._progress.start()
        assert self._task is not None
        self._progress.update(self._task, completed=progress.done_bytes)
        if progress.done_bytes >= progress.total_bytes:
            self._progress.stop()


def print_solve(console: Console, result: SolveResult) -> None:
    """The workflow as a tree, each node's outcome, the answer and the cost line."""
    if result.workflow is not None:
        statuses = (
            {node: outcome.status.value for node, outcome in result.execution.outcomes.items()}
            if result.execution
            else None
        )
        console.print(Text(render_text(result.workflow, statuses)), highlight=False)
    if result.issues:
        console.print(issues_text(result.issues))
    if result.execution is not None:
        board = NodeBoard(result.workflow or result.execution.workflow)
        for node, outcome in result.execution.outcomes.items():
            board.update(node, outcome)
        console.print(board)
    console.print(Text.assemble(("\nanswer:", "bold"), " ", result.answer), highlight=False)
    if result.unverified:
        console.print("[yellow]not verified by any step:[/yellow]", highlight=False)
        for shortfall in result.unverified:
            console.print(f"  - {shortfall}", highlight=False, markup=False)
    console.print(f"[dim]{result.cost.line()}[/dim]")


class BenchProgress:
    """One progress bar per strategy: tasks finished, solved so far, harness failures."""

    def __init__(self, console: Console, totals: Mapping[str, int], done: Iterable[Mapping[str, Any]] = ()):
        self.progress = Progress(
            TextColumn("{task.description:<28}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[solved]} solved, {task.fields[failed]} failed"),
            TimeElapsedColumn(),
            console=console,
        )
        self._bars: dict[str, TaskID] = {}
        for strategy, total in totals.items():
            self._bars[strategy] = self.progress.add_task(strategy, total=total, solved=0, failed=0)
        for record in done:
            self.update(record)

    def update(self, record: Mapping[str, Any]) -> None:
        bar = self._bars.get(record["strategy"])
        if bar is None:
            return
        fields = self.progress.tasks[bar].fields
        self.progress.update(
            bar,
            advance=1,
            solved=fields["solved"] + bool(record.get("success")),
            failed=fields["failed"] + (record.get("status") == "failed"),
        )
