"""Views of a search trace: the winner's lineage in the terminal, and one self-contained HTML page.

Rendering only: reads a loaded `Trace`, draws graphs as inline SVG, escapes every piece of text (HTML), and
prints every piece of text as a rich `Text`, never as markup (terminal).
"""

from __future__ import annotations

from html import escape
from typing import Any

from rich.console import Console
from rich.text import Text

from evoflux.search.trace import Trace, TracedCandidate
from evoflux.workflow.edits import edit_line, shown
from evoflux.workflow.graph import ToolNode, Workflow
from evoflux.workflow.parse import parse_workflow
from evoflux.workflow.render import render_text

_BOX_W, _BOX_H, _GAP_X, _GAP_Y, _PAD = 200, 46, 60, 18, 10
_FILL = {"ok": "#d8f5d0", "skipped": "#eeeeee", "": "#ffffff"}
_FAILED_FILL = "#f9d0d0"
_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em;border-top:1px solid #ccc;padding-top:1em}
ul.tree{list-style:none;padding-left:1.2em}ul.tree li{margin:.2em 0}
.win{font-weight:bold;background:#fff3b0}.origin{color:#555}.bad{color:#b00}
code,pre{background:#f5f5f5;padding:0 .2em}pre{padding:.5em;overflow-x:auto;white-space:pre-wrap}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;vertical-align:top;text-align:left}
svg text{font:12px monospace}
"""


# ---------------------------------------------------------------- terminal


def print_trace(console: Console, trace: Trace) -> None:
    """Each ancestor of the winner with its origin, fitness and the edits that made it, then the winner's tree."""
    result = trace.result or {}
    if result.get("task"):
        console.print(Text.assemble(("task: ", "bold"), result["task"]))
    winner = trace.winner
    if winner is None:
        console.print(Text(f"no candidates were traced ({result.get('strategy', 'unknown')} strategy)"))
        if result.get("workflow"):
            _print_result_workflow(console, result)
        return
    console.print(
        Text(f"{len(trace.candidates)} candidates; lineage of the winner {winner.id}:", style="bold")
    )
    for candidate in trace.lineage(winner):
        _print_step(console, candidate, trace.candidate(candidate.parent))
    console.print(Text(f"\nwinning workflow {winner.id}:", style="bold"))
    console.print(Text(render_text(winner.workflow, winner.statuses if winner.ran else None)))
    if "answer" in result:
        console.print(Text.assemble(("\nanswer: ", "bold"), str(result["answer"])))


def _print_step(console: Console, candidate: TracedCandidate, parent: TracedCandidate | None) -> None:
    head = Text.assemble(
        ("\n" + candidate.id, "bold cyan"),
        f"  {candidate.origin}",
        f" from {candidate.parent}" if candidate.parent else "",
        f"  iteration {candidate.iteration}  fitness {candidate.value:.2f}",
        (" complete" if candidate.complete else "", "green"),
    )
    console.print(head)
    if parent is not None:
        for failure in parent.failures():
            console.print(
                Text(
                    f"  {parent.id} failed at {failure.node} ({failure.status}): {failure.error or ''}", "red"
                )
            )
        for issue in parent.issues:
            console.print(Text(f"  {parent.id} issue: {issue}", "red"))
    failed = {f.node: f for f in parent.failures()} if parent is not None else {}
    for edit in candidate.edits:
        line = Text(f"  edit {edit_line(edit)}")
        if edit["node"] in failed:
            line.append(f"  <- fixes {edit['node']}: {failed[edit['node']].status}", "yellow")
        console.print(line)


def _print_result_workflow(console: Console, result: dict[str, Any]) -> None:
    statuses = {n["node"]: n["status"] for n in result.get("nodes", [])}
    console.print(Text(render_text(parse_workflow(result["workflow"]), statuses or None)))


# ---------------------------------------------------------------- HTML


def trace_html(trace: Trace) -> str:
    """One page with inline CSS and SVG only: the candidate tree, then each candidate's graph, edits and errors."""
    result = trace.result or {}
    winner = trace.winner
    title = f"evoflux trace: {result.get('task') or trace.folder.name}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
    ]
    if result:
        parts.append(
            f"<p>strategy <code>{escape(str(result.get('strategy')))}</code>, executed "
            f"<code>{escape(str(result.get('executed')))}</code>; answer: {escape(str(result.get('answer', '')))}</p>"
        )
    parts.append("<h2>Candidate tree</h2>")
    parts.append(_tree(trace, None, winner) if trace.candidates else "<p>No candidates were traced.</p>")
    for candidate in trace.candidates:
        parts.append(_candidate_section(candidate, candidate is winner))
    if not trace.candidates and result.get("workflow"):
        parts.append(_result_section(result))
    parts.append("</body></html>")
    return "\n".join(parts)


def _tree(trace: Trace, parent: str | None, winner: TracedCandidate | None) -> str:
    known = {c.id for c in trace.candidates}
    children = [
        c for c in trace.candidates if c.parent == parent or (parent is None and c.parent not in known)
    ]
    if not children:
        return ""
    items = []
    for child in children:
        mark = ' class="win"' if child is winner else ""
        items.append(
            f'<li><a href="#{escape(child.id)}"{mark}>{escape(child.id)}</a> '
            f'<span class="origin">{escape(child.origin)}</span> fitness {child.value:.2f}'
            f"{' complete' if child.complete else ''}{' (winner)' if child is winner else ''}"
            f"{_tree(trace, child.id, winner)}</li>"
        )
    return '<ul class="tree">' + "".join(items) + "</ul>"


def _candidate_section(candidate: TracedCandidate, won: bool) -> str:
    made = (
        f' from <a href="#{escape(candidate.parent)}">{escape(candidate.parent)}</a>'
        if candidate.parent
        else ""
    )
    parts = [
        f'<h2 id="{escape(candidate.id)}">{escape(candidate.id)}{" (winner)" if won else ""}</h2>',
        f"<p>{escape(candidate.origin)}{made}, iteration {candidate.iteration}, fitness {candidate.value:.2f}"
        f"{', complete' if candidate.complete else ''}, {candidate.tool_calls} tool calls</p>",
        _svg(candidate.workflow, candidate.statuses if candidate.ran else {}, candidate.id),
    ]
    if candidate.edits:
        parts.append(
            "<p>Edits that made it:</p><ul>"
            + "".join(f"<li><code>{escape(edit_line(edit))}</code></li>" for edit in candidate.edits)
            + "</ul>"
        )
    if candidate.issues:
        parts.append(
            '<p>Issues:</p><ul class="bad">'
            + "".join(f"<li>{escape(i)}</li>" for i in candidate.issues)
            + "</ul>"
        )
    if candidate.nodes:
        rows = "".join(
            f'<tr><td>{escape(n.node)}</td><td class="{"bad" if n.failed else "ok"}">{escape(n.status)}</td>'
            f"<td>{n.seconds:.2f}</td><td><code>{escape(shown(n.args, 200))}</code></td>"
            f"<td>{escape(n.error or shown(n.output, 200))}</td></tr>"
            for n in candidate.nodes
        )
        parts.append(
            "<table><tr><th>node</th><th>status</th><th>s</th><th>args</th><th>result or error</th></tr>"
            + rows
            + "</table>"
        )
    parts.append(
        f"<pre>{escape(render_text(candidate.workflow, candidate.statuses if candidate.ran else None))}</pre>"
    )
    return "\n".join(parts)


def _result_section(result: dict[str, Any]) -> str:
    workflow = parse_workflow(result["workflow"])
    statuses = {n["node"]: n["status"] for n in result.get("nodes", [])}
    return f"<h2>Returned workflow</h2>{_svg(workflow, statuses, 'result')}<pre>{escape(render_text(workflow, statuses))}</pre>"


def _levels(workflow: Workflow) -> dict[str, int]:
    """Dependency depth per node (0 for nodes that wait for nothing); a cycle is cut where it closes."""
    memo: dict[str, int] = {}

    def depth(node_id: str, trail: frozenset[str]) -> int:
        if node_id not in memo:
            deps = [d for d in workflow.dependencies(node_id) if d not in trail]
            memo[node_id] = 1 + max((depth(d, trail | {node_id}) for d in deps), default=-1)
        return memo[node_id]

    return {n.id: depth(n.id, frozenset()) for n in workflow.nodes}


def _svg(workflow: Workflow, statuses: dict[str, str], key: str) -> str:
    """The graph left to right by dependency depth: a box per node filled by its status, an arrow per dependency."""
    levels = _levels(workflow)
    arrow = escape(f"arrow-{key}")
    rows: dict[int, int] = {}
    where: dict[str, tuple[int, int]] = {}
    for node in workflow.nodes:
        level = levels[node.id]
        row = rows.get(level, 0)
        rows[level] = row + 1
        where[node.id] = (_PAD + level * (_BOX_W + _GAP_X), _PAD + row * (_BOX_H + _GAP_Y))
    width = _PAD * 2 + (max(levels.values(), default=0) + 1) * (_BOX_W + _GAP_X) - _GAP_X
    height = _PAD * 2 + max(rows.values(), default=1) * (_BOX_H + _GAP_Y) - _GAP_Y
    shapes = [
        f'<svg width="{width}" height="{height}" role="img">',
        f'<defs><marker id="{arrow}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" '
        'orient="auto"><path d="M0,0L10,5L0,10z" fill="#555"/></marker></defs>',
    ]
    for node in workflow.nodes:
        x, y = where[node.id]
        for dep in workflow.dependencies(node.id):
            if dep in where:
                dx, dy = where[dep]
                shapes.append(
                    f'<line x1="{dx + _BOX_W}" y1="{dy + _BOX_H // 2}" x2="{x}" y2="{y + _BOX_H // 2}" '
                    f'stroke="#555" marker-end="url(#{arrow})"/>'
                )
    for node in workflow.nodes:
        x, y = where[node.id]
        status = statuses.get(node.id, "")
        fill = _FILL.get(status, _FAILED_FILL)
        label = node.tool_key if isinstance(node, ToolNode) else "answer"
        shapes.append(
            f"<g><title>{escape(node.id)}: {escape(label)} [{escape(status or 'not run')}]</title>"
            f'<rect x="{x}" y="{y}" width="{_BOX_W}" height="{_BOX_H}" rx="6" fill="{fill}" stroke="#333"/>'
            f'<text x="{x + 8}" y="{y + 18}">{escape(_clip(f"{node.id} {status}".strip()))}</text>'
            f'<text x="{x + 8}" y="{y + 36}">{escape(_clip(label))}</text></g>'
        )
    shapes.append("</svg>")
    return "".join(shapes)


def _clip(text: str, limit: int = 26) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
