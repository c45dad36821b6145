"""The PNG plots of bench reports: success against model calls, feasibility by task complexity, search
progress, and the two plots of a comparison of two runs.

Each plot is a `draw(figure) -> bool` that `write_plots` saves; matplotlib is imported only when a plot is
drawn, so `import evoflux` stays light.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evoflux.bench.metrics import Estimate, SummaryRow, bootstrap, per_task_means, record_steps
from evoflux.bench.results import LABELS
from evoflux.bench.run_folder import Run
from evoflux.errors import UserError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

PLOTS = "plots"
"""The plots' folder, in a run folder or beside a comparison."""


def write_plots(folder: Path, plots: list[tuple[str, Any]]) -> list[Path]:
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


def success_vs_calls(figure: Figure, run: Run, rows: list[SummaryRow]) -> bool:
    """Each strategy's success rate against its model calls per task, both with 95% CIs."""
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


def feasibility_by_steps(figure: Figure, run: Run, resamples: int, seed: int) -> bool:
    """Bars of each strategy's feasibility by the number of steps of the task's reference solution."""
    axes = figure.add_subplot()
    strategies = run.strategies
    colors = _colors(strategies)
    levels = sorted({record_steps(r) for r in run.records}, key=lambda s: (s is None, s or 0))
    width = 0.8 / max(len(strategies), 1)
    for i, strategy in enumerate(strategies):
        xs, means, errors, counts = [], [], [[], []], []
        for x, level in enumerate(levels):
            members = [r for r in run.records_of(strategy) if record_steps(r) == level]
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


def fitness_curve(figure: Figure, run: Run) -> bool:
    """Best fitness so far by iteration, per strategy (mean and min-max band); none without fitness curves."""
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


def compare_bars(
    figure: Figure,
    strategies: list[str],
    a: tuple[str, Mapping[str, SummaryRow]],
    b: tuple[str, Mapping[str, SummaryRow]],
) -> bool:
    """Success and feasibility of each strategy in runs A and B, side by side (label, rows by strategy)."""
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


def compare_scatter(
    figure: Figure,
    strategies: list[str],
    a: tuple[str, Mapping[str, SummaryRow]],
    b: tuple[str, Mapping[str, SummaryRow]],
) -> bool:
    """Success against model calls of each strategy in runs A and B, with an arrow from A to B."""
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
