"""Benchmark reports: read a run folder and write `report.md` with its plots, or compare two runs.

Owns the run-folder reading (`journal.jsonl`, `run.json`), the markdown, the PNG plots and the terminal
table; what each number means and how it is averaged is `metrics`' job. matplotlib is imported only when
a plot is drawn, so `import evoflux` stays light.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.table import Table

from evoflux.bench.journal import JOURNAL_NAME, RUN_NAME, Journal, record_key
from evoflux.bench.metrics import (
    ALL_METRICS,
    COST_METRICS,
    OUTCOME_METRICS,
    RULE_METRICS,
    Estimate,
    SummaryRow,
    bootstrap,
    bootstrap_difference,
    judge_dimensions,
    per_task_means,
    record_steps,
    summarize,
    summarize_by_tag,
)
from evoflux.errors import UserError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

PLOTS = "plots"
REPORT = "report.md"
COMPARISON = "compare.md"

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
_PERCENT = {*OUTCOME_METRICS, *RULE_METRICS}
_DECIMALS = {"tokens": 0, "model_calls": 1, "tool_calls": 1, "seconds": 1}
_MAIN_METRICS = (*OUTCOME_METRICS, *COST_METRICS)


# ---------------------------------------------------------------- reading a run folder


@dataclass(frozen=True)
class Run:
    """A run folder's records (the last one of each (strategy, seed, task) key), settings and load warnings."""

    folder: Path
    records: list[dict[str, Any]]
    settings: dict[str, Any]
    warnings: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.folder.resolve().name or str(self.folder)

    @property
    def strategies(self) -> list[str]:
        """The strategies with records: in the settings' order, then any others in journal order."""
        seen = dict.fromkeys(str(r["strategy"]) for r in self.records)
        listed = [str(s) for s in self.settings.get("strategies") or () if str(s) in seen]
        return [*listed, *(s for s in seen if s not in listed)]


@dataclass(frozen=True)
class ReportFiles:
    """What `write_report` wrote, and anything the reader should know (skipped lines, missing data)."""

    markdown: Path
    plots: list[Path]
    warnings: list[str] = field(default_factory=list)


def load_run(folder: str | Path) -> Run:
    """Read `journal.jsonl` and `run.json` of a run folder.

    A last journal line that is not valid JSON (what a killed run leaves) is skipped with a warning; any
    other bad line is a UserError naming its line number. A missing `run.json` is a warning.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"{folder}: no such run folder")
    journal = Journal(folder)
    if not journal.path.is_file():
        raise UserError(f"{folder}: no {JOURNAL_NAME} here (is this a folder written by `evoflux bench`?)")
    warnings: list[str] = []
    records = _read_journal(journal, warnings)
    if not records:
        raise UserError(f"{journal.path}: no records yet")
    return Run(folder, records, _read_settings(folder / RUN_NAME, warnings), warnings)


def _read_journal(journal: Journal, warnings: list[str]) -> list[dict[str, Any]]:
    by_key: dict[str, dict[str, Any]] = {}
    repeated = 0
    for record in journal.read():
        key = record_key(record)
        repeated += key in by_key
        by_key[key] = record
    if journal.torn_line is not None:
        warnings.append(
            f"{journal.path}:{journal.torn_line}: skipped an incomplete last line (the run was probably interrupted)"
        )
    if repeated:
        warnings.append(
            f"{journal.path}: {repeated} records repeat a (strategy, seed, task) key; the last of each is used"
        )
    return list(by_key.values())


def _read_settings(path: Path, warnings: list[str]) -> dict[str, Any]:
    if not path.is_file():
        warnings.append(f"{path.parent}: no {RUN_NAME}; the run's settings are unknown")
        return {}
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f" (line {exc.lineno}: {exc.msg})" if isinstance(exc, json.JSONDecodeError) else ""
        raise UserError(f"{path}: not valid JSON{where}") from None
    if not isinstance(settings, dict):
        raise UserError(f"{path}: expected a JSON object of settings")
    return settings


# ---------------------------------------------------------------- writing reports


def write_report(
    folders: Sequence[str | Path], out: str | Path | None = None, *, resamples: int = 2000, seed: int = 0
) -> ReportFiles:
    """One folder: `report.md` (in the folder, or `out`) with plots in `FOLDER/plots/`. Two folders A, B:
    a comparison (`out`, else `A/compare.md`) with its plots in `plots/` beside it."""
    if len(folders) not in (1, 2):
        raise UserError(f"a report takes one run folder, or two to compare; got {len(folders)}")
    runs = [load_run(folder) for folder in folders]
    if len(runs) == 1:
        return _single_report(runs[0], Path(out) if out is not None else None, resamples, seed)
    return _comparison_report(runs[0], runs[1], Path(out) if out is not None else None, resamples, seed)


def _ordered(run: Run, rows: list[SummaryRow]) -> list[SummaryRow]:
    order = {s: i for i, s in enumerate(run.strategies)}
    return sorted(rows, key=lambda row: order.get(str(row.group["strategy"]), len(order)))


def strategy_rows(run: Run, *, resamples: int = 2000, seed: int = 0) -> list[SummaryRow]:
    """`summarize` of the run by strategy, in the run's strategy order."""
    return _ordered(run, summarize(run.records, resamples=resamples, seed=seed))


def _single_report(run: Run, out: Path | None, resamples: int, seed: int) -> ReportFiles:
    target = out or run.folder / REPORT
    rows = strategy_rows(run, resamples=resamples, seed=seed)
    plots_dir = run.folder / PLOTS
    plots = _write_plots(
        plots_dir,
        [
            ("success_vs_calls.png", lambda fig: _plot_success_vs_calls(fig, run, rows)),
            ("feasibility_by_steps.png", lambda fig: _plot_feasibility_by_steps(fig, run, resamples, seed)),
            ("fitness_curve.png", lambda fig: _plot_fitness(fig, run)),
        ],
    )
    text = _single_markdown(run, rows, resamples, seed, [_relative(p, target.parent) for p in plots])
    _write_text(target, text)
    return ReportFiles(target, plots, list(run.warnings))


def _single_markdown(run: Run, rows: list[SummaryRow], resamples: int, seed: int, plots: list[str]) -> str:
    out = [f"# Benchmark report: {run.name}", ""]
    out += ["## Settings", "", *_table(["setting", "value"], _settings_rows(run)), ""]
    if run.warnings:
        out += ["Warnings:", "", *(f"- {_cell(w)}" for w in run.warnings), ""]
    out += [
        "## Main results",
        "",
        f"Mean [95% CI] over tasks: each task's records (seeds) are averaged first, then tasks are "
        f"resampled with replacement ({resamples} bootstrap resamples, seed {seed}). Success counts only "
        f"tasks with an expected answer; feasible = the returned workflow ran end to end. Costs are per "
        f"task run; tokens = prompt + completion. `failed` = harness failures, counted as unsuccessful "
        f"and not executed.",
        "",
        *_table(
            ["strategy", "runs", "tasks", *(LABELS[m] for m in _MAIN_METRICS), "failed"],
            [
                [row.group["strategy"], row.records, row.tasks]
                + [format_estimate(m, row.estimates.get(m)) for m in _MAIN_METRICS]
                + [row.failed]
                for row in rows
            ],
        ),
        "",
        "## Rule-based tool-call metrics",
        "",
        "MCP-Bench's rule-based metrics over the calls of each returned workflow (validator steps excluded), "
        "averaged like the main results over the runs where they are defined. Execution success and "
        "valid-call failure count only attempted calls (a node skipped after a failed input was never called).",
        "",
        *_table(
            ["strategy", *(LABELS[m] for m in RULE_METRICS)],
            [
                [row.group["strategy"], *(format_estimate(m, row.estimates.get(m)) for m in RULE_METRICS)]
                for row in rows
            ],
        ),
        "",
    ]
    judges = judge_dimensions(run.records)
    if judges:
        out += [
            "## Judge scores",
            "",
            "Mean [95% CI] of the LLM judge's 1-10 scores, over the runs it scored.",
            "",
            *_table(
                ["strategy", *(j.removeprefix("judge.") for j in judges)],
                [
                    [row.group["strategy"], *(format_estimate(j, row.estimates.get(j)) for j in judges)]
                    for row in rows
                ],
            ),
            "",
        ]
    out += [
        "## Success by tag",
        "",
        "Success % (tasks with an expected answer) per tag; a task counts in each of its tags.",
        "",
    ]
    out += [*_tag_table(run, resamples, seed), ""]
    out += [
        "## Cost per solved task",
        "",
        "All tokens (model calls) a strategy spent on the tasks, over the number of successful runs.",
        "",
        *_table(
            ["strategy", "solved", "checkable runs", "tokens / solved", "model calls / solved"],
            [
                [
                    row.group["strategy"],
                    row.solved,
                    _checkable(run, row),
                    _plain(row.tokens_per_solved, 0),
                    _plain(row.model_calls_per_solved, 1),
                ]
                for row in rows
            ],
        ),
        "",
        "## Failures",
        "",
    ]
    failures = [(row.group["strategy"], f) for row in rows for f in row.failures]
    if failures:
        out += [
            f"- `{s}` seed {f['seed']} `{f['task_id']}`: {_cell(str(f['error'] or 'no error given'))}"
            for s, f in failures
        ]
    else:
        out.append("None: the harness finished every run.")
    out += ["", "## Plots", ""]
    out += [f"![{Path(p).stem}]({p})" for p in plots]
    if not any(p.endswith("fitness_curve.png") for p in plots):
        out.append("No strategy recorded fitness curves, so there is no fitness plot.")
    return "\n".join(out) + "\n"


def _checkable(run: Run, row: SummaryRow) -> int:
    return sum(r.get("success") is not None for r in run.records if r["strategy"] == row.group["strategy"])


def _tag_table(run: Run, resamples: int, seed: int) -> list[str]:
    rows = summarize_by_tag(run.records, resamples=resamples, seed=seed, metrics=("success",))
    cells: dict[str, dict[str, str]] = {}
    for row in rows:
        estimate = row.estimates["success"]
        cells.setdefault(str(row.group["tag"]), {})[str(row.group["strategy"])] = (
            f"{estimate.mean * 100:.1f} (n={estimate.tasks})" if estimate else "-"
        )
    strategies = run.strategies
    return _table(
        ["tag", *strategies],
        [[tag, *(by.get(s, "-") for s in strategies)] for tag, by in sorted(cells.items())],
    )


def _settings_rows(run: Run) -> list[list[Any]]:
    rows: list[list[Any]] = [[key, _setting(value)] for key, value in run.settings.items()]
    seeds = sorted({r.get("seed") for r in run.records}, key=str)
    rows.append(
        ["records", f"{len(run.records)} ({len({r['task_id'] for r in run.records})} tasks, seeds {seeds})"]
    )
    return rows


def _setting(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


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


def _number(value: float, decimals: int, signed: bool = False) -> str:
    text = f"{value:{'+' if signed else ''}.{decimals}f}"
    if float(text) == 0:  # no "-0.0" from rounding a small negative number
        text = f"{0.0:{'+' if signed else ''}.{decimals}f}"
    return text


def _plain(value: float | None, decimals: int) -> str:
    return "-" if value is None else _number(value, decimals)


def _cell(text: Any) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(map(_cell, header)) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _relative(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path.resolve(), start.resolve())).as_posix()


def _write_text(target: Path, text: str) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {target}: {exc.strerror or exc}") from None


# ---------------------------------------------------------------- comparing two runs


def _comparison_report(a: Run, b: Run, out: Path | None, resamples: int, seed: int) -> ReportFiles:
    target = out or a.folder / COMPARISON
    label_a, label_b = (a.name, b.name) if a.name != b.name else (f"A: {a.folder}", f"B: {b.folder}")
    rows_a = {r.group["strategy"]: r for r in strategy_rows(a, resamples=resamples, seed=seed)}
    rows_b = {r.group["strategy"]: r for r in strategy_rows(b, resamples=resamples, seed=seed)}
    strategies = [*a.strategies, *(s for s in b.strategies if s not in a.strategies)]
    plots = _write_plots(
        target.parent / PLOTS,
        [
            (
                "compare_success.png",
                lambda fig: _plot_compare_bars(fig, strategies, (label_a, rows_a), (label_b, rows_b)),
            ),
            (
                "compare_success_vs_calls.png",
                lambda fig: _plot_compare_scatter(fig, strategies, (label_a, rows_a), (label_b, rows_b)),
            ),
        ],
    )
    out_lines = [f"# Benchmark comparison: {label_a} vs {label_b}", ""]
    keys = list(dict.fromkeys([*a.settings, *b.settings]))
    settings = [[k, _setting(a.settings.get(k, "-")), _setting(b.settings.get(k, "-"))] for k in keys]
    settings.append(["records", len(a.records), len(b.records)])
    out_lines += ["## Settings", "", *_table(["setting", label_a, label_b], settings), ""]
    warnings = [*a.warnings, *b.warnings]
    if warnings:
        out_lines += ["Warnings:", "", *(f"- {_cell(w)}" for w in warnings), ""]
    out_lines += [
        "## Metrics",
        "",
        f"Mean [95% CI] per run, as in a single report. Difference = B - A with a 95% bootstrap CI over "
        f"tasks ({resamples} resamples, seed {seed}); paired when both runs have the metric on the same "
        f"tasks. Rates in percentage points.",
        "",
    ]
    judges = list(dict.fromkeys([*judge_dimensions(a.records), *judge_dimensions(b.records)]))
    table_rows = []
    for strategy in strategies:
        for metric in (*ALL_METRICS, *judges):
            row_a, row_b = rows_a.get(strategy), rows_b.get(strategy)
            est_a = row_a.estimates.get(metric) if row_a else None
            est_b = row_b.estimates.get(metric) if row_b else None
            diff = bootstrap_difference(
                per_task_means(_of(a, strategy), metric),
                per_task_means(_of(b, strategy), metric),
                resamples=resamples,
                seed=seed,
            )
            table_rows.append(
                [
                    strategy,
                    LABELS.get(metric, metric),
                    format_estimate(metric, est_a),
                    format_estimate(metric, est_b),
                    format_estimate(metric, diff, signed=True),
                ]
            )
    out_lines += [*_table(["strategy", "metric", label_a, label_b, "B - A"], table_rows), ""]
    out_lines += [
        "## Harness failures",
        "",
        *_table(
            ["strategy", label_a, label_b],
            [
                [s, rows_a[s].failed if s in rows_a else "-", rows_b[s].failed if s in rows_b else "-"]
                for s in strategies
            ],
        ),
        "",
        "## Plots",
        "",
        *(f"![{p.stem}]({_relative(p, target.parent)})" for p in plots),
    ]
    _write_text(target, "\n".join(out_lines) + "\n")
    return ReportFiles(target, plots, warnings)


def _of(run: Run, strategy: str) -> list[dict[str, Any]]:
    return [r for r in run.records if r["strategy"] == strategy]


# ---------------------------------------------------------------- terminal table


def main_table(run: Run, rows: list[SummaryRow] | None = None) -> Table:
    """The main results as a rich table: one row per strategy, mean [95% CI] of each main metric."""
    rows = rows if rows is not None else strategy_rows(run)
    table = Table(title=f"benchmark {run.name}: mean [95% CI] over tasks")
    for column in ("strategy", "runs", *(LABELS[m] for m in _MAIN_METRICS), "failed"):
        table.add_column(column, overflow="fold", justify="left" if column == "strategy" else "right")
    for row in rows:
        table.add_row(
            str(row.group["strategy"]),
            str(row.records),
            *(format_estimate(m, row.estimates.get(m)) for m in _MAIN_METRICS),
            str(row.failed) if not row.failed else f"[red]{row.failed}[/red]",
        )
    return table


# ---------------------------------------------------------------- plots


def _write_plots(folder: Path, plots: list[tuple[str, Any]]) -> list[Path]:
    """Draw each (file name, draw(figure) -> bool) into `folder`; a draw returning False writes (and leaves) none."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create {folder}: {exc.strerror or exc}") from None
    written = []
    for name, draw in plots:
        figure = Figure(figsize=(7.5, 4.8), dpi=120, layout="constrained")
        FigureCanvasAgg(figure)
        path = folder / name
        if draw(figure) is False:
            path.unlink(missing_ok=True)  # not a stale plot from an earlier report
            continue
        try:
            figure.savefig(path, format="png")
        except OSError as exc:
            raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None
        written.append(path)
    return written


def _colors(strategies: Sequence[str]) -> dict[str, Any]:
    from matplotlib import colormaps

    palette = colormaps["tab10"]
    return {s: palette(i % 10) for i, s in enumerate(strategies)}


def _errors(estimate: Estimate, scale: float = 1.0) -> list[list[float]]:
    return [[(estimate.mean - estimate.low) * scale], [(estimate.high - estimate.mean) * scale]]


def _no_data(axes: Axes, message: str) -> None:
    axes.text(0.5, 0.5, message, ha="center", va="center", transform=axes.transAxes, color="0.4")
    axes.set_xticks([])
    axes.set_yticks([])


def _plot_success_vs_calls(figure: Figure, run: Run, rows: list[SummaryRow]) -> bool:
    axes = figure.add_subplot()
    colors = _colors(run.strategies)
    points = [
        (str(row.group["strategy"]), row.estimates.get("success"), row.estimates.get("model_calls"))
        for row in rows
    ]
    points = [
        (s, success, calls) for s, success, calls in points if success is not None and calls is not None
    ]
    axes.set_title(f"Success vs model calls: {run.name}")
    if not points:
        _no_data(axes, "no task with an expected answer")
        return True
    same_n = len({success.tasks for _, success, _ in points}) == 1
    x_max = max(calls.high for _, _, calls in points) * 1.15 or 1
    heights = _spread([success.mean * 100 for _, success, _ in points], _LABEL_GAP)
    for (strategy, success, calls), label_y in zip(points, heights, strict=True):
        axes.errorbar(
            calls.mean,
            success.mean * 100,
            xerr=_errors(calls),
            yerr=_errors(success, 100),
            fmt="o",
            markersize=8,
            capsize=4,
            color=colors[strategy],
        )
        # Labels of points in the right half go to their left, so none runs off the plot.
        leftwards = calls.mean > x_max / 2
        axes.annotate(
            strategy if same_n else f"{strategy} (n={success.tasks})",
            (calls.mean, success.mean * 100),
            xytext=(calls.mean + (-0.02 if leftwards else 0.02) * x_max, label_y + 2),
            textcoords="data",
            ha="right" if leftwards else "left",
            color=colors[strategy],
            fontweight="bold",
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.8},
            arrowprops={"arrowstyle": "-", "color": colors[strategy], "lw": 0.6}
            if label_y < success.mean * 100
            else None,
        )
    tasks = (
        f"{points[0][1].tasks} tasks with an expected answer"
        if same_n
        else "n = tasks with an expected answer"
    )
    axes.text(
        0.01, 0.99, tasks, transform=axes.transAxes, ha="left", va="top", fontsize="small", color="0.35"
    )
    axes.set_xlabel("model calls per task (mean, 95% CI)")
    axes.set_ylabel("success rate % (mean, 95% CI)")
    axes.set_ylim(-5, 105)
    axes.set_xlim(0, x_max)
    axes.grid(alpha=0.3)
    return True


_LABEL_GAP = 6.0  # percentage points between two labels' baselines


def _spread(values: list[float], gap: float) -> list[float]:
    """A label height for each value: its own, or lower when the label above would overlap it by `gap`."""
    heights = [0.0] * len(values)
    above = math.inf
    for i in sorted(range(len(values)), key=lambda i: -values[i]):
        heights[i] = above = min(values[i], above - gap)
    return heights


def _plot_feasibility_by_steps(figure: Figure, run: Run, resamples: int, seed: int) -> bool:
    axes = figure.add_subplot()
    strategies = run.strategies
    colors = _colors(strategies)
    levels = sorted({record_steps(r) for r in run.records}, key=lambda s: (s is None, s or 0))
    width = 0.8 / max(len(strategies), 1)
    for i, strategy in enumerate(strategies):
        xs, means, errors, counts = [], [], [[], []], []
        for x, level in enumerate(levels):
            members = [r for r in _of(run, strategy) if record_steps(r) == level]
            estimate = bootstrap(
                list(per_task_means(members, "feasibility").values()), resamples=resamples, seed=seed
            )
            if estimate is None:
                continue
            xs.append(x + (i - (len(strategies) - 1) / 2) * width)
            means.append(estimate.mean * 100)
            errors[0].append((estimate.mean - estimate.low) * 100)
            errors[1].append((estimate.high - estimate.mean) * 100)
            counts.append(estimate.tasks)
        axes.bar(
            xs,
            means,
            width * 0.95,
            yerr=errors,
            capsize=3,
            color=colors[strategy],
            label=strategy,
            error_kw={"ecolor": "0.3", "elinewidth": 1},
        )
    tasks = [len({r["task_id"] for r in run.records if record_steps(r) == level}) for level in levels]
    axes.set_xticks(
        range(len(levels)), [f"{_steps_label(lv)}\n({n} tasks)" for lv, n in zip(levels, tasks, strict=True)]
    )
    axes.set_xlabel("task complexity (tool calls in the reference solution)")
    axes.set_ylabel("workflows that ran end to end % (95% CI)")
    axes.set_ylim(0, 105)
    axes.set_title(f"Execution feasibility by task complexity: {run.name}")
    axes.grid(axis="y", alpha=0.3)
    figure.legend(loc="outside lower center", fontsize="small", ncols=min(len(strategies), 6))
    return True


def _steps_label(level: int | None) -> str:
    return "unknown" if level is None else f"{level} step{'s' if level != 1 else ''}"


def _plot_fitness(figure: Figure, run: Run) -> bool:
    from matplotlib.ticker import MaxNLocator

    curves: dict[str, list[list[float]]] = {}
    for record in run.records:
        curve = [float(v) for v in record.get("fitness_curve") or () if isinstance(v, int | float)]
        if curve:
            curves.setdefault(str(record["strategy"]), []).append(curve)
    if not curves:
        return False
    axes = figure.add_subplot()
    colors = _colors(run.strategies)
    for strategy in (s for s in run.strategies if s in curves):
        mean, low, high = _curve_band(curves[strategy])
        xs = list(range(len(mean)))
        axes.plot(
            xs,
            mean,
            marker="o",
            markersize=3,
            color=colors[strategy],
            label=f"{strategy} (n={len(curves[strategy])})",
        )
        axes.fill_between(xs, low, high, color=colors[strategy], alpha=0.15, linewidth=0)
    axes.set_xlabel("search iteration (baselines: attempt)")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel("best fitness so far (mean; band = min-max)")
    axes.set_title(f"Search progress: {run.name}")
    axes.grid(alpha=0.3)
    axes.legend(loc="lower right", fontsize="small")
    return True


def _curve_band(curves: list[list[float]]) -> tuple[list[float], list[float], list[float]]:
    """Mean, min and max per iteration; a curve that stopped early keeps its last (best) value."""
    length = max(len(c) for c in curves)
    padded = [c + [c[-1]] * (length - len(c)) for c in curves]
    columns = list(zip(*padded, strict=True))
    return [math.fsum(c) / len(c) for c in columns], [min(c) for c in columns], [max(c) for c in columns]


def _plot_compare_bars(
    figure: Figure,
    strategies: list[str],
    a: tuple[str, Mapping[str, SummaryRow]],
    b: tuple[str, Mapping[str, SummaryRow]],
) -> bool:
    panels = figure.subplots(1, 2, sharey=True)
    for axes, metric in zip(panels, ("success", "feasibility"), strict=True):
        for offset, (label, rows), color in ((-0.2, a, "tab:blue"), (0.2, b, "tab:orange")):
            xs, means, errors = [], [], [[], []]
            for x, strategy in enumerate(strategies):
                estimate = rows[strategy].estimates.get(metric) if strategy in rows else None
                if estimate is None:
                    continue
                xs.append(x + offset)
                means.append(estimate.mean * 100)
                errors[0].append((estimate.mean - estimate.low) * 100)
                errors[1].append((estimate.high - estimate.mean) * 100)
            axes.bar(xs, means, 0.38, yerr=errors, capsize=3, color=color, label=label)
        axes.set_xticks(range(len(strategies)), strategies, rotation=20)
        axes.set_title(LABELS[metric])
        axes.set_ylim(0, 110)
        axes.grid(axis="y", alpha=0.3)
    panels[0].set_ylabel("% (mean, 95% CI)")
    panels[0].legend(loc="upper left", fontsize="small")
    figure.suptitle("Comparison of two runs")
    return True


def _plot_compare_scatter(
    figure: Figure,
    strategies: list[str],
    a: tuple[str, Mapping[str, SummaryRow]],
    b: tuple[str, Mapping[str, SummaryRow]],
) -> bool:
    from matplotlib.lines import Line2D

    axes = figure.add_subplot()
    colors = _colors(strategies)
    points: dict[str, list[tuple[float, float]]] = {}
    right = 0.0
    for (_, rows), marker in ((a, "o"), (b, "s")):
        for strategy in strategies:
            row = rows.get(strategy)
            success = row.estimates.get("success") if row else None
            calls = row.estimates.get("model_calls") if row else None
            if success is None or calls is None:
                continue
            axes.errorbar(
                calls.mean,
                success.mean * 100,
                xerr=_errors(calls),
                yerr=_errors(success, 100),
                fmt=marker,
                markersize=7,
                capsize=3,
                color=colors[strategy],
                alpha=0.9,
            )
            points.setdefault(strategy, []).append((calls.mean, success.mean * 100))
            right = max(right, calls.high)
    axes.set_title(f"Success vs model calls: {a[0]} -> {b[0]}")
    if not points:
        _no_data(axes, "no task with an expected answer")
        return True
    for strategy, ends in points.items():
        if len(ends) == 2:
            axes.annotate(
                "",
                xy=ends[1],
                xytext=ends[0],
                arrowprops={"arrowstyle": "->", "color": colors[strategy], "lw": 1.5},
            )
        axes.annotate(
            strategy,
            ends[-1],
            xytext=(8, 6),
            textcoords="offset points",
            color=colors[strategy],
            fontweight="bold",
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.8},
        )
    handles = [
        Line2D([], [], marker=m, linestyle="", color="0.35", markersize=7, label=label)
        for m, label in (("o", a[0]), ("s", b[0]))
    ]
    axes.legend(handles=handles, loc="lower right", fontsize="small")
    axes.set_xlabel("model calls per task (mean, 95% CI)")
    axes.set_ylabel("success rate % (mean, 95% CI)")
    axes.set_ylim(-5, 105)
    axes.set_xlim(0, right * 1.15 or 1)
    axes.grid(alpha=0.3)
    return True
