"""Benchmark reports from run folders: loading journals, the markdown numbers, the plots, comparisons, the CLI."""

import json
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from evoflux.bench.metrics import bootstrap
from evoflux.bench.report import write_report
from evoflux.bench.results import format_estimate, main_table
from evoflux.bench.run_folder import load_run
from evoflux.cli import app
from evoflux.errors import UserError

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SETTINGS = {
    "tasks": "suite.jsonl",
    "strategies": ["evoflux", "zero-shot"],
    "seeds": [0],
    "budget": {"model_calls": 20},
    "model": "local",
    "started": "2026-03-16T09:00:00Z",
}


def record(task, strategy, *, tags, steps, success, executed, calls, prompt, completion, **extra):
    rule = {
        "calls": steps,
        "valid_tool_name_rate": 1.0,
        "input_schema_compliance": 1.0,
        "execution_success_rate": 1.0 if executed else 0.5,
        "valid_call_failure_rate": 0.0 if executed else 0.5,
    }
    return {
        "task_id": task,
        "strategy": strategy,
        "seed": 0,
        "tags": tags,
        "steps": steps,
        "status": "done",
        "error": None,
        "success": success,
        "executed": executed,
        "cost": {
            "model_calls": calls,
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "tool_calls": steps,
            "seconds": 2.0,
        },
        "metrics": rule,
        "fitness_curve": [],
        **extra,
    }


def records() -> list[dict]:
    return [
        record("t1", "evoflux", tags=["units", "steps:1"], steps=1, success=True, executed=True, calls=4,
               prompt=1000, completion=200, fitness_curve=[0.2, 0.6, 1.0]),
        record("t2", "evoflux", tags=["units", "steps:2"], steps=2, success=True, executed=True, calls=6,
               prompt=1500, completion=300, fitness_curve=[0.4, 0.9]),
        record("t3", "evoflux", tags=["shop", "steps:2"], steps=2, success=False, executed=True, calls=8,
               prompt=2000, completion=400, fitness_curve=[0.1]),
        record("t4", "evoflux", tags=["shop"], steps=3, success=None, executed=False, calls=10,
               prompt=2500, completion=500, fitness_curve=[0.3, 0.3]),
        record("t1", "zero-shot", tags=["units", "steps:1"], steps=1, success=True, executed=True, calls=1,
               prompt=500, completion=100),
        record("t2", "zero-shot", tags=["units", "steps:2"], steps=2, success=False, executed=False, calls=2,
               prompt=600, completion=100),
        record("t3", "zero-shot", tags=["shop", "steps:2"], steps=2, success=False, executed=False, calls=0,
               prompt=0, completion=0, status="failed", error="server pool crashed | BrokenPipe"),
        record("t4", "zero-shot", tags=["shop"], steps=3, success=None, executed=True, calls=2,
               prompt=700, completion=100),
    ]  # fmt: skip


def write_run(folder: Path, items: list[dict], tail: str = "", settings: dict | None = SETTINGS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "journal.jsonl").write_text("".join(json.dumps(r) + "\n" for r in items) + tail)
    if settings is not None:
        (folder / "run.json").write_text(json.dumps(settings))
    return folder


def row_of(markdown: str, first_cells: str) -> str:
    """The markdown table row that starts with these cells."""
    rows = [line for line in markdown.splitlines() if line.startswith(f"| {first_cells} |")]
    assert len(rows) == 1, (first_cells, rows)
    return rows[0]


def estimate(metric: str, values: list[float]) -> str:
    return format_estimate(metric, bootstrap(values))


def test_load_run_keeps_the_last_record_of_a_repeated_key_and_reads_settings(tmp_path):
    fixed = {**records()[5], "success": True}
    run = load_run(write_run(tmp_path / "run", [*records(), fixed]))
    assert len(run.records) == 8
    assert (
        next(r for r in run.records if (r["strategy"], r["task_id"]) == ("zero-shot", "t2"))["success"]
        is True
    )
    assert run.settings["model"] == "local"
    assert run.strategies == ["evoflux", "zero-shot"]
    assert any("repeat" in w for w in run.warnings)


def test_a_truncated_last_line_is_skipped_with_a_warning(tmp_path):
    run = load_run(write_run(tmp_path / "run", records(), tail='{"task_id": "t9", "strat'))
    assert len(run.records) == 8
    assert len(run.warnings) == 1 and ":9:" in run.warnings[0] and "incomplete last line" in run.warnings[0]
    files = write_report([run.folder])
    assert "incomplete last line" in files.markdown.read_text()
    assert files.warnings == run.warnings


def test_bad_run_folders_are_user_errors_with_line_numbers(tmp_path):
    with pytest.raises(UserError, match="no such run folder"):
        load_run(tmp_path / "missing")
    (tmp_path / "nojournal").mkdir()
    with pytest.raises(UserError, match=r"no journal\.jsonl"):
        load_run(tmp_path / "nojournal")
    broken = write_run(tmp_path / "broken", records())
    lines = (broken / "journal.jsonl").read_text().splitlines()
    lines[2] = lines[2][:30]
    (broken / "journal.jsonl").write_text("\n".join(lines) + "\n")
    with pytest.raises(UserError, match=r"journal\.jsonl:3: not valid JSON"):
        load_run(broken)
    no_strategy = write_run(tmp_path / "nostrategy", [{"task_id": "t1"}, *records()])
    with pytest.raises(UserError, match=r":1: the record has no string 'strategy'"):
        load_run(no_strategy)
    with pytest.raises(UserError, match="no records yet"):
        load_run(write_run(tmp_path / "fresh", []))


def test_report_markdown_has_the_right_numbers(tmp_path):
    folder = write_run(tmp_path / "run", records())
    files = write_report([folder])
    assert files.markdown == folder / "report.md"
    text = files.markdown.read_text()
    assert "| model | local |" in text and '| budget | {"model_calls": 20} |' in text
    evoflux = row_of(text, "evoflux | 4 | 4")
    assert estimate("success", [1.0, 1.0, 0.0]) in evoflux
    assert evoflux.split(" | ")[3].startswith("66.7 [")  # success over the 3 tasks with an answer
    assert evoflux.split(" | ")[4].startswith("75.0 [")  # feasibility over all 4
    assert " 7.0 [" in evoflux  # mean model calls (4+6+8+10)/4
    assert estimate("tokens", [1200.0, 1800.0, 2400.0, 3000.0]) in evoflux
    assert evoflux.endswith("| 0 |")
    zero_shot = row_of(text, "zero-shot | 4 | 4")
    assert zero_shot.split(" | ")[3].startswith("33.3 [")  # the failed t3 counts as unsuccessful
    assert zero_shot.split(" | ")[4].startswith("50.0 [")  # ... and as not executed
    assert zero_shot.endswith("| 1 |")
    # rule-based metrics: execution success 1.0 when executed, else 0.5
    rules = row_of(text, "evoflux | 100.0 [100.0, 100.0] | 100.0 [100.0, 100.0]")
    assert estimate("execution_success_rate", [1.0, 1.0, 1.0, 0.5]) in rules
    # per tag: a task counts in every tag it has
    assert row_of(text, "units") == "| units | 100.0 (n=2) | 50.0 (n=2) |"
    assert row_of(text, "shop") == "| shop | 0.0 (n=1) | 0.0 (n=1) |"
    # prefix:value tags are grouped: steps:1 is the row 1 of the steps table, with intervals
    assert "| steps:1 |" not in text
    assert row_of(text, "1 | evoflux") == "| 1 | evoflux | 1 | 100.0 [100.0, 100.0] | 100.0 [100.0, 100.0] |"
    assert row_of(text, "2 | zero-shot") == "| 2 | zero-shot | 2 | 0.0 [0.0, 0.0] | 0.0 [0.0, 0.0] |"
    # cost per solved: evoflux spent 8400 tokens and 28 model calls for 2 solved tasks
    assert row_of(text, "evoflux | 2") == "| evoflux | 2 | 3 | 4200 | 14.0 |"
    assert row_of(text, "zero-shot | 1") == "| zero-shot | 1 | 3 | 2100 | 5.0 |"
    assert "- `zero-shot` seed 0 `t3`: server pool crashed \\| BrokenPipe" in text
    assert "![fitness_curve](plots/fitness_curve.png)" in text


def test_report_plots_are_valid_pngs(tmp_path):
    folder = write_run(tmp_path / "run", records())
    files = write_report([folder])
    names = ["success_vs_calls.png", "feasibility_by_steps.png", "fitness_curve.png"]
    assert files.plots == [folder / "plots" / name for name in names]
    for path in files.plots:
        data = path.read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 5000


def test_no_fitness_curves_no_fitness_plot_and_out_elsewhere(tmp_path):
    items = [{**r, "fitness_curve": []} for r in records()]
    folder = write_run(tmp_path / "run", items)
    (folder / "plots").mkdir()
    (folder / "plots" / "fitness_curve.png").write_bytes(b"stale")
    out = tmp_path / "reports" / "mine.md"
    files = write_report([folder], out)
    assert files.markdown == out and out.is_file()
    assert [p.name for p in files.plots] == ["success_vs_calls.png", "feasibility_by_steps.png"]
    assert not (folder / "plots" / "fitness_curve.png").exists()
    text = out.read_text()
    assert "no fitness plot" in text and "](../run/plots/success_vs_calls.png)" in text


def test_comparison_report_has_both_runs_and_the_difference(tmp_path):
    a = write_run(tmp_path / "a", records())
    better = [
        {**r, "success": True} if (r["strategy"], r["task_id"]) == ("zero-shot", "t2") else r
        for r in records()
    ]
    b = write_run(tmp_path / "b", better)
    files = write_report([a, b])
    assert files.markdown == a / "compare.md"
    text = files.markdown.read_text()
    row = row_of(text, "zero-shot | success %")
    cells = row.strip("|").split(" | ")
    assert cells[2].startswith("33.3 [") and cells[3].startswith("66.7 [")
    assert cells[4].strip().startswith("+33.3 [")
    assert row_of(text, "evoflux | success %").endswith("| +0.0 [+0.0, +0.0] |")
    assert row_of(text, "zero-shot | 1") == "| zero-shot | 1 | 1 |"  # harness failures in A and B
    assert [p.name for p in files.plots] == ["compare_success.png", "compare_success_vs_calls.png"]
    assert all(p.read_bytes().startswith(PNG_MAGIC) for p in files.plots)
    with pytest.raises(UserError, match="one run folder, or two"):
        write_report([a, b, a])


def test_main_table_shows_each_strategy_with_its_numbers(tmp_path):
    run = load_run(write_run(tmp_path / "run", records()))
    console = Console(record=True, width=220)
    console.print(main_table(run))
    lines = console.export_text().splitlines()
    evoflux = next(line for line in lines if "evoflux" in line)
    assert "66.7 [" in evoflux and "75.0 [" in evoflux
    assert next(line for line in lines if "zero-shot" in line).rstrip(" │").endswith("1")


runner = CliRunner()


def test_cli_report_writes_the_report_and_prints_the_paths(tmp_path):
    folder = write_run(tmp_path / "run", records(), tail='{"trunc')
    result = runner.invoke(app, ["report", str(folder)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (folder / "report.md").is_file()
    assert f"wrote {folder / 'report.md'}" in result.output
    assert f"wrote {folder / 'plots' / 'fitness_curve.png'}" in result.output
    assert "incomplete last line" in result.output
    assert "benchmark" in result.output


def test_cli_report_compares_two_runs_and_reports_bad_folders(tmp_path):
    a, b = write_run(tmp_path / "a", records()), write_run(tmp_path / "b", records())
    out = tmp_path / "cmp.md"
    result = runner.invoke(app, ["report", str(a), str(b), "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert out.is_file() and f"wrote {out}" in result.output
    missing = runner.invoke(app, ["report", str(tmp_path / "nope")], catch_exceptions=False)
    assert missing.exit_code == 2
    assert "no such run folder" in " ".join(missing.output.split())
