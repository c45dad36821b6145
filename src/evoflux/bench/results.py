"""A run's results by strategy, written as text: the summary rows in the run's order, metric labels, estimates
as `mean [low, high]`, rows by tag group (`split:dev`, `server:duckdb`), the failure-mode rows, and the main
results and failure modes as terminal tables.

What each number means and how it is averaged is `metrics`' job, what went wrong in a run `failure_modes`';
this module only orders and writes them.
"""

from __future__ import annotations

import re

from rich.markup import escape
from rich.table import Table

from evoflux.bench.failure_modes import StrategyAudit, audit, has_results
from evoflux.bench.metrics import (
    COST_METRICS,
    OUTCOME_METRICS,
    RULE_METRICS,
    Estimate,
    SummaryRow,
    summarize,
    summarize_by_tag,
)
from evoflux.bench.run_folder import Run

LABELS = {
    "success": "success %",
    "feasibility": "feasible %",
    "valid_tool_name_rate": "valid tool name %",
    "input_schema_compliance": "schema compliance %",
    "execution_success_rate": "execution success %",
    "valid_call_failure_rate": "valid-call failure %",
    "model_calls": "model calls",
    "tokens": "tokens",
    "tool_calls": "tool calls",
    "seconds": "seconds",
}
MAIN_METRICS = (*OUTCOME_METRICS, *COST_METRICS)
"""The metrics of the main results table."""
_PERCENT = {*OUTCOME_METRICS, *RULE_METRICS}
_DECIMALS = {"tokens": 0, "model_calls": 1, "tool_calls": 1, "seconds": 1}


def strategy_rows(run: Run, *, resamples: int = 2000, seed: int = 0) -> list[SummaryRow]:
    """`summarize` of the run by strategy, in the run's strategy order."""
    order = {s: i for i, s in enumerate(run.strategies)}
    rows = summarize(run.records, resamples=resamples, seed=seed)
    return sorted(rows, key=lambda row: order.get(str(row.group["strategy"]), len(order)))


def format_estimate(metric: str, estimate: Estimate | None, *, signed: bool = False) -> str:
    """`mean [low, high]`: rates in percent with one decimal, costs with their own precision; `-` for none.

    `signed` writes a difference: `+2.5 [-1.0, +6.0]`.
    """
    if estimate is None:
        return "-"
    scale, decimals = (100.0, 1) if metric in _PERCENT else (1.0, _DECIMALS.get(metric, 1))
    mean, low, high = (
        _number(v * scale, decimals, signed) for v in (estimate.mean, estimate.low, estimate.high)
    )
    return f"{mean} [{low}, {high}]"


def format_value(value: float | None, decimals: int) -> str:
    """A plain number with `decimals` decimals; `-` for none."""
    return "-" if value is None else _number(value, decimals)


def _number(value: float, decimals: int, signed: bool = False) -> str:
    text = f"{value:{'+' if signed else ''}.{decimals}f}"
    if float(text) == 0:  # no "-0.0" from rounding a small negative number
        text = f"{0.0:{'+' if signed else ''}.{decimals}f}"
    return text


def main_table(run: Run, rows: list[SummaryRow] | None = None) -> Table:
    """The main results as a rich table: one row per strategy, mean [95% CI] of each main metric."""
    rows = rows if rows is not None else strategy_rows(run)
    table = Table(title=f"benchmark {run.name}: mean [95% CI] over tasks")
    for column in ("strategy", "runs", *(LABELS[m] for m in MAIN_METRICS), "failed"):
        table.add_column(column, overflow="fold", justify="left" if column == "strategy" else "right")
    for row in rows:
        table.add_row(
            str(row.group["strategy"]),
            str(row.records),
            *(format_estimate(m, row.estimates.get(m)) for m in MAIN_METRICS),
            str(row.failed) if not row.failed else f"[red]{row.failed}[/red]",
        )
    return table


# ---------------------------------------------------------------- tags of the form prefix:value

_GROUPED_TAG = re.compile(r"^([A-Za-z][\w-]*):(.+)$")
_FIRST_GROUPS = ("split", "server")
"""Tag groups reported first (the suite's halves, then each server); the others follow by name."""
GROUP_HEADER = ["tasks", LABELS["success"], LABELS["feasibility"]]


def tag_group(tag: str) -> tuple[str, str] | None:
    """`("split", "dev")` of the tag `split:dev`; None for a plain tag."""
    found = _GROUPED_TAG.match(tag)
    return (found[1], found[2]) if found else None


def grouped_tag_rows(run: Run, *, resamples: int = 2000, seed: int = 0) -> dict[str, list[list[str]]]:
    """Per tag group (`split`, `server`, ...): rows of value, strategy, tasks, success and feasibility with
    their intervals; values in natural order, strategies in the run's order."""
    grouped = [{**r, "tags": [t for t in r.get("tags") or () if tag_group(str(t))]} for r in run.records]
    rows = summarize_by_tag(
        [r for r in grouped if r["tags"]], resamples=resamples, seed=seed, metrics=("success", "feasibility")
    )
    order = {s: i for i, s in enumerate(run.strategies)}
    rows.sort(key=lambda row: (_natural(str(row.group["tag"])), order.get(str(row.group["strategy"]), 0)))
    groups: dict[str, list[list[str]]] = {}
    for row in rows:
        prefix, value = tag_group(str(row.group["tag"])) or ("", "")
        groups.setdefault(prefix, []).append(
            [value, str(row.group["strategy"]), str(row.tasks)]
            + [format_estimate(m, row.estimates.get(m)) for m in ("success", "feasibility")]
        )
    first = [g for g in _FIRST_GROUPS if g in groups]
    return {g: groups[g] for g in [*first, *sorted(set(groups) - set(first))]}


def _natural(text: str) -> list[tuple[int, int | str]]:
    """A sort key that puts `steps:2` before `steps:10`."""
    return [(0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", text) if part]


# ---------------------------------------------------------------- failure modes

FAILURE_HEADER = ["mode", "first", "primary", "at end", "primary", "recovered"]
"""Each "primary" counts the runs of the column before it where the mode was the primary one."""


def failure_audits(run: Run) -> list[StrategyAudit]:
    """The failure-mode audit of each strategy, in the run's order."""
    return audit(run.records, run.strategies)


def failure_line(item: StrategyAudit) -> str:
    """How many runs the audit saw and how: failed, repaired, with a first try or from the end only."""
    text = f"{item.runs} runs: {item.failed} failed, {item.repaired} repaired"
    text += f"; first try recorded for {item.first_known}"
    if item.first_known < item.runs:
        text += f" (the other {item.runs - item.first_known} from their end only)"
    if item.unclassified:
        text += f"; {item.unclassified} not classified (harness failures or no result)"
    return text


def failure_rows(item: StrategyAudit) -> list[list[str]]:
    """One row per mode that occurred: counts first and at the end (all, primary) and the recovered share."""
    return [
        [
            count.mode.value,
            str(count.first),
            str(count.first_primary),
            str(count.end),
            str(count.end_primary),
            f"{count.recovered}/{count.first} ({100 * count.recovered / count.first:.0f}%)"
            if count.first
            else "-",
        ]
        for count in item.modes
    ]


def failure_tables(run: Run) -> list[Table]:
    """The failure modes as rich tables, one per strategy (names escaped: they come from the journal); none
    when no record holds a solve's result."""
    if not has_results(run.records):
        return []
    tables = []
    for item in failure_audits(run):
        table = Table(title=f"failure modes: {escape(item.strategy)}", caption=escape(failure_line(item)))
        table.add_column(FAILURE_HEADER[0], no_wrap=True)  # a mode on one line
        for column in FAILURE_HEADER[1:]:
            table.add_column(column, overflow="fold", justify="right")
        for row in failure_rows(item):
            table.add_row(*row)
        tables.append(table)
    return tables
