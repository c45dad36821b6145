"""Values an error offers: a step that failed with an error listing what the server accepts ("Sheet 'Sales'
not found. Available sheets: 'About', 'Targets'", "Invalid unit. Valid options: points, percent") takes the
one listed value that fits in place of the value the error rejected.

The rejected value is the piece of the arguments the error names as unknown (`discovery.unknown_name`), else
the value of the one argument the error names by its name. The value that fits is the only one listed, else
the one listed value whose words the request uses (not counting the words that say what the rejected value
is: the sheet for "the West region's target" is not "By region"), else the one close to the rejected value;
where the list is URI schemes, a bare path becomes a `file:` URI. Owns reading such lists out of error
texts, in general wording, never one server's messages; discovering names by calling a listing tool is
`discovery`'s.
"""

from __future__ import annotations

import re

from evoflux.catalog.tools import ToolCatalog
from evoflux.lexicon import name_words
from evoflux.lexicon.wording import OFFERING_WORDING, alternatives
from evoflux.repair.context import Fix, RepairContext
from evoflux.repair.discovery import (
    ArgPath,
    closest_listed,
    failure_text,
    meaning_words,
    string_args,
    unknown_name,
)
from evoflux.workflow.edits import set_arg
from evoflux.workflow.graph import ToolNode, Workflow
from evoflux.workflow.paths import get_arg

# "Available sheets: 'A', 'B'", "Valid options are a, b", "must be one of [a, b]": the list runs to the end
# of its line or sentence.
_OFFER = re.compile(
    rf"(?:\b(?:{alternatives(OFFERING_WORDING)})\b[^:\n]{{0,40}}?(?:\b(?:are|is|include)\b\s*:?|:)|\bone of\b:?)\s*"
    r"(?P<list>[^\n]+?)\s*(?:\.\s|\.$|$|\n)",
    re.IGNORECASE,
)
_ITEM_SPLIT = re.compile(r"\s*(?:,|;|\bor\b|\|)\s*")
_STRIP = " '\"`[](){}"
_MAX_OPTIONS = 30
_MAX_OPTION_WORDS = 5


def take_offered_value(
    workflow: Workflow, node_id: str, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """A step that ran, unchanged since, and failed with an error listing accepted values: the value it
    rejected becomes the one listed value that fits (see the module's docstring)."""
    node = workflow.node(node_id)
    if not isinstance(node, ToolNode) or not context.unchanged(workflow, node_id):
        return None
    error = failure_text(context, node_id)
    options = offered_values(error or "")
    if not options:
        return None
    assert error is not None
    rejected = _rejected(node, error, options)
    if rejected is None:
        return None
    path, value = rejected
    chosen = _fitting(value, options, context.task)
    if chosen is None or chosen == value:
        return None
    why = f"{node.id} failed: the server rejected {value!r} and listed {', '.join(map(repr, options))}"
    return set_arg(workflow, node.id, path, chosen, reason=why)


def offered_values(error: str) -> list[str]:
    """The values an error text lists as accepted, in order; none when it lists none or too many."""
    match = _OFFER.search(error)
    if match is None:
        return []
    items = [item.strip(_STRIP) for item in _ITEM_SPLIT.split(match.group("list"))]
    items = [item for item in dict.fromkeys(items) if item and len(item.split()) <= _MAX_OPTION_WORDS]
    return items if 0 < len(items) <= _MAX_OPTIONS else []


def _rejected(node: ToolNode, error: str, options: list[str]) -> tuple[ArgPath, str] | None:
    """Where the rejected value is and what it is: the piece the error names as unknown (the whole argument
    value), else the one string argument, not already an option, whose name the error uses."""
    unknown = unknown_name(node, error)
    if unknown is not None:
        value = get_arg(node.args, unknown.path)
        return (unknown.path, value) if value == unknown.piece else None
    named = [
        (path, value)
        for path, value in string_args(node.args)
        if path
        and isinstance(path[-1], str)
        and value not in options
        and re.search(rf"\b{' '.join(name_words(path[-1]))}\b", error, re.IGNORECASE)
    ]
    return named[0] if len(named) == 1 else None


def _fitting(value: str, options: list[str], task: str) -> str | None:
    """For URI schemes, a path's `file:` URI; else the only option, else the one option whose words the
    request uses, else the one close to `value`."""
    if all(o.endswith(":") for o in options):  # URI schemes: a bare path is a file
        return f"file:{value}" if "file:" in options and value.startswith("/") else None
    if len(options) == 1:
        return options[0]
    request = meaning_words(task)
    used = [o for o in options if meaning_words(o) & request]
    if len(used) > 1:  # an option sharing only the words that say what the rejected value is does not count
        kind = _kind_words(value, task)
        used = [o for o in used if (meaning_words(o) & request) - kind]
    if len(used) == 1:
        return used[0]
    return closest_listed(value, options)


def _kind_words(value: str, task: str) -> set[str]:
    """The words between `value` and a possessive after it where the request names it, which say what it is
    ("the West region's target" -> region)."""
    found: set[str] = set()
    for match in re.finditer(rf"\b{re.escape(value)}\s+((?:\w+\s+)?\w+)['’]s\b", task, re.IGNORECASE):
        found |= meaning_words(match.group(1))
    return found
