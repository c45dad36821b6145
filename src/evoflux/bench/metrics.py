"""Benchmark metrics: MCP-Bench's rule-based metrics for one run, and bootstrap aggregates over journal records.

Owns what each number means and how it is averaged; reading run folders and drawing reports is `report`'s job.

A journal record is one finished (strategy, seed, task) as a JSON object:

- `task_id` (str), `strategy` (str), `seed` (int), `tags` (list of str), `steps` (int or None);
- `status`: `"done"`, or `"failed"` when the harness itself failed (then `error` says why);
- `error` (str or None); `success` (bool, or None when the task has no expected answer); `executed` (bool);
- `cost`: `{"model_calls", "prompt_tokens", "completion_tokens", "tool_calls", "seconds"}`;
- `metrics`: the dict of `rule_based_metrics`; `fitness_curve`: best fitness after each search iteration
  (may be empty); optional `judge`: `{dimension: score 1-10}`.

Missing optional keys read as empty. A failed record counts as unsuccessful (unless the task has no expected
answer, `success` None) and not executed; its cost and metrics count as far as it recorded them.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from jsonschema.validators import validator_for
from referencing.exceptions import Unresolvable

from evoflux.catalog.tools import ToolCatalog
from evoflux.execute.outcome import Execution, NodeStatus
from evoflux.workflow.graph import ToolNode, Workflow, iter_refs
from evoflux.workflow.validators import VALIDATOR_SERVER

RULE_METRICS = (
    "valid_tool_name_rate",
    "input_schema_compliance",
    "execution_success_rate",
    "valid_call_failure_rate",
)
"""MCP-Bench's four rule-based metrics, in its order."""

COST_METRICS = ("model_calls", "tokens", "tool_calls", "seconds")
"""Per-record costs; `tokens` is prompt + completion tokens."""

OUTCOME_METRICS = ("success", "feasibility")
"""Whether the answer was right (tasks with an expected answer only) and whether the workflow ran end to end."""

ALL_METRICS = (*OUTCOME_METRICS, *RULE_METRICS, *COST_METRICS)

CONFIDENCE = 0.95


# ---------------------------------------------------------------- rule-based metrics of one run


def rule_based_metrics(workflow: Workflow | None, execution: Execution | None, catalog: ToolCatalog) -> dict:
    """MCP-Bench's rule-based metrics over the tool calls of the returned workflow.

    The calls are the workflow's tool nodes (N, reported as `calls`), leaving out the steps of evoflux's
    in-process validator server, which call no tool. V (`valid_calls`) are the calls whose (server, tool)
    the catalog has. With no workflow, the execution's workflow is used; with neither, N = 0.

    - `valid_tool_name_rate` = |V| / N.
    - `input_schema_compliance` = share of the judged calls in V whose arguments pass JSON-Schema
      validation (`jsonschema`, the draft the schema names, else 2020-12; no format checks; extra arguments
      pass unless the schema forbids them) against the tool's input schema. The arguments judged are those
      the node resolved when it ran (the outcome's `args`, also when a pre-call check rejected them); for a
      node that did not run, its literal arguments when they hold no references. A node whose references
      could not be resolved (status `unresolved_ref`) counts as non-compliant: the call it describes cannot
      be made. A node that did not run and reads other nodes (skipped after a failed input, or no
      execution) is not judged and leaves the denominator (`schema_checked`), as is a call whose tool
      schema jsonschema cannot use.
    - `execution_success_rate` = calls with status ok / attempted calls.
    - `valid_call_failure_rate` = attempted calls in V that failed / attempted calls in V.

    Like MCP-Bench, which counts the calls made, the last two count only attempted calls (`attempted`):
    nodes with an outcome other than `skipped`. A node skipped because an input failed was never called
    and counts in neither numerator nor denominator; every other failure status (tool error, schema
    rejection, timeout, server down, unresolved reference, not recorded) is an attempted, failed call.
    Each rate is None when its denominator is 0.
    """
    graph = workflow if workflow is not None else (execution.workflow if execution is not None else None)
    nodes = [n for n in graph.tool_nodes if n.server != VALIDATOR_SERVER] if graph is not None else []
    outcomes = execution.outcomes if execution is not None else {}
    valid = [n for n in nodes if catalog.get(n.server, n.tool) is not None]
    attempted = [n for n in nodes if n.id in outcomes and outcomes[n.id].status is not NodeStatus.SKIPPED]
    attempted_valid = [n for n in attempted if catalog.get(n.server, n.tool) is not None]

    judged = [_complies(n, execution, catalog) for n in valid]
    judged_only = [c for c in judged if c is not None]
    ok = [n for n in attempted if outcomes[n.id].ok]
    failed_valid = [n for n in attempted_valid if not outcomes[n.id].ok]
    return {
        "calls": len(nodes),
        "valid_calls": len(valid),
        "attempted": len(attempted),
        "schema_checked": len(judged_only),
        "valid_tool_name_rate": _rate(len(valid), len(nodes)),
        "input_schema_compliance": _rate(sum(judged_only), len(judged_only)),
        "execution_success_rate": _rate(len(ok), len(attempted)),
        "valid_call_failure_rate": _rate(len(failed_valid), len(attempted_valid)),
    }


def _complies(node: ToolNode, execution: Execution | None, catalog: ToolCatalog) -> bool | None:
    """Whether the node's arguments pass its tool's input schema; None when they cannot be judged."""
    spec = catalog.get(node.server, node.tool)
    assert spec is not None
    outcome = execution.outcomes.get(node.id) if execution is not None else None
    if outcome is not None and outcome.status is NodeStatus.UNRESOLVED_REF:
        return False
    if outcome is not None and outcome.args is not None:
        args: Any = outcome.args
    elif not any(True for _ in iter_refs(node.args)):
        args = node.args
    else:
        return None
    try:
        cls = validator_for(spec.input_schema, default=Draft202012Validator)
        cls.check_schema(spec.input_schema)
        return cls(spec.input_schema).is_valid(args)
    except (SchemaError, Unresolvable):
        return None


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# ---------------------------------------------------------------- reading records


def record_value(record: Mapping[str, Any], metric: str) -> float | None:
    """One record's value of `metric` (see `ALL_METRICS`, or `judge.DIMENSION`); None when it has none."""
    failed = record.get("status") == "failed"
    if metric == "success":
        success = record.get("success")
        return None if success is None else float(bool(success) and not failed)
    if metric == "feasibility":
        return float(bool(record.get("executed")) and not failed)
    if metric in RULE_METRICS:
        return _number((record.get("metrics") or {}).get(metric))
    if metric.startswith("judge."):
        return _number((record.get("judge") or {}).get(metric.removeprefix("judge.")))
    cost = record.get("cost") or {}
    if metric == "tokens":
        prompt, completion = _number(cost.get("prompt_tokens")), _number(cost.get("completion_tokens"))
        return None if prompt is None and completion is None else (prompt or 0.0) + (completion or 0.0)
    if metric in COST_METRICS:
        return _number(cost.get(metric))
    raise ValueError(f"unknown metric {metric!r}; known: {', '.join(ALL_METRICS)} and judge.DIMENSION")


def judge_dimensions(records: Iterable[Mapping[str, Any]]) -> list[str]:
    """`judge.DIMENSION` for every judge dimension any record has, in first-seen order."""
    seen: dict[str, None] = {}
    for record in records:
        for dimension in record.get("judge") or {}:
            seen[f"judge.{dimension}"] = None
    return list(seen)


def record_steps(record: Mapping[str, Any]) -> int | None:
    """The task's complexity: its `steps`, else the N of a `steps:N` tag, else None."""
    steps = record.get("steps")
    if isinstance(steps, int) and not isinstance(steps, bool):
        return steps
    for tag in record.get("tags") or ():
        if isinstance(tag, str) and tag.startswith("steps:") and tag[6:].isdigit():
            return int(tag[6:])
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


# ---------------------------------------------------------------- bootstrap aggregates


@dataclass(frozen=True)
class Estimate:
    """A mean over tasks with its bootstrap percentile interval; `tasks` is how many tasks had a value."""

    mean: float
    low: float
    high: float
    tasks: int

    def to_json(self) -> dict[str, Any]:
        return {"mean": self.mean, "low": self.low, "high": self.high, "tasks": self.tasks}


def per_task_means(records: Iterable[Mapping[str, Any]], metric: str) -> dict[str, float]:
    """Task id -> the mean of `metric` over that task's records (its seeds) that have a value."""
    values: dict[str, list[float]] = {}
    for record in records:
        value = record_value(record, metric)
        if value is not None:
            values.setdefault(str(record["task_id"]), []).append(value)
    return {task: math.fsum(v) / len(v) for task, v in values.items()}


def bootstrap(values: Sequence[float], *, resamples: int = 2000, seed: int = 0) -> Estimate | None:
    """The mean of `values` (one per task) and a 95% percentile interval from resampling them with
    replacement `resamples` times with `random.Random(seed)`; None for no values."""
    if not values:
        return None
    mean = math.fsum(values) / len(values)
    if resamples <= 0:
        return Estimate(mean, mean, mean, len(values))
    rng = random.Random(seed)
    means = sorted(math.fsum(rng.choices(values, k=len(values))) / len(values) for _ in range(resamples))
    tail = (1 - CONFIDENCE) / 2
    # Clamp against float noise so that the interval always holds the mean it describes.
    low, high = min(_quantile(means, tail), mean), max(_quantile(means, 1 - tail), mean)
    return Estimate(mean, low, high, len(values))


def bootstrap_difference(
    a: Mapping[str, float], b: Mapping[str, float], *, resamples: int = 2000, seed: int = 0
) -> Estimate | None:
    """mean(b) - mean(a) from per-task values, with a 95% bootstrap interval; None when a side is empty.

    Paired when both sides hold the same tasks (the tasks are resampled once, for both), otherwise each
    side's tasks are resampled on their own.
    """
    if not a or not b:
        return None
    paired = set(a) == set(b)
    tasks = sorted(a)
    diff = math.fsum(b.values()) / len(b) - math.fsum(a.values()) / len(a)
    if resamples <= 0:
        return Estimate(diff, diff, diff, len(a) if paired else min(len(a), len(b)))
    rng = random.Random(seed)
    values_a, values_b = list(a.values()), list(b.values())
    draws: list[float] = []
    for _ in range(resamples):
        if paired:
            picked = rng.choices(tasks, k=len(tasks))
            draws.append(math.fsum(b[t] - a[t] for t in picked) / len(picked))
        else:
            draws.append(_resampled_mean(rng, values_b) - _resampled_mean(rng, values_a))
    draws.sort()
    tail = (1 - CONFIDENCE) / 2
    low, high = min(_quantile(draws, tail), diff), max(_quantile(draws, 1 - tail), diff)
    return Estimate(diff, low, high, len(tasks) if paired else min(len(a), len(b)))


def _resampled_mean(rng: random.Random, values: Sequence[float]) -> float:
    return math.fsum(rng.choices(values, k=len(values))) / len(values)


def _quantile(ordered: Sequence[float], q: float) -> float:
    """The q-quantile of sorted values, interpolating linearly between order statistics (numpy's default)."""
    position = q * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


@dataclass(frozen=True)
class SummaryRow:
    """The aggregates of one group of records (one strategy, by default)."""

    group: dict[str, Any]
    records: int
    tasks: int
    failed: int
    solved: int
    estimates: dict[str, Estimate | None]
    tokens_per_solved: float | None
    model_calls_per_solved: float | None
    failures: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            **self.group,
            "n": self.records,
            "tasks": self.tasks,
            "failed": self.failed,
            "solved": self.solved,
            "metrics": {k: (e.to_json() if e else None) for k, e in self.estimates.items()},
            "tokens_per_solved": self.tokens_per_solved,
            "model_calls_per_solved": self.model_calls_per_solved,
        }


def summarize(
    records: Iterable[Mapping[str, Any]],
    *,
    group_by: Sequence[str] = ("strategy",),
    resamples: int = 2000,
    seed: int = 0,
    metrics: Sequence[str] | None = None,
) -> list[SummaryRow]:
    """One row per group (records sharing the `group_by` values, in first-seen order) with each metric's
    mean over tasks and its 95% bootstrap percentile interval.

    Each metric is averaged per task first, over that task's records with a value (its seeds, so that a
    task run with three seeds weighs as much as one run once); those per-task means are averaged and
    resampled as tasks, with replacement, `resamples` times with `random.Random(seed)` (a fresh generator
    per metric and group, so a row never depends on the others). Success counts only records with an
    expected answer; rule metrics only records where they are not None. `metrics` defaults to
    `ALL_METRICS` plus every judge dimension found. Cost per solved task is the group's total tokens
    (or model calls) over its number of successful records; None when none succeeded.
    """
    rows = list(records)
    wanted = list(metrics) if metrics is not None else [*ALL_METRICS, *judge_dimensions(rows)]
    groups: dict[tuple[Any, ...], list[Mapping[str, Any]]] = {}
    for record in rows:
        groups.setdefault(tuple(record.get(key) for key in group_by), []).append(record)
    return [
        _row(dict(zip(group_by, key, strict=True)), members, wanted, resamples, seed)
        for key, members in groups.items()
    ]


def _row(
    group: dict[str, Any], members: list[Mapping[str, Any]], metrics: Sequence[str], resamples: int, seed: int
) -> SummaryRow:
    estimates = {
        metric: bootstrap(list(per_task_means(members, metric).values()), resamples=resamples, seed=seed)
        for metric in metrics
    }
    solved = sum(record_value(r, "success") == 1.0 for r in members)
    failures = [r for r in members if r.get("status") == "failed"]
    return SummaryRow(
        group=group,
        records=len(members),
        tasks=len({str(r["task_id"]) for r in members}),
        failed=len(failures),
        solved=solved,
        estimates=estimates,
        tokens_per_solved=_per_solved(members, "tokens", solved),
        model_calls_per_solved=_per_solved(members, "model_calls", solved),
        failures=[
            {"task_id": r["task_id"], "seed": r.get("seed"), "error": r.get("error")} for r in failures
        ],
    )


def _per_solved(members: Sequence[Mapping[str, Any]], metric: str, solved: int) -> float | None:
    if not solved:
        return None
    return math.fsum(record_value(r, metric) or 0.0 for r in members) / solved


UNTAGGED = "(untagged)"


def summarize_by_tag(
    records: Iterable[Mapping[str, Any]],
    *,
    group_by: Sequence[str] = ("strategy",),
    resamples: int = 2000,
    seed: int = 0,
    metrics: Sequence[str] | None = ("success", "feasibility"),
) -> list[SummaryRow]:
    """`summarize` per (tag, *group_by); a record with several tags counts in each, one with none in
    `UNTAGGED`. Rows come sorted by tag, then in first-seen order of the other keys."""
    expanded = [{**record, "tag": tag} for record in records for tag in (record.get("tags") or [UNTAGGED])]
    expanded.sort(key=lambda record: str(record["tag"]))
    return summarize(expanded, group_by=("tag", *group_by), resamples=resamples, seed=seed, metrics=metrics)
