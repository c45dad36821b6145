"""The failure-mode audit: runs classified from real journal records, first try against the end, the report.

Records are made by the real `record_of` from `SolveResult`s with executions, and first tries by the real
`FirstTry`, so the audit reads the shapes a bench run writes.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from evoflux.bench.failure_modes import MODES, Mode, audit, audit_record, step_mode
from evoflux.bench.matchers import Expected
from evoflux.bench.report import write_report
from evoflux.bench.results import failure_tables
from evoflux.bench.run_folder import load_run
from evoflux.bench.runner import StrategySpec, Unit, record_of
from evoflux.bench.tasks import Task
from evoflux.cli import app
from evoflux.environment import ToolEnvironment
from evoflux.execute.outcome import Execution, NodeOutcome, NodeStatus
from evoflux.llm import ScriptedChat
from evoflux.scoring.budget import Budget
from evoflux.search.loop import SearchSettings
from evoflux.solver import Cost, SolveResult, solve_with
from evoflux.strategy import FirstTry
from evoflux.workflow.issues import Issue, IssueCode
from evoflux.workflow.parse import parse_workflow
from tests.bench.test_report import row_of, write_run
from tests.support import bundled_config, distance_steps

TASK = Task("t1", "How far is Lisbon from Berlin in miles?", ("geo",), Expected("number", 1438.0), ("geo",))
WORKFLOW = parse_workflow(
    {
        "steps": [
            {"id": "n1", "tool": "geo:search_cities", "args": {"name": "Lisbon"}},
            {"id": "n2", "tool": "geo:get_city", "args": {"city_id": "$n1.cities[0].city_id"}},
        ],
        "answer": "{n2.name} is {n2.distance} miles away",
    }
)


def execution(
    n2: NodeStatus = NodeStatus.OK, error: str | None = None, answer: str = "1438 miles"
) -> Execution:
    """n1 ran; n2 ended with `n2` (and `error`); the answer ran only when n2 did."""
    outcomes = {
        "n1": NodeOutcome("n1", NodeStatus.OK, output={"cities": [{"city_id": "CTY-1"}]}),
        "n2": NodeOutcome("n2", n2, output={"name": "Lisbon"} if n2 is NodeStatus.OK else None, error=error),
        "answer": NodeOutcome("answer", NodeStatus.OK, output=answer)
        if n2 is NodeStatus.OK
        else NodeOutcome("answer", NodeStatus.SKIPPED, error="an input failed"),
    }
    return Execution(WORKFLOW, outcomes, 0.1, 2)


def issue(code: IssueCode) -> Issue:
    return Issue(code, "n2", "city_id", f"{code} here", "fix it")


def first_try(issues: list[Issue], run: Execution | None) -> dict[str, Any]:
    first = FirstTry()
    first.note(issues, run)
    assert first.summary is not None
    return first.summary


def record(
    answer: str,
    *,
    run: Execution | None,
    issues: tuple[Issue, ...] = (),
    first: dict[str, Any] | None = None,
    strategy: str = "evoflux",
    task: Task = TASK,
    unverified: tuple[str, ...] = (),
    error: str | None = None,
) -> dict[str, Any]:
    result = SolveResult(
        task=task.query,
        strategy=strategy,
        answer=answer,
        workflow=run.workflow if run is not None else None,
        issues=list(issues),
        execution=run,
        tools_shown=["geo:search_cities", "geo:get_city"],
        cost=Cost(1, 100, 10, 2, 1.0),
        error=error,
        search={"stop": "budget", **({"first": first} if first is not None else {})},
        unverified=unverified,
    )
    return json.loads(json.dumps(record_of(Unit(StrategySpec.parse(strategy), 0, task), result, {})))


def failed_step(status: NodeStatus, error: str) -> Execution:
    return execution(status, error)


END_CASES = {
    "no plan": (dict(run=None, error="the model wrote no usable workflow"), (Mode.PLANNING,)),
    "no tool steps": (dict(run=execution(), issues=(issue(IssueCode.NO_TOOL_STEPS),)), (Mode.PLANNING, Mode.WRONG)),
    "left out": (dict(run=execution(), unverified=("'Berlin' reaches no step",)), (Mode.PLANNING, Mode.WRONG)),
    "unknown tool issue": (
        dict(
            run=failed_step(NodeStatus.TOOL_ERROR, "unknown tool geo:get_town: the catalog has no such tool"),
            issues=(issue(IssueCode.UNKNOWN_TOOL),),
        ),
        (Mode.UNKNOWN_TOOL,),
    ),
    "unknown argument": (dict(run=execution(), issues=(issue(IssueCode.UNKNOWN_ARG),)), (Mode.ARGUMENT_NAME, Mode.WRONG)),
    "missing argument rejected": (
        dict(run=failed_step(NodeStatus.SCHEMA_REJECTED, "missing required argument 'city_id' of geo:get_city")),
        (Mode.ARGUMENT_NAME,),
    ),
    "server says field required": (
        dict(run=failed_step(NodeStatus.SCHEMA_REJECTED, "1 validation error for get_city\ncity_id\n  Field required")),
        (Mode.ARGUMENT_NAME,),
    ),
    "enum issue": (
        dict(
            run=failed_step(NodeStatus.SCHEMA_REJECTED, "argument unit is 'mil', which is not an allowed value"),
            issues=(issue(IssueCode.ARG_ENUM),),
        ),
        (Mode.ARGUMENT_VALUE,),
    ),
    "error as text": (dict(run=failed_step(NodeStatus.TOOL_ERROR, "Database error: no such column: nme")), (Mode.ARGUMENT_VALUE,)),
    "dangling reference": (dict(run=execution(), issues=(issue(IssueCode.REF_MISSING_NODE),)), (Mode.WIRING, Mode.WRONG)),
    "unresolved path": (
        dict(run=failed_step(NodeStatus.UNRESOLVED_REF, "n1 has no field cities[0].id")),
        (Mode.WIRING,),
    ),
    "timeout": (dict(run=failed_step(NodeStatus.TIMEOUT, "no reply in 30 s")), (Mode.SERVER,)),
    "server down": (dict(run=failed_step(NodeStatus.SERVER_DOWN, "geo: did not start")), (Mode.SERVER,)),
    "refused connection": (dict(run=failed_step(NodeStatus.TOOL_ERROR, "Connection refused by upstream")), (Mode.SERVER,)),
    "wrong answer": (dict(run=execution(answer="1000 miles")), (Mode.WRONG,)),
}  # fmt: skip


@pytest.mark.parametrize("name", END_CASES)
def test_each_failed_run_is_classified_from_its_end(name):
    fields, modes = END_CASES[name]
    data = record("It is 1000 miles.", **fields)
    assert data["success"] is False
    audited = audit_record(data)
    assert audited is not None and not audited.succeeded
    assert audited.end == modes
    assert audited.first is None if fields["run"] is not None else audited.first == modes


def test_every_issue_code_has_a_mode_and_every_mode_a_case():
    from evoflux.bench.failure_modes import ISSUE_MODES

    assert set(ISSUE_MODES) == set(IssueCode)
    assert {m for _, modes in END_CASES.values() for m in modes} == set(MODES)


def test_the_primary_mode_is_the_earliest_in_the_data_path():
    run = failed_step(NodeStatus.TIMEOUT, "no reply in 30 s")
    audited = audit_record(
        record("-", run=run, issues=(issue(IssueCode.ARG_ENUM), issue(IssueCode.UNKNOWN_TOOL)))
    )
    assert audited is not None
    assert audited.end == (Mode.UNKNOWN_TOOL, Mode.ARGUMENT_VALUE, Mode.SERVER)
    assert step_mode("skipped_by_new_status", "it failed") is Mode.ARGUMENT_VALUE


def test_a_repaired_run_recovered_from_what_its_first_try_showed():
    rejected = failed_step(
        NodeStatus.SCHEMA_REJECTED, "argument unit is 'mil', which is not an allowed value"
    )
    first = first_try([issue(IssueCode.ARG_ENUM)], rejected)
    assert first["issues"] == ["arg_enum"] and first["failed"][0]["status"] == "schema_rejected"
    repaired = audit_record(record("It is 1438 miles.", run=execution(), first=first))
    assert repaired is not None and repaired.succeeded and repaired.repaired
    assert repaired.first == (Mode.ARGUMENT_VALUE,) and repaired.end == ()
    # a first try that ran and answered in a run that succeeded shows nothing
    clean = audit_record(record("It is 1438 miles.", run=execution(), first=first_try([], execution())))
    assert clean is not None and clean.first == () and not clean.repaired
    # a first try that ran end to end but wrote no answer is unanswered, even when the run recovered
    unanswered = first_try([], execution(answer=None))  # type: ignore[arg-type]
    assert unanswered["answered"] is False
    late = audit_record(record("It is 1438 miles.", run=execution(), first=unanswered))
    assert late is not None and late.first == (Mode.WRONG,)


def test_counts_first_and_at_end_with_the_recovered_share():
    enum_first = first_try(
        [issue(IssueCode.ARG_ENUM)],
        failed_step(NodeStatus.SCHEMA_REJECTED, "argument unit is 'mil', which is not an allowed value"),
    )
    items = [
        record("It is 1438 miles.", run=execution(), first=enum_first),  # repaired
        record("It is 900 miles.", run=execution(answer="900"), first=enum_first),  # enum fixed, still wrong
        record(
            "-", run=failed_step(NodeStatus.TIMEOUT, "no reply"), first=enum_first
        ),  # enum, then a timeout
        record("It is 1438 miles.", run=execution(), first=first_try([], execution())),  # clean
        record("-", run=None, error="no plan", strategy="zero-shot"),
        {**record("-", run=None, strategy="zero-shot"), "status": "failed", "result": None},
    ]
    evoflux, zero_shot = audit(items, ["evoflux", "zero-shot"])
    assert (evoflux.runs, evoflux.failed, evoflux.repaired, evoflux.first_known) == (4, 2, 1, 4)
    counts = {c.mode: (c.first, c.first_primary, c.end, c.end_primary, c.recovered) for c in evoflux.modes}
    assert counts == {
        Mode.ARGUMENT_VALUE: (3, 3, 0, 0, 1),
        Mode.SERVER: (0, 0, 1, 1, 0),
        Mode.WRONG: (0, 0, 1, 1, 0),
    }
    assert (zero_shot.runs, zero_shot.unclassified) == (1, 1)
    assert [(c.mode, c.first, c.end) for c in zero_shot.modes] == [(Mode.PLANNING, 1, 1)]


def report_records() -> list[dict[str, Any]]:
    enum_first = first_try(
        [issue(IssueCode.ARG_ENUM)],
        failed_step(NodeStatus.SCHEMA_REJECTED, "argument unit is 'mil', which is not an allowed value"),
    )
    tagged = Task(
        "t2", "Lisbon?", ("geo",), Expected("number", 1438.0), ("geo", "split:heldout", "server:geo")
    )
    dev = Task("t1", TASK.query, ("geo",), TASK.expected, ("split:dev", "server:geo"))
    return [
        record("It is 1438 miles.", run=execution(), first=enum_first, task=dev),
        record("It is 1438 miles.", run=execution(), first=enum_first, task=tagged),
        record("-", run=None, error="no plan", strategy="zero-shot", task=dev),
        record(
            "It is 1438 miles.", run=execution(), strategy="zero-shot", task=tagged
        ),  # no first try recorded
    ]


def test_report_has_the_failure_modes_of_each_strategy(tmp_path):
    folder = write_run(tmp_path / "run", report_records())
    text = write_report([folder]).markdown.read_text()
    section = text[text.index("## Failure modes") :]
    assert "2 runs: 0 failed, 2 repaired; first try recorded for 2." in section
    assert (
        row_of(section, "bad argument value or type")
        == "| bad argument value or type | 2 | 2 | 0 | 0 | 2/2 (100%) |"
    )
    zero_shot = section[section.index("### zero-shot") :]
    assert "first try recorded for 1 (the other 1 from their end only)" in zero_shot
    assert row_of(zero_shot, "planning failure") == "| planning failure | 1 | 1 | 1 | 1 | 0/1 (0%) |"


def test_records_without_results_get_no_failure_section(tmp_path):
    from tests.bench.test_report import records

    folder = write_run(tmp_path / "run", records())
    text = write_report([folder]).markdown.read_text()
    assert "## Failure modes" not in text
    assert failure_tables(load_run(folder)) == []


def test_split_and_server_tags_get_their_own_tables(tmp_path):
    folder = write_run(tmp_path / "run", report_records())
    text = write_report([folder]).markdown.read_text()
    assert (
        text.index("## Results by split")
        < text.index("## Results by server")
        < text.index("## Failure modes")
    )
    split = text[text.index("## Results by split") : text.index("## Results by server")]
    assert (
        row_of(split, "dev | evoflux")
        == "| dev | evoflux | 1 | 100.0 [100.0, 100.0] | 100.0 [100.0, 100.0] |"
    )
    assert row_of(split, "dev | zero-shot") == "| dev | zero-shot | 1 | 0.0 [0.0, 0.0] | 0.0 [0.0, 0.0] |"
    assert row_of(split, "heldout | zero-shot").startswith("| heldout | zero-shot | 1 | 100.0 [")
    server = text[text.index("## Results by server") : text.index("## Failure modes")]
    assert (
        row_of(server, "geo | zero-shot") == "| geo | zero-shot | 2 | 50.0 [0.0, 100.0] | 50.0 [0.0, 100.0] |"
    )
    tags = text[text.index("## Success by tag") : text.index("## Results by split")]
    assert row_of(tags, "geo") == "| geo | 100.0 (n=1) | 100.0 (n=1) |"  # only t2 has the plain tag
    assert "split:" not in tags and "(untagged)" not in tags


def test_cli_report_prints_the_failure_modes(tmp_path):
    folder = write_run(tmp_path / "run", report_records())
    result = CliRunner().invoke(app, ["report", str(folder)], catch_exceptions=False, terminal_width=160)
    assert result.exit_code == 0, result.output
    assert "failure modes: evoflux" in result.output and "failure modes: zero-shot" in result.output
    line = next(line for line in result.output.splitlines() if "bad argument value" in line)
    assert "2/2 (100%)" in line


def test_failure_tables_escape_strategy_names(tmp_path):
    items = [{**r, "strategy": "[bold]x[/bold]"} for r in report_records()[:1]]
    console = Console(record=True, width=160)
    for table in failure_tables(load_run(write_run(tmp_path / "run", items, settings=None))):
        console.print(table)
    assert "failure modes: [bold]x[/bold]" in console.export_text()


# ---------------------------------------------------------------- what the strategies record


@pytest.mark.anyio
@pytest.mark.parametrize("strategy", ["zero-shot", "evoflux"])
async def test_every_planning_strategy_records_its_first_try(strategy):
    """The plan misspells a unit: the first try is rejected; evoflux's rules repair it, zero-shot keeps it."""
    plan = json.dumps({"steps": distance_steps("Lisbon", "Berlin", "mil"), "answer": "{n3.distance} miles"})
    client = ScriptedChat(plan, respond=lambda call: json.dumps({"answer": "About that [n3]."}))
    async with ToolEnvironment(bundled_config("geo")) as env:
        result = await solve_with(
            TASK.query,
            env,
            client,
            strategy=strategy,
            servers=["geo"],
            budget=Budget(model_calls=3, seconds=3600),
            settings=SearchSettings(initial=1, model_edits=False, redesign=False),
        )
    assert result.search is not None
    first = result.search["first"]
    assert first["issues"] == ["arg_enum"] and not first["executed"] and first["ran"]
    assert [f["status"] for f in first["failed"]] == ["schema_rejected"]
    assert "not an allowed value" in first["failed"][0]["error"]
    assert result.executed is (strategy == "evoflux")
