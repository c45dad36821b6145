"""The answer synthesizer: writes the final answer from executed evidence only, citing nodes.

Sees outputs of steps that ran; never calls tools, never sees reference solutions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from evoflux.execute.outcome import Execution
from evoflux.execute.results import cap_value
from evoflux.llm import ChatModel, LLMError, ModelReply, Purpose
from evoflux.workflow.graph import ToolNode

INSTRUCTIONS = """You answer a request using only the evidence: results of tool calls that were run for it. \
After each fact or number, cite the step it came from in brackets, e.g. "12.5 km [n3]". Copy numbers \
exactly as they appear. If the evidence does not answer the request, say what is missing. Be brief."""

_SCHEMA = {
    "title": "answer",
    "type": "object",
    "properties": {"answer": {"type": "string"}},
    "required": ["answer"],
    "additionalProperties": False,
}
_CITATION = re.compile(r"\[(\w+)\]")
_WORDLIKE = re.compile(r"\w")  # an "answer" of bare punctuation (", ") says nothing


@dataclass(frozen=True)
class Answer:
    text: str
    cited: tuple[str, ...]
    reply: ModelReply | None


def evidence(execution: Execution, max_chars_per_step: int = 900) -> str:
    """One block per tool step: what was called, and its output or error."""
    lines = []
    for node in execution.workflow.tool_nodes:
        outcome = execution.outcomes.get(node.id)
        if outcome is None:
            continue
        call = (
            f"[{node.id}] {node.tool_key}({json.dumps(outcome.args or {}, ensure_ascii=False, default=str)})"
        )
        if outcome.ok:
            value = cap_value(outcome.output, max_chars_per_step)[0]
            shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
            lines.append(f"{call} -> {shown}")
        else:
            lines.append(f"{call} -> FAILED ({outcome.status.value}): {(outcome.error or '')[:200]}")
    answer_node = execution.workflow.answer
    if execution.ok and answer_node is not None and answer_node.text.refs:
        # The planner's answer template, filled from executed outputs, is evidence only when everything ran.
        lines.append(f"[draft] {execution.answer}")
    return "\n".join(lines)


async def synthesize(
    client: ChatModel,
    task: str,
    execution: Execution,
    *,
    max_tokens: int = 300,
    deadline_s: float | None = None,
    vet: Callable[[str], Sequence[str]] | None = None,
) -> Answer:
    """The answer to `task` from what `execution` produced; an empty run gets an honest answer without a call.

    A call cut off at `deadline_s` falls back to the planner's answer template, filled from what ran, and so
    does a written answer that `vet` faults (it states what the evidence lacks) when the template passes it.
    """
    if not any(
        isinstance(n, ToolNode) and execution.outcomes[n.id].ok for n in execution.workflow.tool_nodes
    ):
        return Answer(
            "Could not complete: no tool step succeeded, so there is no evidence to answer from.", (), None
        )
    messages = [
        {"role": "system", "content": INSTRUCTIONS},
        {"role": "user", "content": f"request: {task}\n\nevidence:\n{evidence(execution)}"},
    ]
    tool_ids = {n.id for n in execution.workflow.tool_nodes}
    failed = [o.node for o in execution.failures() if o.node in tool_ids]
    if failed:
        messages[1]["content"] += (
            f"\n\nSteps {', '.join(failed)} FAILED: their results are unknown. Do not guess them; "
            "answer only what the other steps show, and say what could not be found."
        )
    reply: ModelReply | None = None
    try:
        reply = await client.complete_json(
            messages, _SCHEMA, purpose=Purpose.SYNTHESIZE, max_tokens=max_tokens, deadline_s=deadline_s
        )
    except LLMError as exc:  # cut off at the deadline: the answer is still owed
        if exc.setup:
            raise
        why = exc.message
    else:
        why = reply.failure.detail if reply.failure else "an answer without words"
    value = reply.value if reply is not None else None
    written = value.get("answer") if isinstance(value, dict) else None
    template = execution.answer
    if isinstance(written, str) and _WORDLIKE.search(written):
        text = written.strip()
        if vet is not None and template and vet(text) and not vet(template):
            text = template
    elif template:
        text = template  # the planner's template, filled from what ran
    else:
        text = f"Could not write an answer from the evidence ({why})."
    if failed:
        text = f"(incomplete: step {', '.join(failed)} failed) {text}"
    known = set(execution.workflow.ids)
    cited = tuple(dict.fromkeys(c for c in _CITATION.findall(text) if c in known))
    return Answer(text, cited, reply)
