"""How one argument is looked up: an ordered table of strategies over one `LookupState`, the first that
answers wins. Bind it to an upstream field that fits; else add the cheapest step of a tool that yields it
(`retrieval.produces`, same server first, fewest required arguments): one the misread step alone can fill
(its values beat a guess from the task), one reached through a bridge from the misread id, one filled from
the workflow and the task, and, for a made-up number only, one whose own id a search finds first.

Owns choosing the lookup tool and binding what it returns; filling its inputs is `lookup_inputs`'; which
arguments need a lookup is `lookups`' and `quantities`'.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property, partial
from typing import Any

from evoflux.catalog.retrieval import lookup_arguments, produces
from evoflux.catalog.tools import ToolSpec
from evoflux.lexicon import base_name, name_words
from evoflux.repair.binding import upstream_source
from evoflux.repair.context import Fix, RepairContext
from evoflux.repair.fields import OutputField, clear_winner, rank_fields
from evoflux.repair.lookup_inputs import InputSources, filled_inputs
from evoflux.request.options import argument_schema
from evoflux.workflow.edits import add_step, set_arg
from evoflux.workflow.glue import is_pseudo
from evoflux.workflow.graph import PathStep, Ref, ToolNode, Workflow, format_path, iter_refs
from evoflux.workflow.paths import get_arg
from evoflux.workflow.refs import UnresolvedReference, resolve_ref
from evoflux.workflow.schema_check import value_fits
from evoflux.workflow.schema_read import schema_at, schema_fields

Path = tuple[PathStep, ...]


@dataclass(frozen=True, kw_only=True)
class LookupState(InputSources):
    """One argument to look up: at `at` in step `node` (a call of `spec`), given the `invented` value (or
    None when missing or `misread` from another step's field); `named` must be the words of the task the
    invented value spells (`lookups.task_spelling`). Calls that passed the same invented value are bound too.
    A producer that would only list everything (no filter filled) is never used: its first item would be a
    guess."""

    node: ToolNode
    spec: ToolSpec
    at: Path

    @cached_property
    def name(self) -> str:
        """The argument's own name, the last key of `at`."""
        return str(self.at[-1])

    @cached_property
    def schema(self) -> Mapping[str, Any] | None:
        """The argument's input schema."""
        return schema_at(self.spec.input_schema, self.at)

    @cached_property
    def written(self) -> str:
        """What is wrong with the argument, the first part of every edit's reason."""
        where = format_path(self.at)
        if self.misread is not None:
            return f"{where} from {self.misread.id} is the wrong kind of id"
        if isinstance(self.invented, str):
            return f"{where}={self.invented!r} is not a looked-up id"
        if self.invented is not None:
            return f"{where}={self.invented!r} is made up"
        return f"the missing {where} is not a looked-up id"

    @cached_property
    def producers(self) -> list[ToolSpec]:
        """Tools that yield the argument: same server first, then fewest required arguments."""
        spec = self.spec
        return sorted(
            (t for t in self.catalog if not is_pseudo(t) and t.key != spec.key and produces(t, self.name)),
            key=lambda t: (t.server != spec.server, len(t.required), t.key),
        )

    @cached_property
    def paths(self) -> dict[str, Path | None]:
        """Where each producer's output holds the value (`output_path`), by tool key."""
        return {p.key: output_path(p, self.name, self.schema, self.spec) for p in self.producers}

    @cached_property
    def consumers(self) -> list[tuple[str, Path]]:
        """The argument, and every other call (of a unique id) that passed the same invented value."""
        return [(self.node.id, self.at)] + [
            (n.id, (self.name,))
            for n in self.workflow.tool_nodes
            if self.invented is not None
            and n.id != self.node.id
            and n.args.get(self.name) == self.invented
            and self.workflow.ids.count(n.id) == 1
        ]


def bind_upstream(state: LookupState) -> Fix | None:
    """Bind the argument to an upstream field that fits (`binding.upstream_source`): for a misread id, only a
    field of a step about the same subject; when the invented value spells a name of the task, only a field
    of a step given or returning that name."""
    workflow, node = state.workflow, state.node
    ref = upstream_source(workflow, node, state.name, state.spec, state.catalog, state.context, state.schema)
    if (
        ref is None
        or (state.misread is not None and not _same_subject(workflow, state.misread, ref.node))
        or (state.named is not None and not _mentions(workflow, ref.node, state.named, state.context))
    ):
        return None
    return set_arg(workflow, node.id, state.at, ref, reason=f"{state.written}; {ref} holds it")


def reread_misread_step(state: LookupState) -> Fix | None:
    """A producer whose inputs the misread step alone fills, from what it was given or returned."""
    if state.misread is None:
        return None
    return _first_producer(state, partial(_filled, only_misread=True))


def bridge_misread_id(state: LookupState) -> Fix | None:
    """A producer fed through a bridge from the misread id (`_bridged`)."""
    if state.misread is None:
        return None
    return _first_producer(state, _bridged)


def fill_producer(state: LookupState) -> Fix | None:
    """A producer whose inputs are filled (`lookup_inputs.filled_inputs`): from the misread step, the
    invented value, the task text, the same argument elsewhere, an upstream field or (`by_name`) a name."""
    return _first_producer(state, _filled)


def chain_producer(state: LookupState) -> Fix | None:
    """For a made-up number only, a producer whose own id a search finds first (`_chained`): for an id, a
    guessed search for it finds the wrong thing, so an id goes through its own producers only."""
    if not isinstance(state.invented, int | float):
        return None
    return _first_producer(state, _chained)


# Tried in this order; the first that answers wins.
STRATEGIES: tuple[Callable[[LookupState], Fix | None], ...] = (
    bind_upstream,
    reread_misread_step,
    bridge_misread_id,
    fill_producer,
    chain_producer,
)


def look_up(state: LookupState) -> Fix | None:
    """The fix of the first of `STRATEGIES` that answers, or None."""
    for strategy in STRATEGIES:
        fix = strategy(state)
        if fix is not None:
            return fix
    return None


def _first_producer(
    state: LookupState, attempt: Callable[[LookupState, ToolSpec, Path], Fix | None]
) -> Fix | None:
    """The first fix `attempt` makes with one of the producers (in their order) whose output holds the
    argument, given where it does."""
    for producer in state.producers:
        path = state.paths[producer.key]
        fix = attempt(state, producer, path) if path is not None else None
        if fix is not None:
            return fix
    return None


def _filled(state: LookupState, producer: ToolSpec, path: Path, *, only_misread: bool = False) -> Fix | None:
    """The producer's step added with its inputs filled (`filled_inputs`), every consumer bound to `path`."""
    args = filled_inputs(producer, state, only_misread=only_misread)
    if args is None:
        return None
    shown = ", ".join(f"{k}={v!r}" for k, v in args.items())
    why = f"{state.written}; {producer.key}({shown}) finds it"
    return add_step(state.workflow, producer, args, bind={c: path for c in state.consumers}, reason=why)


def _chained(state: LookupState, producer: ToolSpec, path: Path) -> Fix | None:
    """The producer's one required argument is an id nothing fills (`get_product` needs a `product_id` to
    give a weight): a step that finds that id (`search_products(query="Barista Pro")`, searching for the one
    name of the task no step has used) is added first, and the producer reads it."""
    if len(producer.required) != 1 or producer.required[0] not in lookup_arguments(producer):
        return None
    inner = producer.required[0]
    finders = sorted(
        (
            t
            for t in state.catalog
            if not is_pseudo(t) and t.key not in (producer.key, state.node.tool_key) and produces(t, inner)
        ),
        key=lambda t: (t.server != producer.server, len(t.required), t.key),
    )
    search = InputSources(
        workflow=state.workflow, node=state.node, catalog=state.catalog, context=state.context, by_name=True
    )
    for finder in finders:
        found = output_path(finder, inner, argument_schema(producer, inner), producer)
        args = filled_inputs(finder, search) if found else None
        if found is None or args is None:
            continue
        shown = ", ".join(f"{k}={v!r}" for k, v in args.items())
        why = f"{state.written}; {producer.key} gives it from the {inner} that {finder.key}({shown}) finds"
        workflow, first = add_step(state.workflow, finder, args, reason=why)
        why = f"{producer.key} gives {format_path(state.consumers[0][1])} for the {inner} {first.node} found"
        bind = {c: path for c in state.consumers}
        workflow, second = add_step(
            workflow, producer, {inner: Ref(first.node, found)}, bind=bind, reason=why
        )
        return workflow, (first, second)
    return None


def _bridged(state: LookupState, producer: ToolSpec, path: Path) -> Fix | None:
    """The misread value is an id of another kind (`capital_city_id` "CTY-0029" where a station id belongs)
    and the producer needs what that id leads to (`lat`, `lon`): a tool that takes the id and returns
    those (`get_city`) bridges the two, and both steps are added, the producer bound at `at`."""
    node, at = state.node, state.at
    ref = get_arg(node.args, at, None)
    if not isinstance(ref, Ref) or not producer.required:
        return None
    try:
        value = resolve_ref(ref, state.context.outputs(state.workflow))
    except UnresolvedReference:
        return None
    for bridge in state.catalog:
        if is_pseudo(bridge) or bridge.key in (producer.key, node.tool_key):
            continue
        takes = _takes_id(bridge, ref, value)
        outputs = {
            base_name(str(p[0])): p for p, _ in schema_fields(bridge.result_schema or {}) if len(p) == 1
        }
        given = {arg: outputs.get(base_name(arg)) for arg in producer.required}
        if takes is None or None in given.values():
            continue
        why = f"{format_path(at)} from {ref.node} is the wrong kind of id; {bridge.key} turns {value!r} into "
        why += f"{', '.join(given)} for {producer.key}"
        workflow, first = add_step(state.workflow, bridge, {takes: ref}, reason=why)
        args = {arg: Ref(first.node, out) for arg, out in given.items() if out is not None}
        why = f"{producer.key} finds {format_path(at)} from what {first.node} returned"
        workflow, second = add_step(workflow, producer, args, bind={(node.id, at): path}, reason=why)
        return workflow, (first, second)
    return None


def _takes_id(tool: ToolSpec, ref: Ref, value: Any) -> str | None:
    """The one required argument of `tool`, when it is a lookup argument that takes `value`: its pattern
    accepts it, or (no pattern) its name ends the misread field's name (`city_id` for `capital_city_id`)."""
    if (
        len(tool.required) != 1
        or not isinstance(value, str)
        or tool.required[0] not in lookup_arguments(tool)
    ):
        return None
    name = tool.required[0]
    schema = argument_schema(tool, name) or {}
    field = name_words(str(ref.path[-1])) if ref.path else []
    words = name_words(name)
    if "pattern" in schema:
        return name if value_fits(tool, name, value) else None
    return name if field[-len(words) :] == words else None


def _same_subject(workflow: Workflow, misread: ToolNode, other_id: str) -> bool:
    """Whether step `other_id` is about what the misread step was about: it reads the misread step, or
    they were given a literal in common (`city="Lisbon"`). Another city's station is no replacement."""
    other = workflow.node(other_id)
    if not isinstance(other, ToolNode):
        return False
    if any(ref.node == misread.id for _, ref in iter_refs(other.args)):
        return True
    given = {
        json.dumps(v, sort_keys=True, default=str) for v in misread.args.values() if not isinstance(v, Ref)
    }
    return any(
        json.dumps(v, sort_keys=True, default=str) in given
        for v in other.args.values()
        if not isinstance(v, Ref)
    )


def _mentions(workflow: Workflow, node_id: str, name: str, context: RepairContext) -> bool:
    """Whether step `node_id` was given or returned `name`: it is about the thing the invented id names."""
    node = workflow.node(node_id)
    seen = [node.args if isinstance(node, ToolNode) else None, context.outputs(workflow).get(node_id)]
    return name.casefold() in json.dumps(seen, default=str, ensure_ascii=False).casefold()


def output_path(
    producer: ToolSpec, name: str, wanted: Mapping[str, Any] | None, consumer: ToolSpec | None
) -> Path | None:
    """Where in the producer's output the value for `name` (of schema `wanted`, read by `consumer`'s
    arguments when a tool reads it) is (the first list item for a list), or None."""
    if not producer.result_schema:
        return None
    fields = [OutputField("new", path, schema) for path, schema in schema_fields(producer.result_schema)]
    best = clear_winner(rank_fields(fields, name, wanted, consumer.input_schema if consumer else {}))
    return best.path if best is not None else None
