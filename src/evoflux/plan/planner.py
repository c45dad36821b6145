"""The planner: asks the model for one workflow over the retrieved tools, under a JSON schema.

Owns the planning prompt and schema, and the samples of what executed steps returned that grounded prompts
show; it neither checks, repairs nor runs what the model wrote.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.errors import UserError
from evoflux.execute.outcome import Execution
from evoflux.lexicon import name_words
from evoflux.lexicon.vocabulary import NAME_FIELD_WORDS
from evoflux.llm import ChatModel, ModelReply, Purpose
from evoflux.plan.toolcards import tool_cards
from evoflux.workflow.graph import Workflow
from evoflux.workflow.parse import parse_workflow

# The instructions never change, so with the tool list they form a prefix the model server can cache.
INSTRUCTIONS = """You plan tool workflows. Given a request and a list of tools, write the steps that gather \
what the answer needs, as JSON.

Each step: {"id": "n1", "tool": "server:tool", "args": {...}}.
- Use only the listed tools and argument names. Arguments marked * are required.
- Enum arguments take exactly one of the listed values.
- To pass a value produced by an earlier step, write "$ID.PATH" as the whole argument value, \
e.g. "$n1.items[0].id" (a field of the first item of step n1's list "items"). Use the field names \
shown after "->".
- Never invent ids or codes that a tool can look up: call the lookup tool first and reference its output.
- Use as few steps as the request needs (at most {max_steps}). Steps that do not depend on each other run in parallel.
- "answer": one sentence answering the request, with {ID.PATH} where a step's value goes, e.g. \
"It costs {n2.price} {n2.currency}."

Example, with tools contacts:find_person(name*: string) -> {people: list[{person_id, name}]} and \
mail:count_unread(person_id*: string) -> {person_id, unread}:
request: How many unread mails does Ana Lima have?
{"steps": [{"id": "n1", "tool": "contacts:find_person", "args": {"name": "Ana Lima"}}, \
{"id": "n2", "tool": "mail:count_unread", "args": {"person_id": "$n1.people[0].person_id"}}], \
"answer": "Ana Lima has {n2.unread} unread mails."}"""


def planning_messages(task: str, tools: Sequence[ToolSpec], *, max_steps: int) -> list[dict[str, str]]:
    """The system message (instructions and tool cards, stable for one task) and the request."""
    system = INSTRUCTIONS.replace("{max_steps}", str(max_steps)) + "\n\nTools:\n" + tool_cards(tools)
    return [{"role": "system", "content": system}, {"role": "user", "content": f"request: {task}"}]


def output_samples(execution: Execution | None, chars: int = 150) -> list[str]:
    """What each tool step that succeeded returned, its head in `chars` characters, so an edit or a
    redesign reads the real fields and values (failed steps' errors are among the problems)."""
    if execution is None:
        return []
    lines = []
    for node in execution.workflow.tool_nodes:
        outcome = execution.outcomes.get(node.id)
        if outcome is None or not outcome.ok:
            continue
        if outcome.empty:
            lines.append(f"{node.id} returned nothing")
            continue
        lines.append(f"{node.id} returned: {_sample(outcome.output, chars)}")
    return lines


def _sample(output: Any, chars: int) -> str:
    """The head of `output` as JSON; rows of records are summed up first (how many, their fields and the
    names they hold), so that a listing's every name shows (a table's columns, a folder's files)."""
    head = ""
    if isinstance(output, list) and len(output) > 1 and all(isinstance(row, dict) for row in output):
        fields = list(dict.fromkeys(str(key) for row in output for key in row))
        names = [
            str(row[key])
            for row in output
            for key in row
            if set(name_words(str(key))) & NAME_FIELD_WORDS and isinstance(row[key], str)
        ]
        head = f"{len(output)} rows of {', '.join(fields)}"
        head += f" (names: {', '.join(dict.fromkeys(names))}); first: " if names else "; first: "
        output, chars = output[0], chars + len(head)
    shown = head + json.dumps(output, ensure_ascii=False, default=str)
    return shown[:chars] + ("…" if len(shown) > chars else "")


@dataclass(frozen=True)
class Plan:
    """What one planning call produced: a workflow, or why none could be read from the reply."""

    workflow: Workflow | None
    reply: ModelReply
    error: str | None = None


class Planner:
    """Writes workflows for a task with one model; every call is counted in the client's ledger."""

    def __init__(self, client: ChatModel, *, max_steps: int = 6, max_tokens: int = 700):
        self.client = client
        self.max_steps = max_steps
        self.max_tokens = max_tokens

    def schema(self, tools: Sequence[ToolSpec]) -> dict[str, Any]:
        step = {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "tool": {"type": "string", "enum": [t.key for t in tools]},
                "args": {"type": "object"},
            },
            "required": ["id", "tool", "args"],
            "additionalProperties": False,
        }
        return {
            "title": "workflow",
            "type": "object",
            "properties": {
                "steps": {"type": "array", "items": step, "minItems": 1, "maxItems": self.max_steps},
                "answer": {"type": "string"},
            },
            "required": ["steps", "answer"],
            "additionalProperties": False,
        }

    async def plan(
        self,
        task: str,
        tools: Sequence[ToolSpec],
        *,
        temperature: float = 0.0,
        seed: int | None = None,
        feedback: str | None = None,
        deadline_s: float | None = None,
    ) -> Plan:
        """One workflow for `task`; with `feedback` (earlier attempts and their errors) it is a redesign."""
        if not tools:
            raise UserError("no tools to plan with: the servers offer none, or none could be started")
        messages = planning_messages(task, tools, max_steps=self.max_steps)
        if feedback:
            messages[-1] = {"role": "user", "content": f"{messages[-1]['content']}\n\n{feedback}"}
        reply = await self.client.complete_json(
            messages,
            self.schema(tools),
            purpose=Purpose.REDESIGN if feedback else Purpose.PLAN,
            temperature=temperature,
            max_tokens=self.max_tokens,
            seed=seed,
            deadline_s=deadline_s,
        )
        return read_plan(task, reply, ToolCatalog(_by_server(tools)))


def read_plan(task: str, reply: ModelReply, catalog: ToolCatalog) -> Plan:
    """The best workflow that can be read from a reply; defects are left for the checker to report."""
    if reply.value is None:
        reason = reply.failure.detail if reply.failure else "empty reply"
        return Plan(None, reply, f"the model's reply is not a workflow: {reason}")
    try:
        workflow = parse_workflow(reply.value, catalog=catalog)
    except UserError as exc:
        return Plan(None, reply, str(exc))
    return Plan(Workflow(workflow.nodes, task=task), reply)


def _by_server(tools: Sequence[ToolSpec]) -> dict[str, list[ToolSpec]]:
    grouped: dict[str, list[ToolSpec]] = {}
    for tool in tools:
        grouped.setdefault(tool.server, []).append(tool)
    return grouped
