"""Lenient parsing of model-written workflow JSON into a `Workflow`, and dumping a workflow back to JSON.

Owns field spellings, tool names and ids; reference syntax is in `refs`, whether it makes sense in `check`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import json_repair

from evoflux.catalog.tools import ToolCatalog
from evoflux.errors import UserError
from evoflux.lexicon import squash
from evoflux.workflow.graph import AnswerNode, Node, Template, ToolNode, Workflow
from evoflux.workflow.refs import ReferenceSyntaxError, lift_refs, parse_template

_LIST_KEYS = ("nodes", "steps")
_TOOL_KEYS = ("tool", "tool_name")
_ARG_KEYS = ("args", "params", "arguments", "parameters", "input")
_AFTER_KEYS = ("after", "depends_on", "dependencies")
_ANSWER_KEYS = ("answer", "final_answer")
_ANSWER_TEXT_KEYS = ("answer", "final_answer", "text", "content")
_ANSWER_TYPES = frozenset({"answer", "final", "final_answer"})
_TOOL_SEPARATORS = ("__", "/", ".")
_FENCE = re.compile(r"```[A-Za-z]*[ \t]*\n(.*?)(?:```|\Z)", re.DOTALL)
_MAX_JSON_STARTS = 20
_ID_LIKE = re.compile(r"[A-Za-z_][\w-]*")
MAX_NODES = 1_000
"""The most nodes a workflow may have; a bigger one is refused before any node is read."""


class WorkflowParseError(UserError):
    """Model output that cannot be read as a workflow; the message says where and what was expected."""


def parse_workflow(
    data: str | Mapping[str, Any] | list[Any], *, catalog: ToolCatalog | None = None, unique_ids: bool = False
) -> Workflow:
    """Read a workflow from JSON text (fenced or with surrounding prose), a dict, or a bare list of nodes.

    Field spellings accepted per node: id (`id`, `step`, or `name` when `tool` is also given), tool
    (`"server:tool"`, `server` + `tool`, `tool_name`, or `name`), arguments (`args`, `params`,
    `arguments`, `parameters`, `input`; a JSON string there is parsed), waits (`after`, `depends_on`,
    `dependencies`). The answer node has `answer`/`final_answer`, or `"type": "answer"` with `text`;
    a top-level `answer` becomes one. Numeric ids `k` become `nk`; missing ids become `n1`, `n2`, ...
    With a catalog, a tool named without its server gets the one server that has it. Ids several nodes
    share are kept for the checker to report, or refused with `unique_ids` (for a workflow about to run).
    A workflow of more than `MAX_NODES` nodes is refused.
    """
    document = _load_text(data) if isinstance(data, str) else data
    raw_nodes, task, top_answer = _unpack(document)
    if len(raw_nodes) > MAX_NODES:
        raise WorkflowParseError(
            f"the workflow has {len(raw_nodes):,} nodes; at most {MAX_NODES:,} are allowed: split it into "
            "smaller workflows"
        )
    items = [_as_item(i, raw) for i, raw in enumerate(raw_nodes)]
    if top_answer is not None:
        items.append({"answer": top_answer})
    ids = _assign_ids(items)
    known = frozenset(ids)
    nodes = tuple(
        _build_node(_where(i, node_id), item, node_id, known, catalog)
        for i, (item, node_id) in enumerate(zip(items, ids, strict=True))
    )
    _require_single_answer(nodes)
    workflow = Workflow(nodes, task)
    shared = workflow.shared_ids_note() if unique_ids else None
    if shared is not None:
        raise WorkflowParseError(f"{shared}; give each node its own id (`evoflux check` suggests one)")
    return workflow


def dump_workflow(workflow: Workflow) -> str:
    """The canonical JSON text of a workflow; `parse_workflow` reads it back to an equal workflow."""
    return json.dumps(workflow.to_json(), indent=2, ensure_ascii=False)


# ---------------------------------------------------------------- text and document shape


def _load_text(text: str) -> Any:
    """The JSON value in model output: a ```json fence, prose around an object, or almost-JSON."""
    fenced = _FENCE.search(text)
    body = (fenced.group(1) if fenced else text).strip()
    if not body:
        raise WorkflowParseError("the workflow is empty: expected a JSON object with a 'nodes' list")
    starts = [m.start() for m in re.finditer(r"[{\[]", body)][:_MAX_JSON_STARTS]
    if not starts:
        raise WorkflowParseError(
            f"the workflow is not JSON: expected an object or a list, got text starting {_preview(body)}"
        )
    found = _first_workflow_like(body, starts)
    if found is not None:
        return found
    repaired = json_repair.loads(body[starts[0] :])
    if not isinstance(repaired, dict | list):
        raise WorkflowParseError(
            f"the workflow is not JSON: cannot read an object or list from {_preview(body)}"
        )
    return repaired


def _first_workflow_like(text: str, starts: list[int]) -> Any:
    """The first complete JSON value in `text` that is an object or a list of objects (text around it
    is ignored; values nested in an earlier one are not candidates), or None."""
    end = 0
    for start in starts:
        if start < end:
            continue
        try:
            value, end = json.JSONDecoder().raw_decode(text, start)
        except json.JSONDecodeError:
            continue  # no complete value starts here; try the next bracket
        if isinstance(value, dict) or (isinstance(value, list) and value and isinstance(value[0], dict)):
            return value
    return None


def _unpack(document: Any) -> tuple[list[Any], str, Any]:
    """(raw node list, task, top-level answer or None) from any accepted top-level shape."""
    if isinstance(document, list):
        return document, "", None
    if not isinstance(document, Mapping):
        raise WorkflowParseError(f"expected a JSON object with a 'nodes' list, got {_kind(document)}")
    task = document.get("task") or ""
    if not isinstance(task, str):
        raise WorkflowParseError(f"'task' must be a string, got {_kind(task)}")
    answer = next((document[k] for k in _ANSWER_KEYS if k in document), None)
    if "workflow" in document:
        nodes, inner_task, inner_answer = _unpack(document["workflow"])
        return nodes, inner_task or task, inner_answer if inner_answer is not None else answer
    for key in _LIST_KEYS:
        if key in document:
            if not isinstance(document[key], list):
                raise WorkflowParseError(
                    f"'{key}' must be a list of node objects, got {_kind(document[key])}"
                )
            return document[key], task, answer
    keys = ", ".join(map(str, document)) or "none"
    raise WorkflowParseError(
        f"expected a 'nodes' list (or 'steps', or a 'workflow' object, or a bare list); the object has keys: {keys}"
    )


def _as_item(index: int, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise WorkflowParseError(
            f'node #{index + 1}: expected an object like {{"id": "n1", "tool": "server:tool", "args": {{}}}}, '
            f"got {_kind(raw)} {_preview(raw)}"
        )
    return dict(raw)


# ---------------------------------------------------------------- ids


def _assign_ids(items: list[dict[str, Any]]) -> list[str]:
    """Declared ids as given (duplicates are kept for the checker); missing ones get free `nK`/`answer`."""
    declared = [_declared_id(i, item) for i, item in enumerate(items)]
    taken = {d for d in declared if d}
    ids: list[str] = []
    for index, (item, given) in enumerate(zip(items, declared, strict=True)):
        node_id = given or _free_id("answer" if _is_answer(item) else f"n{index + 1}", taken)
        taken.add(node_id)
        ids.append(node_id)
    return ids


def _declared_id(index: int, item: Mapping[str, Any]) -> str | None:
    """`id` as given; else `step` or (beside a tool field) `name` when shaped like an id, not a sentence."""
    value = item.get("id")
    if value is None or value == "":
        name_is_id = any(k in item for k in _TOOL_KEYS) or _is_answer(item)
        keys = ("step", "name") if name_is_id else ("step",)
        value = next((item[k] for k in keys if _id_like(item.get(k))), None)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return f"n{value}"
    if not isinstance(value, str):
        raise WorkflowParseError(f"node #{index + 1}: 'id' must be a string like \"n1\", got {_kind(value)}")
    return value.strip()


def _id_like(value: Any) -> bool:
    if isinstance(value, int) and not isinstance(value, bool):
        return True
    return isinstance(value, str) and _ID_LIKE.fullmatch(value.strip()) is not None


def _free_id(wanted: str, taken: set[str]) -> str:
    base = wanted.rstrip("0123456789") or "n"
    number = int(wanted[len(base) :] or 1)
    candidate = wanted
    while candidate in taken:
        number += 1
        candidate = f"{base}{number}"
    return candidate


# ---------------------------------------------------------------- nodes


def _build_node(
    where: str, item: Mapping[str, Any], node_id: str, known: frozenset[str], catalog: ToolCatalog | None
) -> Node:
    after = _after(where, item)
    if _is_answer(item):
        return AnswerNode(node_id, _answer_text(where, item, known), after)
    server, tool = _tool(where, item, catalog)
    return ToolNode(node_id, server, tool, _args(where, item, known), after)


def _is_answer(item: Mapping[str, Any]) -> bool:
    if any(k in item for k in _TOOL_KEYS):
        return False
    kind = item.get("type")
    return (
        (isinstance(kind, str) and kind.lower() in _ANSWER_TYPES)
        or any(k in item for k in _ANSWER_KEYS)
        or (item.get("id") == "answer" and "name" not in item)
    )


def _answer_text(where: str, item: Mapping[str, Any], known: frozenset[str]) -> Template:
    key = next((k for k in _ANSWER_TEXT_KEYS if k in item), None)
    if key is None:
        raise WorkflowParseError(
            f'{where}: the answer node has no text; give it as "answer": "... {{n1.field}} ..."'
        )
    text = item[key]
    if isinstance(text, int | float) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str):
        raise WorkflowParseError(f"{where}: '{key}' must be the answer text (a string), got {_kind(text)}")
    try:
        return parse_template(text, known)
    except ValueError as exc:
        raise WorkflowParseError(f"{where}: '{key}': {exc}") from None


def _tool(where: str, item: Mapping[str, Any], catalog: ToolCatalog | None) -> tuple[str, str]:
    key = next((k for k in (*_TOOL_KEYS, "name") if k in item), None)
    if key is None:
        raise WorkflowParseError(
            f'{where}: no tool given; expected "tool": "server:tool" (or separate "server" and "tool" '
            'fields), or "answer": "..." for the final answer node'
        )
    text, server = item[key], item.get("server")
    if not isinstance(text, str) or not text.strip():
        raise WorkflowParseError(
            f"{where}: '{key}' must be a tool name like \"server:tool\", got {_kind(text)}"
        )
    if server is not None and not isinstance(server, str):
        raise WorkflowParseError(f"{where}: 'server' must be a server name (a string), got {_kind(server)}")
    return _split_tool(text.strip(), (server or "").strip(), catalog)


def _split_tool(text: str, server: str, catalog: ToolCatalog | None) -> tuple[str, str]:
    """(server, tool) from a tool as written: `server:tool`, `server.tool`/`server/tool`/`server__tool`
    (only when the prefix names a catalog server), or a bare name the catalog finds on exactly one server."""
    if server:
        canonical = _match_server(server, catalog) or server
        prefix, sep, rest = text.partition(":")
        if sep and (_match_server(prefix.strip(), catalog) or prefix.strip()) == canonical:
            text = rest.strip()
        return canonical, text
    if ":" in text:
        prefix, _, rest = text.partition(":")
        return _match_server(prefix.strip(), catalog) or prefix.strip(), rest.strip()
    if catalog is None:
        return "", text
    for sep in _TOOL_SEPARATORS:
        prefix, found, rest = text.partition(sep)
        matched = _match_server(prefix, catalog) if found else None
        if matched:
            return matched, rest
    owners = catalog.find_by_name(text)
    return (owners[0].server, text) if len(owners) == 1 else ("", text)


def _match_server(name: str, catalog: ToolCatalog | None) -> str | None:
    """The catalog server `name` denotes, ignoring case, spaces, `_` and `-`; None when none or several."""
    if catalog is None:
        return None
    if name in catalog.servers:
        return name
    wanted = squash(name)
    matches = [s for s in catalog.servers if squash(s) == wanted]
    return matches[0] if len(matches) == 1 else None


def _args(where: str, item: Mapping[str, Any], known: frozenset[str]) -> dict[str, Any]:
    key = next((k for k in _ARG_KEYS if k in item), None)
    raw = item[key] if key else None
    if isinstance(raw, str):
        raw = _args_from_text(where, key, raw)
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise WorkflowParseError(
            f"{where}: '{key}' must be an object mapping argument names to values, got {_kind(raw)}"
        )
    try:
        return {str(name): lift_refs(value, known, (str(name),)) for name, value in raw.items()}
    except ReferenceSyntaxError as exc:
        raise WorkflowParseError(f"{where}, argument {exc}") from None


def _args_from_text(where: str, key: str | None, text: str) -> Any:
    if not text.strip():
        return None
    value = _first_workflow_like(text, [0]) if text.lstrip().startswith("{") else None
    if value is None:
        value = json_repair.loads(text)
    if not isinstance(value, Mapping):
        raise WorkflowParseError(f"{where}: '{key}' is a string that is not a JSON object: {_preview(text)}")
    return value


def _after(where: str, item: Mapping[str, Any]) -> tuple[str, ...]:
    key = next((k for k in _AFTER_KEYS if k in item), None)
    raw = item[key] if key else None
    if raw is None:
        return ()
    values = [raw] if isinstance(raw, str | int) else raw
    if not isinstance(values, list):
        raise WorkflowParseError(f"{where}: '{key}' must be a list of node ids, got {_kind(raw)}")
    ids: list[str] = []
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool):
            ids.append(f"n{value}")
        elif isinstance(value, str):
            ids.append(value.strip().removeprefix("$"))
        else:
            raise WorkflowParseError(f"{where}: '{key}' must list node ids as strings, got {_kind(value)}")
    return tuple(dict.fromkeys(i for i in ids if i))


def _require_single_answer(nodes: tuple[Node, ...]) -> None:
    answers = [n.id for n in nodes if isinstance(n, AnswerNode)]
    if len(answers) > 1:
        raise WorkflowParseError(
            f"the workflow has {len(answers)} answer nodes ({', '.join(answers)}); keep one final answer node"
        )


# ---------------------------------------------------------------- messages


def _where(index: int, node_id: str) -> str:
    return f"node #{index + 1} ({node_id!r})"


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _preview(value: Any, limit: int = 60) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[:limit] + "…")
