"""Search traces from a no-model search on the bundled servers: the JSONL, reading it back, both views.

The search repairs a broken plan by rules alone (as in test_search_loop), with a TraceWriter attached.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import anyio
import pytest
from test_search_loop import BROKEN, NO_MODEL, TASK, offline_client, weather_search
from typer.testing import CliRunner

from evoflux.cli import app
from evoflux.environment import ToolEnvironment
from evoflux.scoring.budget import Budget
from evoflux.search.loop import SearchOutcome
from evoflux.search.trace import TraceWriter, load_trace, write_summary
from evoflux.solver import Cost, SolveResult
from evoflux.workflow.parse import parse_workflow
from tests.support import bundled_config, solve_offline

SCRIPT = "<script>alert('x')</script>"
runner = CliRunner()


@pytest.fixture(scope="module")
def traced(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SearchOutcome, SolveResult]:
    """One traced search, shared by every test: its folder, its outcome and a solve result built from it.

    Run with its own event loop, so the tests can be sync and invoke the CLI, which runs one too.
    """
    folder = tmp_path_factory.mktemp("trace")
    outcome = anyio.run(traced_search, folder)
    result = solve_result(outcome)
    write_summary(folder, result.to_json())
    return folder, outcome, result


async def traced_search(folder: Path) -> SearchOutcome:
    given = parse_workflow({**BROKEN, "task": f"{TASK} {SCRIPT}"})
    async with ToolEnvironment(bundled_config()) as env:
        search = await weather_search(
            env,
            offline_client(),
            budget=Budget(),
            settings=NO_MODEL,
            on_candidate=TraceWriter(folder),
            initial=[given],
        )
        return await search.run()


def solve_result(outcome: SearchOutcome) -> SolveResult:
    best = outcome.best
    return SolveResult(
        task=f"{TASK} {SCRIPT}",
        strategy="evoflux",
        answer=str(best.execution.answer),
        workflow=best.workflow,
        issues=best.issues,
        execution=best.execution,
        tools_shown=[],
        cost=Cost(0, 0, 0, outcome.spent["tool_calls"], 0.0),
        search={"stop": outcome.stop_reason, "candidates": len(outcome.candidates)},
    )


def test_every_candidate_is_one_json_line_with_its_parent_and_edits(traced):
    folder, outcome, _ = traced
    lines = [json.loads(line) for line in (folder / "candidates.jsonl").read_text().splitlines()]
    assert [line["id"] for line in lines] == [c.id for c in outcome.candidates]
    assert len(lines) >= 2 and lines[0]["origin"] == "given" and lines[0]["parent"] is None
    children = lines[1:]
    assert all(line["parent"] in {c.id for c in outcome.candidates} for line in children)
    assert all(line["edits"] and all(e["reason"] and e["op"] for e in line["edits"]) for line in children)
    first = lines[0]
    assert first["nodes"] and any(n["status"] != "ok" and n.get("error") for n in first["nodes"])
    assert {"value", "valid", "executed"} <= first["fitness"].keys() and first["workflow"]["nodes"]


def test_load_trace_reads_back_candidates_and_result(traced):
    folder, outcome, _ = traced
    trace = load_trace(folder)
    assert [c.id for c in trace.candidates] == [c.id for c in outcome.candidates]
    for read, original in zip(trace.candidates, outcome.candidates, strict=True):
        assert read.workflow.to_json() == original.workflow.to_json()
        assert read.parent == original.parent and read.value == original.fitness.value
        assert [e["reason"] for e in read.edits] == [e.reason for e in original.edits]
    assert trace.winner.id == outcome.best.id and trace.result["executed"] is True
    assert trace.lineage(trace.winner)[0].id == "c1"


def test_trace_show_prints_the_lineage_the_repairs_and_the_final_tree(traced):
    folder, outcome, _ = traced
    shown = runner.invoke(app, ["trace", "show", str(folder)], catch_exceptions=False)
    assert shown.exit_code == 0, shown.output
    out = " ".join(shown.output.split())  # the terminal may wrap long lines
    chain = load_trace(folder).lineage(load_trace(folder).winner)
    assert all(c.id in out for c in chain) and "given" in out and "repair" in out
    assert all(" ".join(e["reason"].split()) in out for c in chain for e in c.edits)
    assert "c1 failed at n1" in out and "fixes n1" in out
    assert "[ok]" in out and "search_stations" in out and "weather:forecast" in out
    assert outcome.best.execution.answer in out


def test_trace_html_is_one_self_contained_escaped_page(traced, tmp_path: Path):
    folder, outcome, _ = traced
    page_path = tmp_path / "page.html"
    made = runner.invoke(app, ["trace", "html", str(folder), "--out", str(page_path)], catch_exceptions=False)
    assert made.exit_code == 0, made.output
    page = page_path.read_text()
    assert all(f'id="{c.id}"' in page for c in outcome.candidates)
    assert page.count("<svg") == len(outcome.candidates)
    assert (
        not re.search(r"(src|href)\s*=\s*\"?(https?:)?//", page)
        and "http://" not in page
        and "https://" not in page
    )
    assert SCRIPT not in page and "&lt;script&gt;" in page and "<script" not in page
    assert "search_stations" in page and "schema_rejected" in page and "WX-MAD" in page


@pytest.mark.parametrize("strategy", ["evoflux", "zero-shot"])
def test_solve_trace_writes_candidates_for_the_search_and_a_result_for_every_strategy(
    traced, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, strategy: str
):
    _, outcome, result = traced

    async def fake_solve_with(*_: object, on_candidate=None, **__: object) -> SolveResult:
        for candidate in outcome.candidates if on_candidate is not None else ():
            on_candidate(candidate)
        return result

    solve_offline(monkeypatch, fake_solve_with)
    folder = tmp_path / "run"
    args = [
        "solve",
        TASK,
        "--strategy",
        strategy,
        "--base-url",
        "http://127.0.0.1:9/v1",
        "--json",
        "--trace",
        str(folder),
    ]
    solved = runner.invoke(app, args, catch_exceptions=False)
    assert solved.exit_code == 0, solved.output
    trace = load_trace(folder)
    assert trace.result == json.loads(solved.stdout) and not (folder / "solve.json").exists()
    expected = [c.id for c in outcome.candidates] if strategy == "evoflux" else []
    assert [c.id for c in trace.candidates] == expected


def test_a_folder_that_is_not_a_trace_is_a_one_line_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "notes.txt").write_text("hello")
    monkeypatch.chdir(tmp_path)  # a short path, so the 80-column test terminal does not wrap the line
    for command in ("show", "html"):
        failed = runner.invoke(app, ["trace", command, "x"])
        assert failed.exit_code == 2
        assert "not an evoflux trace" in failed.output and len(failed.output.strip().splitlines()) == 1
