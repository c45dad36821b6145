"""Model-proposed edits: show the model a failing workflow with its errors, read back a few edits.

The prompt shares the planner's system message (so the prompt cache is reused); the reply is
schema-constrained to the edit language. Applying the edits is the search's job.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from evoflux.catalog.tools import ToolSpec
from evoflux.execute.outcome import Execution
from evoflux.llm import ChatModel, ModelReply, Purpose
from evoflux.plan.planner import output_samples, planning_messages
from evoflux.workflow.graph import Workflow
from evoflux.workflow.refs import ReferenceSyntaxError, lift_refs

EDIT_OPS = ("set_arg", "swap_tool", "add_step", "remove_step")

REQUEST = """This workflow was run for the request above and some steps failed.

workflow:
{workflow}

problems:
{problems}
{samples}
Fix it with at most {max_edits} edits. Each edit is one of:
{{"op": "set_arg", "node": "n2", "arg": "name", "value": ...}}  (a literal, or "$n1.path" to use an earlier step's output)
{{"op": "swap_tool", "node": "n2", "tool": "server:tool"}}
{{"op": "add_step", "tool": "server:tool", "args": {{...}}}}  (gets the next free id; refer to it in later edits)
{{"op": "remove_step", "node": "n3"}}
Use only the listed tools and their argument names."""


@dataclass(frozen=True)
class ProposedEdit:
    """One edit as the model wrote it, with references already parsed."""

    op: str
    node: str | None = None
    arg: str | None = None
    value: Any = None
    tool: str | None = None
    args: dict[str, Any] = field(default_factory=dict)


def edit_schema(tools: Sequence[ToolSpec], max_edits: int) -> dict[str, Any]:
    item = {
        "type": "object",
        "properties": {
            "op": {"type": "string", "enum": list(EDIT_OPS)},
            "node": {"type": "string"},
            "arg": {"type": "string"},
            "value": {},
            "tool": {"type": "string", "enum": [t.key for t in tools]},
            "args": {"type": "object"},
        },
        "required": ["op"],
        "additionalProperties": False,
    }
    return {
        "title": "edits",
        "type": "object",
        "properties": {"edits": {"type": "array", "items": item, "minItems": 1, "maxItems": max_edits}},
        "required": ["edits"],
        "additionalProperties": False,
    }


def edit_messages(
    task: str,
    tools: Sequence[ToolSpec],
    workflow: Workflow,
    problems: Sequence[str],
    *,
    max_steps: int,
    max_edits: int,
    execution: Execution | None = None,
) -> list[dict[str, str]]:
    """The planner's messages for `task`, then the failing workflow, what went wrong and, from its run,
    what the steps that succeeded returned."""
    messages = planning_messages(task, tools, max_steps=max_steps)
    returned = "".join(f"- {sample}\n" for sample in output_samples(execution))
    request = REQUEST.format(
        workflow=json.dumps(workflow.to_json()["nodes"], ensure_ascii=False),
        problems="\n".join(f"- {p}" for p in problems) or "- the answer is not built from the results",
        samples=f"\nwhat the steps returned:\n{returned}" if returned else "",
        max_edits=max_edits,
    )
    messages[-1] = {"role": "user", "content": messages[-1]["content"] + "\n\n" + request}
    return messages


def read_edits(reply: ModelReply, workflow: Workflow) -> list[ProposedEdit]:
    """The edits a reply holds; malformed items are skipped, never raised."""
    value = reply.value
    items = value.get("edits") if isinstance(value, dict) else None
    if not isinstance(items, list):
        return []
    known = frozenset(workflow.ids) | {f"n{i}" for i in range(1, len(workflow.nodes) + 8)}
    edits = []
    for item in items:
        if not isinstance(item, dict) or item.get("op") not in EDIT_OPS:
            continue
        try:
            value_ = lift_refs(item.get("value"), known)
            args = lift_refs(item.get("args") or {}, known)
        except ReferenceSyntaxError:
            continue
        edits.append(
            ProposedEdit(
                op=item["op"],
                node=item.get("node") if isinstance(item.get("node"), str) else None,
                arg=item.get("arg") if isinstance(item.get("arg"), str) else None,
                value=value_,
                tool=item.get("tool") if isinstance(item.get("tool"), str) else None,
                args=args if isinstance(args, dict) else {},
            )
        )
    return edits


class EditProposer:
    """Asks the model for edits to one failing workflow; every call is counted in the client's ledger."""

    def __init__(self, client: ChatModel, *, max_edits: int = 3, max_steps: int = 6, max_tokens: int = 400):
        self.client = client
        self.max_edits = max_edits
        self.max_steps = max_steps
        self.max_tokens = max_tokens

    async def propose(
        self,
        task: str,
        tools: Sequence[ToolSpec],
        workflow: Workflow,
        problems: Sequence[str],
        *,
        execution: Execution | None = None,
        temperature: float = 0.3,
        seed: int | None = None,
        deadline_s: float | None = None,
    ) -> tuple[list[ProposedEdit], ModelReply]:
        """Edits for `workflow`, told its `problems` and, from its `execution`, what its steps returned."""
        messages = edit_messages(
            task,
            tools,
            workflow,
            problems,
            max_steps=self.max_steps,
            max_edits=self.max_edits,
            execution=execution,
        )
        reply = await self.client.complete_json(
            messages,
            edit_schema(tools, self.max_edits),
            purpose=Purpose.EDIT,
            temperature=temperature,
            max_tokens=self.max_tokens,
            seed=seed,
            deadline_s=deadline_s,
        )
        return read_edits(reply, workflow), reply
