"""Repairs of tool names: a step naming a tool or server the catalog lacks gets the catalog tool it clearly means.

Owns alias resolution and the name-and-description match with its threshold; argument mapping is `swap_tool`'s.
"""

from __future__ import annotations

import difflib
import re

from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.lexicon import squash, stem
from evoflux.lexicon.vocabulary import FUNCTION_WORDS, INVOKE_VERBS, TOOL_FILLER
from evoflux.repair.context import Fix, RepairContext
from evoflux.workflow.edits import swap_tool
from evoflux.workflow.glue import is_pseudo
from evoflux.workflow.graph import ToolNode, Workflow
from evoflux.workflow.issues import Issue
from evoflux.workflow.similar import close_name, similarity, words

# A fuzzy match is taken only when it scores at least ACCEPT and leads the runner-up by MARGIN. The score
# (0..1, plus bonuses) weighs the character similarity of the names (case and separators ignored) 0.55,
# the share of the written name's words (less filler and server words) found in the tool's name and
# description 0.2, and the share of written arguments the tool takes (exactly or by a clearly close name)
# 0.25 (without arguments: name 0.7, words 0.3); a tool on the written server gets +0.1, on a server the
# workflow already uses +0.05.
ACCEPT = 0.7
MARGIN = 0.08
# ...and only among tools whose name or description has most (60%) of the written name's telling words.
WORDS_FOUND = 0.6
_TYPO_MIN_LENGTH = 4
_SAME_SERVER = 0.1
_USED_SERVER = 0.05
_FILLER_WORDS = TOOL_FILLER | INVOKE_VERBS | FUNCTION_WORDS
_SEPARATORS = re.compile(r"__|::|[.:/]")


def resolve_tool(
    workflow: Workflow, issue: Issue, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """unknown_tool / unknown_server / missing_server: swap in the tool the written name clearly denotes."""
    node = workflow.node(issue.node or "")
    if not isinstance(node, ToolNode) or is_pseudo(node) or catalog.get(node.server, node.tool):
        return None
    if workflow.ids.count(node.id) > 1:
        return None
    found = match_tool(node, catalog, workflow)
    if found is None:
        return None
    spec, why = found
    return swap_tool(
        workflow,
        node.id,
        spec,
        catalog,
        reason=f"{node.tool_key if node.server else node.tool} is not in the catalog; {why}",
    )


def match_tool(node: ToolNode, catalog: ToolCatalog, workflow: Workflow) -> tuple[ToolSpec, str] | None:
    """The catalog tool a written `server:tool` means, with the reason; None when no tool is clearly it."""
    used = {n.server for n in workflow.tool_nodes if n.id != node.id and n.server in catalog.servers}
    aliases = _aliases(node, catalog)
    if aliases:
        chosen = _prefer(aliases, node.server, used)
        return (chosen, f"{chosen.key} is the same name written another way") if chosen else None
    scored = sorted(
        (
            (_score(node, tool, used), tool.key, tool)
            for tool in catalog
            if _described(node, tool) >= WORDS_FOUND
        ),
        key=lambda s: (-s[0], s[1]),
    )
    if not scored or scored[0][0] < ACCEPT:
        return None
    if len(scored) > 1 and scored[0][0] - scored[1][0] < MARGIN:
        return None
    best_score, _, best = scored[0]
    return best, f"{best.key} is the closest tool by name and description (score {best_score:.2f})"


def _aliases(node: ToolNode, catalog: ToolCatalog) -> list[ToolSpec]:
    """Catalog tools whose name, or server plus name, is the written one up to case and separators
    (`searchStations`, `weather_search_stations`, `weather.search_stations`, `Weather Data__get_x`)."""
    written = {squash(node.tool), squash(node.server + node.tool)}
    pieces = _SEPARATORS.split(node.tool)
    if len(pieces) > 1:
        written.add(squash(pieces[-1]))
    found = []
    for tool in catalog:
        if is_pseudo(tool):
            continue
        if squash(tool.server + tool.name) in written or squash(tool.name) in written:
            found.append(tool)
    return found


def _prefer(tools: list[ToolSpec], server: str, used: set[str]) -> ToolSpec | None:
    """One tool among same-named ones: the only one, else the one on the written server, else the one on a
    server the workflow already uses; None when that still leaves several."""
    if len(tools) == 1:
        return tools[0]
    for keep in (lambda t: squash(t.server) == squash(server), lambda t: t.server in used):
        narrowed = [t for t in tools if keep(t)]
        if len(narrowed) == 1:
            return narrowed[0]
    return None


def _score(node: ToolNode, tool: ToolSpec, used: set[str]) -> float:
    if is_pseudo(tool):
        return 0.0
    name = _ratio(node.tool, tool.name)
    if not node.server:  # the server may be fused into the name: `weatherForecast`
        name = max(name, _ratio(node.tool, tool.server + tool.name))
    described = _described(node, tool)
    if node.args:
        takes = list(tool.properties)
        known = sum(1 for arg in node.args if arg in tool.properties or close_name(arg, takes) is not None)
        score = 0.55 * name + 0.2 * described + 0.25 * known / len(node.args)
    else:
        score = 0.7 * name + 0.3 * described
    if node.server and (tool.server == node.server or similarity(node.server, tool.server) >= 0.8):
        score += _SAME_SERVER
    elif tool.server in used:
        score += _USED_SERVER
    return score


def _described(node: ToolNode, tool: ToolSpec) -> float:
    """The share of the written name's telling words (not filler, not server words) that the tool's name or
    description has, allowing one typo (edit or swap) in words of 4+ letters; 0 when it has no telling word."""
    asked = words(node.tool) - _FILLER_WORDS - words(tool.server) - words(node.server)
    offered = {stem(w) for w in words(tool.name) | words(tool.description)}
    found = [w for w in asked if any(_same_word(stem(w), o) for o in offered)]
    return len(found) / len(asked) if asked else 0.0


def _same_word(a: str, b: str) -> bool:
    if a == b:
        return True
    return min(len(a), len(b)) >= _TYPO_MIN_LENGTH and abs(len(a) - len(b)) <= 1 and _typos(a, b) <= 1


def _typos(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[i - 2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, squash(a), squash(b)).ratio()
