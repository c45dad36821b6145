"""Benchmark reports: `report.md` of one run folder with its plots, or `compare.md` of two runs.

Owns the markdown (the tables of a single report and of a comparison) and where the files go. Reading the
run folder is in `run_folder`, the numbers as text in `results`, the plots in `plots`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evoflux.bench.failure_modes import has_results
from evoflux.bench.metrics import (
    ALL_METRICS,
    RULE_METRICS,
    SummaryRow,
    bootstrap_difference,
    judge_dimensions,
    per_task_means,
    summarize_by_tag,
)
from evoflux.bench.plots import (
    PLOTS,
    compare_bars,
    compare_scatter,
    feasibility_by_steps,
    fitness_curve,
    success_vs_calls,
    write_plots,
)
from evoflux.bench.results import (
    FAILURE_HEADER,
    GROUP_HEADER,
    LABELS,
    MAIN_METRICS,
    failure_audits,
    failure_line,
    failure_rows,
    format_estimate,
    format_value,
    grouped_tag_rows,
    strategy_rows,
    tag_group,
)
from evoflux.bench.run_folder import Run, load_run
from evoflux.errors import UserError

REPORT = "report.md"
COMPARISON = "compare.md"


@dataclass(frozen=True)
class ReportFiles:
    """What `write_report` wrote, and anything the reader should know (skipped lines, missing data)."""

    markdown: Path
    plots: list[Path]
    warnings: list[str] = field(default_factory=list)


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


def _single_report(run: Run, out: Path | None, resamples: int, seed: int) -> ReportFiles:
    target = out or run.folder / REPORT
    rows = strategy_rows(run, resamples=resamples, seed=seed)
    plots_dir = run.folder / PLOTS
    plots = write_plots(
        plots_dir,
        [
            ("success_vs_calls.png", lambda fig: success_vs_calls(fig, run, rows)),
            ("feasibility_by_steps.png", lambda fig: feasibility_by_steps(fig, run, resamples, seed)),
            ("fitness_curve.png", lambda fig: fitness_curve(fig, run)),
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
            ["strategy", "runs", "tasks", *(LABELS[m] for m in MAIN_METRICS), "failed"],
            [
                [row.group["strategy"], row.records, row.tasks]
                + [format_estimate(m, row.estimates.get(m)) for m in MAIN_METRICS]
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
    tag_rows = _tag_rows(run, resamples, seed)
    if tag_rows:
        out += [
            "## Success by tag",
            "",
            "Success % (tasks with an expected answer) per tag; a task counts in each of its tags.",
            "",
            *_table(["tag", *run.strategies], tag_rows),
            "",
        ]
    for prefix, group_rows in grouped_tag_rows(run, resamples=resamples, seed=seed).items():
        out += [
            f"## Results by {prefix}",
            "",
            f"Mean [95% CI] over the tasks tagged `{prefix}:...`, per strategy, as in the main results.",
            "",
            *_table([prefix, "strategy", *GROUP_HEADER], group_rows),
            "",
        ]
    if has_results(run.records):
        out += _failure_section(run)
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
                    format_value(row.tokens_per_solved, 0),
                    format_value(row.model_calls_per_solved, 1),
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


def _tag_rows(run: Run, resamples: int, seed: int) -> list[list[str]]:
    """Success per plain tag (grouped `prefix:value` tags have tables of their own), per strategy."""
    plain = []
    for record in run.records:
        tags = [t for t in record.get("tags") or () if not tag_group(str(t))]
        if tags or not record.get("tags"):  # untagged records stay, as `(untagged)`
            plain.append({**record, "tags": tags})
    rows = summarize_by_tag(plain, resamples=resamples, seed=seed, metrics=("success",))
    cells: dict[str, dict[str, str]] = {}
    for row in rows:
        estimate = row.estimates["success"]
        cells.setdefault(str(row.group["tag"]), {})[str(row.group["strategy"])] = (
            f"{estimate.mean * 100:.1f} (n={estimate.tasks})" if estimate else "-"
        )
    return [[tag, *(by.get(s, "-") for s in run.strategies)] for tag, by in sorted(cells.items())]


def _failure_section(run: Run) -> list[str]:
    out = [
        "## Failure modes",
        "",
        "Each failed run (unsuccessful at the end) and each repaired run (a mode in its first tried "
        "workflow, successful at the end), by mode. first = runs whose first tried workflow showed the mode; "
        "at end = failed runs whose returned workflow still shows it; primary = of the runs in the column "
        "before, those where it was the earliest mode in the data path's order (planning, tools, argument "
        "names, argument values, wiring, servers, the answer); recovered = runs with the mode first that "
        "ended successful (for tasks without an expected answer: ran end to end). "
        "A run without a recorded first try counts only at the end.",
        "",
    ]
    for item in failure_audits(run):
        out += [f"### {_cell(item.strategy)}", "", failure_line(item) + ".", ""]
        rows = failure_rows(item)
        out += [*(_table(FAILURE_HEADER, rows) if rows else ["No failed or repaired runs."]), ""]
    return out


def _settings_rows(run: Run) -> list[list[Any]]:
    rows: list[list[Any]] = [[key, _setting(value)] for key, value in run.settings.items()]
    seeds = sorted({r.get("seed") for r in run.records}, key=str)
    rows.append(
        ["records", f"{len(run.records)} ({len({r['task_id'] for r in run.records})} tasks, seeds {seeds})"]
    )
    return rows


def _setting(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


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
    plots = write_plots(
        target.parent / PLOTS,
        [
            (
                "compare_success.png",
                lambda fig: compare_bars(fig, strategies, (label_a, rows_a), (label_b, rows_b)),
            ),
            (
                "compare_success_vs_calls.png",
                lambda fig: compare_scatter(fig, strategies, (label_a, rows_a), (label_b, rows_b)),
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
                per_task_means(a.records_of(strategy), metric),
                per_task_means(b.records_of(strategy), metric),
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
