"""An answer that reads a listing where the request asks about what is inside one listed item: the workbook's
sheets were listed (`describe_workbook`) but the request asks when the Hamburg manager started. The listed item
the request means (the only one, else the one whose words the request uses) is read by a tool of the same
server that takes such an item (`read_range(path, sheet)`), given the listing step's own arguments, and the
answer reads that instead.

Listings are recognised by `discovery.is_discovery_tool`, readers by their schemas and annotations, never by
name tables. Owns that one rule; what the answer does with the item's contents is `whole_answers`'.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.lexicon import name_words, singular
from evoflux.lexicon.vocabulary import LOOK_VERBS, NAME_FIELD_WORDS, WRITE_VERBS
from evoflux.repair.context import Fix, RepairContext
from evoflux.repair.discovery import is_discovery_tool, meaning_words
from evoflux.request.asks import LIST, asks
from evoflux.workflow.edits import add_step, rewire
from evoflux.workflow.glue import is_pseudo
from evoflux.workflow.graph import AnswerNode, Ref, ToolNode, Workflow, iter_refs


def read_listed_item(
    workflow: Workflow, node_id: str, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """The answer reads the executed output of a listing step, and the request asks neither for a list nor
    about what the listing names (its sheets, its tables): a step reading the listed item the request means
    is added, and the answer reads it (see the module's docstring)."""
    node = workflow.node(node_id)
    if not isinstance(node, AnswerNode) or not context.task.strip():
        return None
    outputs = context.outputs(workflow)
    read = list(dict.fromkeys(ref.node for _, ref in iter_refs(node.text)))
    listings = [step for step in read if _is_listing(workflow, step, catalog) and step in outputs]
    if len(listings) != 1 or any(ask.kind == LIST for ask in asks(context.task)):
        return None
    listing = workflow.node(listings[0])
    assert isinstance(listing, ToolNode)
    kind, items = _listed(outputs[listing.id], listing.tool)
    request = meaning_words(context.task)
    if not items or kind & request:
        return None
    item = _meant(items, request)
    reader = _reader(catalog, listing, kind) if item is not None else None
    if reader is None:
        return None
    spec, item_arg = reader
    args = {**{a: v for a, v in listing.args.items() if a in spec.properties}, item_arg: item}
    why = f"{listing.id} lists {', '.join(map(repr, items[:5]))}; the request asks about what {item!r} holds"
    workflow, added = add_step(workflow, spec, args, reason=why)
    edits = [added]
    for ref in dict.fromkeys(ref for _, ref in iter_refs(node.text)):
        if ref.node == listing.id:
            workflow, moved = rewire(
                workflow, node_id, None, Ref(added.node), old=ref, reason=f"the answer reads {added.node}"
            )
            edits.append(moved)
    return workflow, tuple(edits)


def _is_listing(workflow: Workflow, step_id: str, catalog: ToolCatalog) -> bool:
    step = workflow.node(step_id)
    if not isinstance(step, ToolNode) or is_pseudo(step):
        return False
    spec = catalog.get(step.server, step.tool)
    return spec is not None and is_discovery_tool(spec)


def _listed(output: Any, tool: str) -> tuple[set[str], list[str]]:
    """What a listing names and the names: the words of the key holding its one list (`sheets`), else of the
    tool's name without its look verbs (`list_tables` -> table); the list's strings or its records' names."""
    if isinstance(output, list):
        kind, found = {singular(w) for w in name_words(tool)} - LOOK_VERBS, output
    elif isinstance(output, Mapping):
        lists = [(key, value) for key, value in output.items() if isinstance(value, list) and value]
        if len(lists) != 1:
            return set(), []
        kind, found = meaning_words(str(lists[0][0])), lists[0][1]
    else:
        return set(), []
    names = [name for item in found if (name := _item_name(item)) is not None]
    return kind, list(dict.fromkeys(names)) if len(names) == len(found) else []


def _item_name(item: Any) -> str | None:
    if isinstance(item, str):
        return item
    if isinstance(item, Mapping):
        named = [
            v for k, v in item.items() if isinstance(v, str) and set(name_words(str(k))) & NAME_FIELD_WORDS
        ]
        return named[0] if named else None
    return None


def _meant(items: list[str], request: set[str]) -> str | None:
    """The only item, else the one item whose words the request uses."""
    if len(items) == 1:
        return items[0]
    used = [item for item in items if meaning_words(item) & request]
    return used[0] if len(used) == 1 else None


def _reader(catalog: ToolCatalog, listing: ToolNode, kind: set[str]) -> tuple[ToolSpec, str] | None:
    """A tool of the listing's server that reads one listed item and changes nothing: it takes an argument
    named for what the listing names (`sheet` for `sheets`), and each other input it needs is one the listing
    step was given. One that reads contents comes before one that describes; then fewest inputs, then name."""
    options = []
    for spec in catalog.tools_of(listing.server):
        marks = spec.annotations
        words = {singular(w) for w in name_words(spec.name)}
        if spec.key == listing.tool_key or marks.get("readOnlyHint") is False or words & WRITE_VERBS:
            continue
        takes = [arg for arg in spec.properties if meaning_words(arg) & kind]
        if len(takes) != 1 or any(arg not in listing.args and arg != takes[0] for arg in spec.required):
            continue
        options.append(((is_discovery_tool(spec), len(spec.required), spec.name), spec, takes[0]))
    if not options:
        return None
    _, spec, arg = min(options, key=lambda option: option[0])
    return spec, arg
