"""The ReAct baseline: one schema-constrained tool call per model turn, each result fed back, until `finish`.

The calls it ran become a linear workflow (one node each, then the model's answer) so results compare with plans.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from evoflux.catalog.tools import ToolSpec
from evoflux.execute.outcome import Execution, NodeOutcome, NodeStatus
from evoflux.llm import Purpose
from evoflux.plan.toolcards import tool_cards
from evoflux.strategy import RunContext, StopReason, StrategyLoop, StrategyResult
from evoflux.workflow.check import check_workflow
from evoflux.workflow.graph import AnswerNode, Node, Template, ToolNode, Workflow

FINISH = "finish"
OBSERVATION_CHARS = 600
THOUGHT_CHARS = 200
_TURN_TOKENS = 1_500  # a turn's prompt grows with every observation
_MAX_TOKENS = 300

# Instructions and tool cards form the system message, unchanged across turns, so the prompt cache holds.
INSTRUCTIONS = """You answer a request by calling tools, one call per turn, as JSON: \
{"thought": "why this call, briefly", "action": {"tool": "server:tool", "args": {...}}}.
After each call you get its result as "observation: ...". Copy values you need from observations into later calls.
- Use only the listed tools and argument names. Arguments marked * are required.
- Enum arguments take exactly one of the listed values.
- Never invent ids or codes that a tool can look up: call the lookup tool first.
When the observations answer the request, reply \
{"thought": "...", "action": {"tool": "finish", "args": {}}, "answer": "the answer in one or two sentences"}."""


def react_messages(task: str, tools: Sequence[ToolSpec]) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": INSTRUCTIONS + "\n\nTools:\n" + tool_cards(tools)},
        {"role": "user", "content": f"request: {task}"},
    ]


def react_schema(tools: Sequence[ToolSpec], *, final: bool) -> dict[str, Any]:
    """One turn's reply; on the `final` turn (no budget for another) the only action is `finish`."""
    names = [FINISH] if final else [t.key for t in tools] + [FINISH]
    return {
        "title": "react_step",
        "type": "object",
        "properties": {
            "thought": {"type": "string", "maxLength": THOUGHT_CHARS},
            "action": {
                "type": "object",
                "properties": {"tool": {"type": "string", "enum": names}, "args": {"type": "object"}},
                "required": ["tool", "args"],
                "additionalProperties": False,
            },
            "answer": {"type": "string"},
        },
        "required": ["thought", "action", "answer"] if final else ["thought", "action"],
        "additionalProperties": False,
    }


def observation(outcome: NodeOutcome) -> str:
    """A tool result as the model sees it, cut to `OBSERVATION_CHARS`."""
    if outcome.ok:
        value = outcome.output
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    else:
        text = f"FAILED ({outcome.status.value}): {outcome.error or ''}"
    return text if len(text) <= OBSERVATION_CHARS else text[: OBSERVATION_CHARS - 1] + "…"


class React(StrategyLoop):
    """Each step is one model turn (seeded with the context's seed, else 0): a tool call run and observed, or
    the answer."""

    def __init__(self, context: RunContext):
        super().__init__(context)
        self.seed = context.seed or 0
        self.messages = react_messages(self.task, self.tools)
        self.nodes: list[Node] = []
        self.outcomes: dict[str, NodeOutcome] = {}
        self.wall = 0.0
        self.finished_with: str | None = None  # the model's answer, once it finishes

    async def step(self) -> str | None:
        meter, budget = self.meter, self.meter.budget
        if not meter.can_call_model(_TURN_TOKENS):
            return StopReason.BUDGET
        final = (
            meter.model_calls + 1 >= budget.model_calls
            or not meter.can_execute(1)
            or not meter.can_call_model(2 * _TURN_TOKENS)
        )
        reply = await self.ask(
            lambda deadline_s: self.client.complete_json(
                self.messages,
                react_schema(self.tools, final=final),
                purpose=Purpose.REACT,
                max_tokens=_MAX_TOKENS,
                seed=self.seed,
                deadline_s=deadline_s,
            )
        )
        if reply is None:
            return StopReason.MODEL_ERROR
        self.messages.append({"role": "assistant", "content": reply.text})
        if not isinstance(reply.value, dict):
            why = reply.failure.detail if reply.failure else "empty reply"
            self.messages.append(
                {"role": "user", "content": f"observation: your reply was not valid JSON ({why})"}
            )
            return None
        action = reply.value["action"]
        if action["tool"] == FINISH:
            answer = str(reply.value.get("answer") or "").strip()
            self.finished_with = answer or "(the model finished without an answer)"
            return StopReason.FINISHED
        server, tool = action["tool"].split(":", 1)
        nodes = self.nodes
        node = ToolNode(
            f"n{len(nodes) + 1}", server, tool, dict(action["args"]), after=(nodes[-1].id,) if nodes else ()
        )
        run = await self.run_workflow(Workflow((node,), self.task))
        meter.tool_calls += run.tool_calls
        self.wall += run.wall_seconds
        nodes.append(node)
        self.outcomes[node.id] = run.outcomes[node.id]
        self.messages.append(
            {"role": "user", "content": f"observation: {observation(self.outcomes[node.id])}"}
        )
        return None

    def result(self, stop: str) -> StrategyResult:
        """The calls that ran as a linear workflow, ending in the model's answer when it gave one."""
        meter, nodes, outcomes = self.meter, self.nodes, self.outcomes
        summary = {"stop": stop, "spent": meter.spent(), "turns": meter.model_calls}
        if self.finished_with is not None:
            nodes.append(
                AnswerNode("answer", Template((self.finished_with,)), after=(nodes[-1].id,) if nodes else ())
            )
            outcomes["answer"] = NodeOutcome("answer", NodeStatus.OK, output=self.finished_with)
        text = self.finished_with or "Could not complete: the budget ended before the model gave an answer."
        if not nodes:
            return StrategyResult(None, None, [], text, meter.tool_calls, stop, summary)
        workflow = Workflow(tuple(nodes), self.task)
        execution = None
        if any(isinstance(n, ToolNode) for n in nodes):
            execution = Execution(workflow, outcomes, self.wall, meter.tool_calls)
        return StrategyResult(
            workflow, execution, check_workflow(workflow, self.catalog), text, meter.tool_calls, None, summary
        )


async def react(context: RunContext) -> StrategyResult:
    """Turns at temperature 0 until the model finishes; the last turn the budget allows must finish."""
    run = React(context)
    return run.result(await run.loop())
