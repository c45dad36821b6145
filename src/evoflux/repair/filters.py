"""Repairs of a call that ran and found nothing: filters the request never asked for are dropped, else the
words of its text filter are made singular; a SQL query compares its text literals ignoring case.

`search_papers(query=..., year_from=2010, year_to=2020)` returning no papers, where the request names no
year: both year filters go. `search_products(query="Coffee Grinders")` returning nothing: "Coffee Grinder".
`SELECT AVG(price) FROM products WHERE category = 'Lighting'` returning only null, where the rows say
`lighting`: `lower(category) = 'lighting'`. Owns judging a result empty and a filter unasked; which tool to
call is `lookups`' and `producers`'.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.execute.failure_text import is_empty
from evoflux.lexicon import name_words, singular
from evoflux.lexicon.vocabulary import FILTER_WORDS
from evoflux.repair.context import Fix, RepairContext
from evoflux.request.checks import leaves
from evoflux.request.options import argument_schema
from evoflux.request.text import task_literals
from evoflux.workflow.edits import remove_arg, set_arg
from evoflux.workflow.graph import Ref, ToolNode, Workflow
from evoflux.workflow.schema_read import schema_types


def widen_empty_search(
    workflow: Workflow, node_id: str, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """A step that ran, unchanged since, and returned only empty lists: drop its optional filters that are
    off by default and hold a value the request does not state (`year_from=2010`); with none, make the
    plural words of its text filter singular ("Grinders" -> "Grinder"), unless the request quotes it."""
    node = workflow.node(node_id)
    output = context.outputs(workflow).get(node_id)
    if not isinstance(node, ToolNode) or workflow.ids.count(node_id) > 1 or not _empty(output):
        return None
    spec = catalog.get(node.server, node.tool)
    if spec is None:
        return None
    unasked = [name for name in node.args if _unasked_filter(spec, name, node.args[name], context.task)]
    if unasked:
        edits = []
        for name in unasked:
            why = f"{node_id} found nothing; {name}={node.args[name]!r} is a filter the request does not ask for"
            workflow, edit = remove_arg(workflow, node_id, name, reason=why)
            edits.append(edit)
        return workflow, tuple(edits)
    quoted = {lit.value.casefold() for lit in task_literals(context.task) if lit.kind == "quoted"}
    for name, value in node.args.items():
        if (
            not isinstance(value, str)
            or not set(name_words(name)) & FILTER_WORDS
            or value.casefold() in quoted
        ):
            continue  # a title the request quotes is spelled as meant
        fewer = " ".join(singular(word) for word in value.split())
        if fewer != value:
            why = f"{node_id} found nothing for {name}={value!r}; the singular {fewer!r} may match"
            return set_arg(workflow, node_id, name, fewer, reason=why)
    return None


_SQL_QUERY = re.compile(r"^\s*(?:WITH|SELECT)\b", re.IGNORECASE)
# `column = 'Text'` (or `t.column`): a text literal with a letter in it, compared exactly.
_TEXT_EQUALS = re.compile(r"(?<![\w.])((?:\w+\.)?\w+)\s*=\s*'((?:[^']|'')*[A-Za-z](?:[^']|'')*)'")


def ignore_case_in_empty_query(
    workflow: Workflow, node_id: str, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """A step that ran, unchanged since, with a SQL query that found nothing (no rows, only nulls, a zero
    count) while comparing a column with a text literal: each such comparison ignores case, so 'Gold' finds the
    rows that say 'gold'."""
    node = workflow.node(node_id)
    outputs = context.outputs(workflow)
    if (
        not isinstance(node, ToolNode)
        or node_id not in outputs
        or not context.unchanged(workflow, node_id)
        or not _found_nothing(outputs[node_id])
    ):
        return None
    for name, value in node.args.items():
        if not isinstance(value, str) or not _SQL_QUERY.match(value):
            continue
        lowered = _TEXT_EQUALS.sub(lambda m: f"lower({m.group(1)}) = '{m.group(2).lower()}'", value)
        if lowered != value:
            why = f"{node_id}'s query found nothing; its text comparisons now ignore case"
            return set_arg(workflow, node_id, name, lowered, reason=why)
    return None


def _found_nothing(output: Any) -> bool:
    """No rows, rows of nulls only (an average over no rows), or one count of zero."""
    if is_empty(output) or _empty(output):
        return True
    values = list(leaves(output))
    return all(v is None for v in values) or values == [0]


def _empty(output: Any) -> bool:
    """Whether a result holds lists and all of them are empty (`{"total_matches": 0, "papers": []}`)."""
    if isinstance(output, list):
        return not output
    if not isinstance(output, Mapping):
        return False
    lists = [value for value in output.values() if isinstance(value, list)]
    return bool(lists) and not any(lists)


def _unasked_filter(spec: ToolSpec, name: str, value: Any, task: str) -> bool:
    """An optional argument off by default (no default, or null) that is not the text filter, given a
    literal the task does not state."""
    schema = argument_schema(spec, name)
    if (
        schema is None
        or name in spec.required
        or schema.get("default") is not None
        or isinstance(value, Ref | bool)
        or set(name_words(name)) & FILTER_WORDS
        or not (schema_types(schema) & {"string", "number", "integer"})
    ):
        return False
    return not _stated(value, task)


def _stated(value: Any, task: str) -> bool:
    if isinstance(value, int | float):
        return any(lit.kind == "number" and lit.value == value for lit in task_literals(task))
    return isinstance(value, str) and value.strip().casefold() in task.casefold()
