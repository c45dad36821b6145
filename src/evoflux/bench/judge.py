"""An optional LLM judge: scores one solved task 1-10 on MCP-Bench's six dimensions.

What the judge sees: the user's request; the workflow that ran, as a dependency tree (tool, arguments,
`$nX.path` references, what each step waits for); each tool step's status with its resolved arguments and
a capped output preview or error (`plan.synthesize.evidence`); and the final answer.

What it never sees: a reference workflow, the task's expected answer or matcher, tags, the strategy's
name, search statistics or cost. Its scores are an opinion about the run, not a check against a key;
checking answers is `bench.matchers`' job.

The rubric follows MCP-Bench's six dimensions (arXiv 2508.20453), written in our own words.
Decisions a caller may rely on:

- A result without a workflow (the model never produced a plan) is judged without a model call: every
  dimension scores 1 with the reason "no workflow ran". A workflow that exists but never ran is judged
  normally; the prompt says that nothing ran.
- Scores are clamped into 1..10, not rejected: 0 becomes 1, 12 becomes 10, 7.6 rounds to 8 and a string
  holding one number ("8", "8/10") counts as that number. A dimension with no number at all is unusable.
- A partially usable reply keeps its usable dimensions and names the others in `Verdict.error`; a reply
  with none gives `Verdict({}, {}, error=...)`. Model output never raises; a call that runs past
  `deadline_s` (ModelTimeout) also becomes an error verdict. Other model errors (server unreachable,
  cassette miss) propagate: they are configuration problems, not verdicts.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from evoflux.llm import ModelReply, ModelTimeout, Purpose
from evoflux.llm.parsing import repair_json
from evoflux.plan.synthesize import evidence
from evoflux.workflow.render import render_text

if TYPE_CHECKING:
    from evoflux.llm import ChatModel
    from evoflux.solver import SolveResult

JUDGE_DIMENSIONS: tuple[str, ...] = (
    "task_fulfillment",
    "grounding",
    "tool_appropriateness",
    "parameter_accuracy",
    "dependency_awareness",
    "parallelism_and_efficiency",
)
MIN_SCORE, MAX_SCORE = 1, 10
NO_WORKFLOW_REASON = "no workflow ran"

MAX_TOKENS = 700  # six short reasons and scores; a truncated reply still yields what it finished
MAX_REQUEST_CHARS = 800
MAX_ANSWER_CHARS = 1200
MAX_STEP_CHARS = 300  # output preview per step; keeps a 5-step prompt well under the local 8k context
MAX_VALUE_CHARS = 40  # argument values in the workflow tree
MAX_REASON_CHARS = 300

RUBRIC = """You review how an assistant used tools to serve a user's request. You are shown the request, \
the workflow of tool calls it ran (each step's result or error) and its final answer. There is no answer \
key: judge only from what is shown. Give each criterion a score from 1 (very poor) to 10 (excellent) and \
a reason of at most 20 words.
- task_fulfillment: does the final answer give the user everything they asked for?
- grounding: is each fact and number in the answer backed by a step's result? A claim that is invented, \
or that contradicts the results, scores low. A failed step's result is unknown.
- tool_appropriateness: were the right tools chosen for each part of the request?
- parameter_accuracy: were the arguments right (values, units, codes, ids)? Rejected or failed calls \
count against it.
- dependency_awareness: does a step that needs an earlier result take it from that step ($nX.path) \
instead of guessing, and run after it?
- parallelism_and_efficiency: no redundant or useless calls; independent steps do not wait for each other."""

_DIMENSION_SCHEMA = {
    "type": "object",
    "properties": {
        "reason": {"type": "string", "maxLength": MAX_REASON_CHARS},
        "score": {"type": "integer", "minimum": MIN_SCORE, "maximum": MAX_SCORE},
    },
    "required": ["reason", "score"],
    "additionalProperties": False,
}
SCHEMA: dict[str, Any] = {
    "title": "verdict",
    "type": "object",
    "properties": {name: _DIMENSION_SCHEMA for name in JUDGE_DIMENSIONS},
    "required": list(JUDGE_DIMENSIONS),
    "additionalProperties": False,
}
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Verdict:
    """The judge's scores (1..10) and one short reason per dimension; `error` when some are missing."""

    scores: dict[str, int]
    reasons: dict[str, str]
    error: str | None = None

    @property
    def complete(self) -> bool:
        """Every dimension was scored."""
        return all(name in self.scores for name in JUDGE_DIMENSIONS)

    @property
    def mean(self) -> float | None:
        """The mean score when every dimension was scored, else None."""
        return (
            sum(self.scores[n] for n in JUDGE_DIMENSIONS) / len(JUDGE_DIMENSIONS) if self.complete else None
        )

    def to_json(self) -> dict[str, Any]:
        mean = self.mean
        return {
            "scores": dict(self.scores),
            "reasons": dict(self.reasons),
            "mean": round(mean, 3) if mean is not None else None,
            "error": self.error,
        }


def judge_messages(result: SolveResult) -> list[dict[str, str]]:
    """The prompt for `result`: the rubric, then request, workflow, step results and final answer."""
    workflow = result.workflow
    if workflow is None:
        raise ValueError("a result without a workflow is judged without a model call")
    if result.execution is None:
        ran = "(the workflow never ran)"
    else:
        ran = evidence(result.execution, max_chars_per_step=MAX_STEP_CHARS) or "(no tool step ran)"
    answer = _cut(result.answer.strip(), MAX_ANSWER_CHARS) or "(empty)"
    user = (
        f"request: {_cut(result.task.strip(), MAX_REQUEST_CHARS)}\n\n"
        "workflow (a step is indented under the steps it waits for; $n1.x is a value taken from "
        f"step n1's result):\n{render_text(workflow, max_value_chars=MAX_VALUE_CHARS)}\n\n"
        f"step results:\n{ran}\n\n"
        f"final answer: {answer}"
    )
    return [{"role": "system", "content": RUBRIC}, {"role": "user", "content": user}]


async def judge(client: ChatModel, result: SolveResult, *, deadline_s: float | None = None) -> Verdict:
    """Score `result` on the six dimensions with one model call (none when no workflow ran)."""
    if result.workflow is None:
        return Verdict(
            {name: MIN_SCORE for name in JUDGE_DIMENSIONS},
            {name: NO_WORKFLOW_REASON for name in JUDGE_DIMENSIONS},
        )
    try:
        reply = await client.complete_json(
            judge_messages(result),
            SCHEMA,
            purpose=Purpose.JUDGE,
            max_tokens=MAX_TOKENS,
            deadline_s=deadline_s,
        )
    except ModelTimeout as exc:
        return Verdict({}, {}, error=f"judge call timed out: {exc.message}")
    return verdict_from_reply(reply)


def verdict_from_reply(reply: ModelReply) -> Verdict:
    """The usable dimensions of a judge reply; never raises."""
    value = reply.value
    if value is None:  # a truncated reply: keep the dimensions it finished
        value = repair_json(reply.text)
    why = f"{reply.failure.kind.value}: {reply.failure.detail}" if reply.failure else "no JSON object"
    if not isinstance(value, dict):
        return Verdict({}, {}, error=f"the judge gave no usable verdict ({why})")
    scores: dict[str, int] = {}
    reasons: dict[str, str] = {}
    for name in JUDGE_DIMENSIONS:
        item = value.get(name)
        raw, reason = (item.get("score"), item.get("reason")) if isinstance(item, dict) else (item, None)
        score = _score(raw)
        if score is None:
            continue
        scores[name] = score
        reasons[name] = _cut(" ".join(reason.split()), MAX_REASON_CHARS) if isinstance(reason, str) else ""
    missing = [name for name in JUDGE_DIMENSIONS if name not in scores]
    if not scores:
        return Verdict({}, {}, error=f"the judge gave no usable score ({why})")
    if missing:
        return Verdict(scores, reasons, error=f"no usable score for: {', '.join(missing)}")
    return Verdict(scores, reasons)


def _score(raw: Any) -> int | None:
    """A score clamped into 1..10, or None when `raw` holds no number."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, str):
        found = _NUMBER.search(raw)
        raw = float(found.group()) if found else None
    if not isinstance(raw, int | float) or not math.isfinite(raw):
        return None
    return max(MIN_SCORE, min(MAX_SCORE, round(raw)))


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = ["JUDGE_DIMENSIONS", "SCHEMA", "Verdict", "judge", "judge_messages", "verdict_from_reply"]
