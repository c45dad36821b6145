"""Made-up values: an id or a required number the request does not state and no step returned, though a tool
can look it up (`station_id="WX-OSL-01"` for a request about Reykjavik; `weight_kg=2` for "ship the Barista
Pro 2" while `get_product` returns `weight_kg`).

Owns telling a stated or returned value from a made-up one; adding the lookup is `repair.lookups`'.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from typing import Any

from evoflux.catalog.retrieval import is_lookup_name, lookup_arguments, produces
from evoflux.catalog.tools import ToolSpec
from evoflux.lexicon import base_name
from evoflux.lexicon.units import dimension, dimensions_in
from evoflux.lexicon.vocabulary import AMOUNT_WORDS, NUMBER_WORDS
from evoflux.request.options import argument_schema
from evoflux.request.text import task_literals
from evoflux.workflow.glue import is_pseudo
from evoflux.workflow.graph import ToolNode
from evoflux.workflow.schema_read import schema_types


def made_up_ids(node: ToolNode, spec: ToolSpec, task: str, others: Iterable[Any]) -> list[str]:
    """Lookup arguments of `node` (`lookup_arguments`) given as literals that the task does not state and
    that no other step returned (`others` are those steps' outputs): ids the plan made up."""
    if not task:
        return []
    seen: str | None = None
    found = []
    for name in lookup_arguments(spec):
        value = node.args.get(name)
        if not isinstance(value, str) or not value.strip() or value.strip().casefold() in task.casefold():
            continue
        if seen is None:
            seen = json.dumps(list(others), default=str, ensure_ascii=False).casefold()
        if json.dumps(value, ensure_ascii=False).casefold() not in seen:
            found.append(name)
    return found


def quantity_arguments(node: ToolNode, spec: ToolSpec) -> list[str]:
    """Required number arguments of `node` given as literals (not ids, not references)."""
    return [
        name
        for name in spec.required
        if _is_number(node.args.get(name))
        and not is_lookup_name(name)
        and schema_types(argument_schema(spec, name) or {}) & {"number", "integer"}
    ]


def made_up_quantities(
    node: ToolNode, spec: ToolSpec, task: str, others: Iterable[Any], tools: Iterable[ToolSpec]
) -> list[str]:
    """`quantity_arguments` whose value the task does not state, no other step returned (`others`, their
    outputs; rounding allowed) and another of `tools` returns a field of that name, or that is the `value` or
    `amount` a converter works on: numbers the plan made up.
    Precise values (two or more decimals: recalled coordinates) are taken as known, not made up.
    An argument whose name or description has a unit (`weight_kg`, "minutes") is stated by any unit word of
    its dimension in the task ("a free hour"), and only by numbers with such a unit ("Barista Pro 2" states
    no weight); other arguments by any number or number word."""
    if not task:
        return []
    names = quantity_arguments(node, spec)
    if not names:
        return []
    tools = [t for t in tools if t.key != spec.key and not is_pseudo(t)]
    returned = [number for output in others for number in numbers_in(output)]
    literals = [lit for lit in task_literals(task) if lit.kind == "number"]
    words = {w.lower() for w in re.findall(r"[A-Za-z]+(?:['’][A-Za-z]+)?", task)}  # "Dubois's" is no "s"
    spoken = dimensions_in(task)
    found = []
    for name in names:
        value = node.args[name]
        if _precise(value):
            continue
        measures = dimensions_in(name) | dimensions_in(str(spec.properties[name].get("description", "")))
        if measures & spoken:
            continue
        stated = [lit.value for lit in literals if not measures or dimension(lit.unit) in measures]
        stated += [number for word, number in NUMBER_WORDS.items() if word in words and not measures]
        if any(same_number(value, number) for number in [*stated, *returned]):
            continue
        if base_name(name) in AMOUNT_WORDS or any(produces(tool, name) for tool in tools):
            found.append(name)
    return found


def _precise(value: float) -> bool:
    """Two or more decimals (`59.9139`): a value the model recalled, such as a city's coordinates, not a
    placeholder (`2`, `2.5`) standing in for what it could not know."""
    return _decimals(value) >= 2


def _decimals(value: float) -> int:
    """How many decimals `value` shows (0 for whole numbers and exponent notation)."""
    text = repr(float(value))
    return 0 if "e" in text else len(text.split(".")[1].rstrip("0"))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def leaves(value: Any) -> Iterable[Any]:
    """Every scalar inside an executed output, all list items and object values included."""
    if isinstance(value, dict):
        for item in value.values():
            yield from leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from leaves(item)
    else:
        yield value


def numbers_in(value: Any) -> Iterable[int | float]:
    """Every number inside an executed output, all list items included."""
    return (leaf for leaf in leaves(value) if _is_number(leaf))


def same_number(given: Any, other: Any) -> bool:
    """Whether `given` is `other`, or `other` rounded to the decimals `given` shows (at least one)."""
    if math.isclose(given, other, rel_tol=1e-9):
        return True
    decimals = _decimals(given)
    return decimals > 0 and abs(given - other) <= 0.5 * 10**-decimals
