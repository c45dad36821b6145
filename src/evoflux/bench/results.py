"""A run's results by strategy, written as text: the summary rows in the run's order, metric labels, estimates
as `mean [low, high]`, and the main results as a terminal table.

What each number means and how it is averaged is `metrics`' job; this module only orders and writes them.
"""

from __future__ import annotations

from rich.table import Table

from evoflux.bench.metrics import COST_METRICS, OUTCOME_METRICS, RULE_METRICS, Estimate, SummaryRow, summarize
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
