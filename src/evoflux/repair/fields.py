"""What upstream steps offer an argument: output fields (from output schemas or executed values), and fit scores.

Owns how well a name, type and pattern fit a field; the rules that bind or rewire with them are elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from evoflux.catalog.tools import ToolCatalog
from evoflux.lexicon import base_name
from evoflux.repair.context import RepairContext
from evoflux.workflow.glue import is_pseudo
from evoflux.workflow.graph import PathStep, ToolNode, Workflow
from evoflux.workflow.paths import upstream_of
from evoflux.workflow.schema_read import json_type, resolve_local, schema_fields, schema_types
from evoflux.workflow.similar import similarity

Path = tuple[PathStep, ...]
# A field fits an argument when its name scores at least this (1.0 same base name, 0.85 one name's words
# inside the other's, else `similar.similarity`), and leads the next different field by the margin.
FIT_CUTOFF = 0.8
FIT_MARGIN = 0.1
_CONTAINED = 0.85
_ABBREVIATION_MIN = 3
PATTERN_BONUS = 0.1
DEPTH_PENALTY = 0.01
_MAX_VALUE_DEPTH = 6


@dataclass(frozen=True)
class OutputField:
    """One path in a node's output: its schema (`{}` when only a value is known) and its executed value."""

    node: str
    path: Path
    schema: Mapping[str, Any]
    value: Any = None
    executed: bool = False

    @property
    def name(self) -> str:
        """The last key on the path (`stations[0].station_id` -> `station_id`), or "" for a bare index."""
        return next((s for s in reversed(self.path) if isinstance(s, str)), "")

    @property
    def types(self) -> set[str]:
        return {json_type(self.value)} if self.executed else schema_types(self.schema)


def name_fit(wanted: str, offered: str) -> float:
    """How well a field called `offered` matches the name `wanted`: 1.0 same base name, 0.85 when one's words
    lie inside the other's (`id` / `station_id`, `city_id` / `capital_city_id`) or one abbreviates the other
    (`temp` / `temperature`, at least 3 letters), else the name similarity."""
    if not wanted or not offered:
        return 0.0
    mine, theirs = base_name(wanted), base_name(offered)
    if mine == theirs:
        return 1.0
    short, long = sorted((mine.replace("_", ""), theirs.replace("_", "")), key=len)
    if set(mine.split("_")) <= set(theirs.split("_")) or set(theirs.split("_")) <= set(mine.split("_")):
        return _CONTAINED
    if len(short) >= _ABBREVIATION_MIN and long.startswith(short):
        return _CONTAINED
    return similarity(wanted, offered)


def types_fit(wanted: Mapping[str, Any], field: OutputField) -> bool:
    """Whether the field's type can fill an argument with schema `wanted` (unknown types fit)."""
    need, have = schema_types(wanted), field.types
    if not need or not have:
        return True
    return bool(need & have) or ("integer" in have and "number" in need)


def value_matches(wanted: Mapping[str, Any], field: OutputField) -> bool | None:
    """Whether the executed value passes the argument's pattern or enum; None when nothing says."""
    if not field.executed:
        return None
    pattern, options = wanted.get("pattern"), wanted.get("enum")
    if isinstance(options, list):
        return field.value in options
    if isinstance(pattern, str):
        return isinstance(field.value, str) and re.search(pattern, field.value) is not None
    return None


def node_fields(
    workflow: Workflow, node_id: str, catalog: ToolCatalog, context: RepairContext
) -> list[OutputField]:
    """The fields of one tool step's output: executed values when it ran and is unchanged, else its output schema."""
    node = workflow.node(node_id)
    if not isinstance(node, ToolNode):
        return []
    outputs = context.outputs(workflow)
    if node_id in outputs:
        return [OutputField(node_id, path, {}, value, True) for path, value in value_paths(outputs[node_id])]
    spec = catalog.get(node.server, node.tool)
    if spec is None or not spec.result_schema:
        return []
    return [OutputField(node_id, path, schema) for path, schema in schema_fields(spec.result_schema)]


def value_paths(value: Any) -> list[tuple[Path, Any]]:
    """Every path inside an executed value (objects' keys, a list's first item as `[0]`), with the value there."""
    found: list[tuple[Path, Any]] = []

    def walk(here: Any, path: Path) -> None:
        if len(path) > _MAX_VALUE_DEPTH:
            return
        if isinstance(here, Mapping):
            for key, item in here.items():
                found.append(((*path, str(key)), item))
                walk(item, (*path, str(key)))
        elif isinstance(here, list) and here:
            found.append(((*path, 0), here[0]))
            walk(here[0], (*path, 0))

    walk(value, ())
    return found


def readable_nodes(workflow: Workflow, reader: str) -> list[str]:
    """Tool steps `reader` may read without a cycle (evoflux's own steps excepted), those it waits for first."""
    upstream = upstream_of(workflow, reader)
    allowed = [
        n.id
        for n in workflow.tool_nodes
        if n.id != reader and not is_pseudo(n) and reader not in upstream_of(workflow, n.id)
    ]
    return sorted(allowed, key=lambda i: i not in upstream)


@dataclass(frozen=True)
class Scored:
    field: OutputField
    score: float


def rank_fields(
    fields: Iterable[OutputField],
    wanted_name: str,
    wanted_schema: Mapping[str, Any] | None,
    root: Mapping[str, Any],
) -> list[Scored]:
    """Fields that can fill an argument (`wanted_schema` None: any type), best first: name fit, a bonus when
    an executed value passes the argument's pattern/enum, a small penalty per path step."""
    schema = resolve_local(wanted_schema, root) if wanted_schema is not None else {}
    scored = []
    for field in fields:
        if not types_fit(schema, field):
            continue
        matches = value_matches(schema, field)
        if matches is False:
            continue
        score = name_fit(wanted_name, field.name) + (PATTERN_BONUS if matches else 0.0)
        scored.append(Scored(field, score - DEPTH_PENALTY * len(field.path)))
    return sorted(scored, key=lambda s: -s.score)


def clear_winner(ranked: list[Scored], cutoff: float = FIT_CUTOFF) -> OutputField | None:
    """The best field when it reaches `cutoff` and leads every field of another node or name by `FIT_MARGIN`."""
    if not ranked or ranked[0].score < cutoff:
        return None
    best = ranked[0].field
    rivals = [s for s in ranked[1:] if (s.field.node, s.field.name) != (best.node, best.name)]
    if rivals and ranked[0].score - rivals[0].score < FIT_MARGIN:
        return None
    return best
