"""Discovery steps: a step that failed naming something its server does not know (a column, a table, a file,
an entity) gets a listing, describing or searching step of the same server before it; once that step ran,
the unknown name becomes the one close name it listed.

`read_query(query="SELECT qty FROM orders")` failing "no such column: qty": `describe_table(table_name=
"orders")` is added before it; when it lists `quantity`, the query becomes `SELECT quantity FROM orders`.
`read_file(path="/data/report.txt")` failing ENOENT: `list_directory(path="/data")`, then `/data/reports.txt`.
Owns recognising discovery tools (the words of their names and descriptions, their inputs and annotations,
never their names as such) and reading names out of what they return; filling inputs from the workflow and
the request is `lookup_inputs`', ids nothing supplies are `lookups`'.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.lexicon import ID_WORDS, name_words, same_word, singular, squash
from evoflux.lexicon.vocabulary import (
    DESCRIBE_NOUNS,
    FILTER_WORDS,
    FUNCTION_WORDS,
    LOOK_VERBS,
    NAME_FIELD_WORDS,
    SEARCH_VERBS,
    TABLE_KEYWORDS,
    TABLE_NOUNS,
    WRITE_VERBS,
)
from evoflux.lexicon.wording import CANNOT_FIND_WORDING, ERROR_WORDS, NOT_FOUND_WORDING, alternatives
from evoflux.repair.context import Fix, RepairContext, names_unknown_value
from evoflux.repair.lookup_inputs import InputSources, filled_inputs
from evoflux.request.options import argument_schema
from evoflux.workflow.edits import add_step, set_arg
from evoflux.workflow.graph import PathStep, ToolNode, Workflow
from evoflux.workflow.paths import get_arg, upstream_of
from evoflux.workflow.schema_read import schema_types
from evoflux.workflow.similar import close_name, the_one

# The error wordings that say a value names nothing known besides `context`'s not-found ones, and all of
# them, for how near a name stands to one.
_UNKNOWN_WORDING = re.compile(rf"\b{alternatives(CANNOT_FIND_WORDING)}\b", re.I)
_ANY_WORDING = re.compile(alternatives((*CANNOT_FIND_WORDING, *NOT_FOUND_WORDING)), re.I)
_PIECE = re.compile(r"[^\s'\"`,;()=<>*\[\]{}]+")  # a name, a dotted name or a path inside a longer text
_QUOTES = "'\"`"
_WORDS_BEFORE = 3  # words before an unknown name that may say what it is
_MAX_NAME_WORDS = 3  # an argument value of more words is a text (a query), not a name
_MAX_ERROR_TEXT = 500  # an ok result longer than this is content, not an error message
_CHAR_CUTOFF = 0.8  # character likeness of a misspelt name to the one listed name it means
_CHAR_MARGIN = 0.1
_ABBREVIATION_MIN = 3

ArgPath = tuple[PathStep, ...]


@dataclass(frozen=True)
class Unknown:
    """What a failed step named that its server does not know: the piece of the argument at `path`."""

    path: ArgPath
    piece: str
    error: str


def discover_unknown_name(
    workflow: Workflow, node_id: str, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """A step that ran, unchanged since, and failed naming a piece of its arguments as unknown: the piece
    becomes the one close name a discovery step of its server listed (one that ran anywhere in the workflow,
    or one before it); when none runs before it, such a step is added, filled from the failing step's
    arguments (see `_discovery_step`)."""
    node = workflow.node(node_id)
    if (
        not isinstance(node, ToolNode)
        or workflow.ids.count(node_id) > 1
        or not context.unchanged(workflow, node_id)
    ):
        return None
    unknown = unknown_name(node, failure_text(context, node_id))
    if unknown is None:
        return None
    before = upstream_of(workflow, node_id)
    ran = context.outputs(workflow)
    looked = [
        step
        for step in workflow.ids
        if (step in before or step in ran) and _is_discovery_step(workflow, step, node, catalog)
    ]
    renamed = _renamed(workflow, node, unknown, looked, context) if looked else None
    if renamed is not None or any(step in before for step in looked):
        return renamed
    if any(
        node_id in upstream_of(workflow, other.id) and _is_discovery_step(workflow, node_id, other, catalog)
        for other in workflow.tool_nodes
    ):
        return None  # a discovery step itself: no discovery of discovery
    return _discovery_step(workflow, node, unknown, catalog, context)


def unknown_name(node: ToolNode, error: str | None) -> Unknown | None:
    """The piece of `node`'s arguments that `error` says names nothing known: a whole value or a word of a
    short text, written in the error (quoted first, then nearest the wording), of a few words at most."""
    if not error:
        return None
    found = []
    for path, value in string_args(node.args):
        pieces = [value] if len(value.split()) <= _MAX_NAME_WORDS else []
        pieces += [p for p in _PIECE.findall(value) if p != value]
        for piece in dict.fromkeys(pieces):
            if len(piece) < 2 or piece.isdigit() or not _named_unknown(error, piece):
                continue
            at = _position(error, piece)
            if at is not None:
                quoted = at > 0 and error[at - 1] in _QUOTES
                found.append(
                    ((not quoted, _distance(error, at, piece), -len(piece)), Unknown(path, piece, error))
                )
    return min(found, key=lambda f: f[0])[1] if found else None


def is_discovery_tool(spec: ToolSpec) -> bool:
    """A tool that lists, describes or searches what its server holds and changes nothing: a look verb or a
    describing noun in its name, or a description that opens with a look verb; no write verb, not marked
    as writing or destructive, at most two required inputs, each a text (a name, a path, a query)."""
    marks = spec.annotations
    if marks.get("readOnlyHint") is False or marks.get("destructiveHint") is True or len(spec.required) > 2:
        return False
    if any(schema_types(argument_schema(spec, arg) or {}) - {"string"} for arg in spec.required):
        return False
    words = {singular(w) for w in name_words(spec.name)}
    if words & WRITE_VERBS:
        return False
    opening = name_words(spec.description.strip().split(" ", 1)[0]) if spec.description.strip() else []
    return bool(words & (LOOK_VERBS | DESCRIBE_NOUNS)) or bool(opening and singular(opening[0]) in LOOK_VERBS)


def listed_names(value: Any) -> list[str]:
    """The names a discovery result shows, in order: strings in lists, the keys of a mapping, the name-like
    fields of records (`name`, `column_name`, `path`), the entries of a text listing, one a line."""
    found: list[str] = []
    _collect(value, found, in_record=False)
    return list(dict.fromkeys(name for name in found if name))


def closest_listed(name: str, names: list[str]) -> str | None:
    """The one listed name `name` means: a clear near name (`similar.close_name`), else the one it
    abbreviates letter by letter (`qty` -> `quantity`), else the one whose words it holds all of with more,
    maybe bent (`library_books` -> `books`, `join_date` -> `joined`), else the one clearly closest in
    spelling, else the one that shares a word with it (`publication_year` -> `year_published`)."""
    found = close_name(name, names)
    if found is not None:
        return found
    abbreviated = [n for n in names if _abbreviates(name, n)]
    if abbreviated:
        return abbreviated[0] if len(abbreviated) == 1 else None
    mine = meaning_words(name)
    held = [n for n in names if (words := meaning_words(n)) and len(words) < len(mine) and _held(words, mine)]
    if held:
        return held[0] if len(held) == 1 else None
    squashed = squash(name)
    spelt = the_one(
        [n for n in names if n != name],
        (),
        lambda n: difflib.SequenceMatcher(None, squashed, squash(n)).ratio(),
        cutoff=_CHAR_CUTOFF,
        margin=_CHAR_MARGIN,
    )
    if spelt is not None:
        return spelt
    sharing = [n for n in dict.fromkeys(names) if n != name and meaning_words(n) & mine]
    return sharing[0] if len(sharing) == 1 else None


def _held(words: set[str], mine: set[str]) -> bool:
    """Whether each of `words` is one of `mine`, maybe bent by an ending (`joined` in `join_date`)."""
    return all(any(same_word(word, other) for other in mine) for word in words)


def meaning_words(name: str) -> set[str]:
    """A name's words that say what it is, singular: not ids, not function words (`book_id` -> {book})."""
    return {singular(w) for w in name_words(name) if w not in ID_WORDS and w not in FUNCTION_WORDS}


# ---------------------------------------------------------------- the failure


def failure_text(context: RepairContext, node_id: str) -> str | None:
    """The error of a failed call, or a short text (or `error` field) that an ok call returned."""
    outcome = context.execution.outcomes.get(node_id) if context.execution is not None else None
    if outcome is None:
        return None
    if not outcome.ok:
        return outcome.error
    output = outcome.output
    if isinstance(output, Mapping) and isinstance(output.get("error"), str):
        output = output["error"]
    return output if isinstance(output, str) and len(output) <= _MAX_ERROR_TEXT else None


def string_args(value: Any, path: ArgPath = ()) -> Iterator[tuple[ArgPath, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from string_args(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from string_args(item, (*path, index))


def _named_unknown(error: str, piece: str) -> bool:
    return names_unknown_value(error, piece) or (
        _UNKNOWN_WORDING.search(error) is not None and piece.casefold() in error.casefold()
    )


def _position(text: str, piece: str) -> int | None:
    """Where `piece` stands in `text` as a whole name (not inside a longer one), ignoring case."""
    match = re.search(rf"(?<![\w./-]){re.escape(piece)}(?![\w/-])", text, re.IGNORECASE)
    return match.start() if match else None


def _distance(error: str, at: int, piece: str) -> int:
    """Characters between the piece and the nearest wording that says something is unknown."""
    span = _nearest_wording(error, at, at + len(piece))
    return len(error) if span is None else _gap(span, at, at + len(piece))


def _nearest_wording(error: str, at: int, end: int) -> tuple[int, int] | None:
    spans = [m.span() for m in _ANY_WORDING.finditer(error)]
    return min(spans, key=lambda span: _gap(span, at, end), default=None)


def _gap(span: tuple[int, int], at: int, end: int) -> int:
    return max(span[0] - end, at - span[1], 0)


# ---------------------------------------------------------------- adding the discovery step


def _is_discovery_step(workflow: Workflow, step_id: str, waiter: ToolNode, catalog: ToolCatalog) -> bool:
    step = workflow.node(step_id)
    if not isinstance(step, ToolNode) or step.server != waiter.server:
        return False
    spec = catalog.get(step.server, step.tool)
    return spec is not None and is_discovery_tool(spec)


def _discovery_step(
    workflow: Workflow, node: ToolNode, unknown: Unknown, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """Add the best discovery tool of the node's server whose inputs the failing step fills (or that needs
    none) before it: one whose name or description speaks of what the error is about first (`tables` for
    "no such table"), then one fed by the failing step (it looks at the container the step used), then one
    marked read-only, then fewest inputs. Never one fed the unknown name itself, unless it searches for it, nor
    one the workflow already calls with the same inputs."""
    topic = _topic_words(unknown)
    options = []
    for spec in catalog.tools_of(node.server):
        if not is_discovery_tool(spec):
            continue
        inputs = _inputs(spec, workflow, node, unknown, catalog, context)
        if inputs is None or (spec.key == node.tool_key and inputs == node.args):
            continue
        if any(step.tool_key == spec.key and step.args == inputs for step in workflow.tool_nodes):
            continue  # that look was taken already: its answer did not name the unknown
        mentions = bool(topic & _tool_words(spec))
        fed = any(v != unknown.piece for v in inputs.values())
        key = (not mentions, not fed, spec.annotations.get("readOnlyHint") is not True, len(spec.required))
        options.append((key, spec.name, spec, inputs))
    if not options:
        return None
    _, _, spec, inputs = min(options, key=lambda o: (o[0], o[1]))
    shown = ", ".join(f"{k}={v!r}" for k, v in inputs.items())
    why = f"{node.id} failed on the unknown {unknown.piece!r}; {spec.key}({shown}) shows what the server has"
    return add_step(workflow, spec, inputs, before=node.id, reason=why)


def _inputs(
    spec: ToolSpec,
    workflow: Workflow,
    node: ToolNode,
    unknown: Unknown,
    catalog: ToolCatalog,
    context: RepairContext,
) -> dict[str, Any] | None:
    """The discovery tool's required inputs: each from the failing step (see `_from_failing`), else from
    the workflow and the request (`lookup_inputs`); None when one has no value or would be given the
    unknown name (a describe of the very table that does not exist) by a tool that does not search."""
    args: dict[str, Any] = {}
    searches = bool({singular(w) for w in name_words(spec.name)} & SEARCH_VERBS)
    for arg in spec.required:
        value = _from_failing(arg, spec, node, unknown, searches)
        if value is not None:
            args[arg] = value
    missing = [arg for arg in spec.required if arg not in args]
    if missing:
        sources = InputSources(workflow=workflow, node=node, catalog=catalog, context=context)
        filled = filled_inputs(spec, sources) or {}
        if any(arg not in filled for arg in missing):
            return None
        args.update({arg: filled[arg] for arg in missing})
    if not searches and any(_mentions(v, unknown.piece) for v in args.values()):
        return None
    return args


def _from_failing(arg: str, spec: ToolSpec, node: ToolNode, unknown: Unknown, searches: bool) -> Any:
    """A value for `arg` from what the failing step was given: a search's text gets the unknown name
    itself; an argument of the same name the same value, or, for a listing and a path, the folder the
    unknown path is in; a table's name the name after `FROM`/`JOIN`/... in the step's query."""
    words = set(name_words(arg))
    if searches and words & FILTER_WORDS:
        return unknown.piece.rstrip("/").rsplit("/", 1)[-1]
    given = node.args.get(arg)
    if isinstance(given, str) and "/" in unknown.piece and _mentions(given, unknown.piece):
        folder = unknown.piece.rstrip("/").rsplit("/", 1)[0]
        return (folder or "/") if _lists(spec) else None
    if isinstance(given, str | int | float) and not isinstance(given, bool):
        return given
    if words & TABLE_NOUNS:
        tables = {t for _, text in string_args(node.args) for t in _tables_in(text)}
        return tables.pop() if len(tables) == 1 else None
    return None


def _tables_in(text: str) -> list[str]:
    """The names after the words a query names its tables with (`FROM orders`, `JOIN items`)."""
    pieces = _PIECE.findall(text)
    return [after for word, after in itertools.pairwise(pieces) if word.casefold() in TABLE_KEYWORDS]


def _lists(spec: ToolSpec) -> bool:
    return "list" in {singular(w) for w in name_words(f"{spec.name} {spec.description[:80]}")}


def _mentions(value: Any, piece: str) -> bool:
    return isinstance(value, str) and _position(value, piece) is not None


def _topic_words(unknown: Unknown) -> set[str]:
    """What the error says the unknown is (`column` in "no such column: qty", `table` in "Table 'x' does not
    exist"): the words between it and the nearest wording of the failure and the few just before it, not
    the unknown's own words nor those of the failure."""
    error, piece = unknown.error, unknown.piece
    at = _position(error, piece) or 0
    end = at + len(piece)
    span = _nearest_wording(error, at, end) or (at, at)
    between = error[span[1] : at] if span[1] <= at else error[end : span[0]]
    words = name_words(between) + name_words(error[:at])[-_WORDS_BEFORE:]
    return {singular(w) for w in words if len(w) > 2} - set(name_words(piece)) - ERROR_WORDS


def _tool_words(spec: ToolSpec) -> set[str]:
    return {singular(w) for w in name_words(f"{spec.name} {spec.description}")}


# ---------------------------------------------------------------- reading what it found


def _renamed(
    workflow: Workflow, node: ToolNode, unknown: Unknown, looked: list[str], context: RepairContext
) -> Fix | None:
    """The unknown piece (or, in a path, its last part) replaced by the one close name the discovery steps
    listed; None when they did not run, list the piece itself, or list no clear match."""
    outputs = context.outputs(workflow)
    names = [name for step in looked if step in outputs for name in listed_names(outputs[step])]
    if not names or unknown.piece.casefold() in {n.casefold() for n in names}:
        return None
    folder, _, last = unknown.piece.rpartition("/")
    found = closest_listed(unknown.piece, names)
    if found is None and last and folder:
        found = closest_listed(last, names)
    if found is not None and folder and unknown.piece.startswith("/") and not found.startswith("/"):
        found = f"{folder}/{found}"  # a listed name in the folder the path named
    if found is None:
        return None
    value = get_arg(node.args, unknown.path)
    at = _position(value, unknown.piece)
    assert at is not None
    fixed = value[:at] + found + value[at + len(unknown.piece) :]
    why = f"{node.id} failed on the unknown {unknown.piece!r}; {', '.join(looked)} listed {found!r}"
    return set_arg(workflow, node.id, unknown.path, fixed, reason=why)


def _collect(value: Any, found: list[str], *, in_record: bool) -> None:
    if isinstance(value, str):
        found.extend(_text_names(value))
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, str) and "\n" not in item:
                found.append(item.strip())
            else:
                _collect(item, found, in_record=True)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            named = bool(set(name_words(str(key))) & NAME_FIELD_WORDS)
            if not in_record:
                found.append(str(key))
                if isinstance(item, str):
                    found.extend(_text_names(item))
            if in_record and named and isinstance(item, str):
                found.append(item.strip())
            elif isinstance(item, list | Mapping) and (named or not in_record or _holds_records(item)):
                _collect(item, found, in_record=in_record)


def _holds_records(value: Any) -> bool:
    return isinstance(value, Mapping) or any(isinstance(item, Mapping) for item in value)


def _text_names(text: str) -> list[str]:
    """Each line of a text listing without its marker (`[FILE] a.txt`, `- a.txt`), and the names in it."""
    names = []
    for line in text.splitlines():
        entry = re.sub(r"^\s*(?:\[\w+\]|[-*•]|\d+[.)])\s*", "", line).strip()
        names.append(entry)
        names += [p.strip(".:") for p in _PIECE.findall(entry)]
    return names


def _abbreviates(short: str, name: str) -> bool:
    """Whether `short` (3+ letters) is `name`'s letters in order from its first one (`qty`, `quantity`)."""
    short, long = squash(short), squash(name)
    if len(short) < _ABBREVIATION_MIN or len(short) >= len(long) or short[0] != long[0]:
        return False
    rest = iter(long)
    return all(letter in rest for letter in short)
