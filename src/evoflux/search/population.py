"""The search's population: identity, structural distance, tournament selection, diversity pruning, lineage.

Pure bookkeeping over scored candidates (`scoring.candidate`); producing them is the loop's job.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from collections.abc import Sequence

from evoflux.scoring.candidate import Candidate
from evoflux.workflow.edits import Edit
from evoflux.workflow.graph import ToolNode, Workflow, value_to_json


def signature(workflow: Workflow) -> str:
    """Identity of a workflow's content, independent of node ids' order in the file."""
    body = json.dumps(value_to_json(workflow.to_json()["nodes"]), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()[:20]


def _shape(workflow: Workflow) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    tools = Counter(n.tool_key for n in workflow.tool_nodes)
    key = {n.id: (n.tool_key if isinstance(n, ToolNode) else "answer") for n in workflow.nodes}
    edges = Counter((key[d], key[n.id]) for n in workflow.nodes for d in workflow.dependencies(n.id))
    return tools, edges


def distance(a: Workflow, b: Workflow) -> float:
    """Structural distance in [0, 1]: Jaccard over tool multisets and over dependency edges between tools."""
    (tools_a, edges_a), (tools_b, edges_b) = _shape(a), _shape(b)
    return (_jaccard(tools_a, tools_b) + _jaccard(edges_a, edges_b)) / 2


def _jaccard(a: Counter, b: Counter) -> float:
    union = sum((a | b).values())
    return 0.0 if union == 0 else 1 - sum((a & b).values()) / union


def tournament(candidates: Sequence[Candidate], rng: random.Random, size: int = 2) -> Candidate:
    """The fittest of `size` candidates drawn at random."""
    drawn = rng.sample(list(candidates), k=min(size, len(candidates)))
    return max(drawn, key=lambda c: c.fitness)


def prune(
    candidates: Sequence[Candidate], keep: int, *, diversity: bool = True, weight: float = 0.15
) -> list[Candidate]:
    """At most `keep` candidates: the best first, then by fitness plus distance to those kept."""
    ranked = sorted(candidates, key=lambda c: c.fitness, reverse=True)
    if not diversity or len(ranked) <= keep:
        return ranked[:keep]
    kept = [ranked[0]]
    rest = ranked[1:]
    while rest and len(kept) < keep:
        best = max(
            rest,
            key=lambda c: c.fitness.value + weight * min(distance(c.workflow, k.workflow) for k in kept),
        )
        kept.append(best)
        rest.remove(best)
    return kept


def lineage(candidates: Sequence[Candidate], best: Candidate) -> list[Edit]:
    """Every edit on the way from the first plan to `best`, oldest first."""
    by_id = {c.id: c for c in candidates}
    chain: list[Candidate] = []
    current: Candidate | None = best
    while current is not None:
        chain.append(current)
        current = by_id.get(current.parent) if current.parent else None
    return [edit for candidate in reversed(chain) for edit in candidate.edits]
