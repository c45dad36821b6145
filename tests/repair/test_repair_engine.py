"""The repair loop: rounds until nothing changes, given issues, recorded edits and refusals."""

from __future__ import annotations

from repair_helpers import errors, flow, ops

from evoflux.repair import engine, repair_workflow
from evoflux.workflow import IssueCode
from evoflux.workflow.edits import EditOp
from evoflux.workflow.paths import EditError

BROKEN = (
    {"id": "n1", "tool": "convert_lenght", "args": {"value": "42", "from": "kilometers", "to": "miles"}},
    {"id": "answer", "answer": "{n1}"},
)


def test_a_sound_workflow_is_returned_as_is(bundled):
    wf = flow(
        bundled,
        {"id": "n1", "tool": "weather:search_stations", "args": {"city": "Oslo"}},
        {"id": "answer", "answer": "{n1}"},
    )
    result = repair_workflow(wf, bundled)
    assert result.workflow == wf and result.edits == () and not result.changed
    assert result.remaining == []


def test_rounds_continue_while_each_one_uncovers_more(bundled):
    one_round = repair_workflow(flow(bundled, *BROKEN), bundled, max_rounds=1)
    assert ops(one_round) == [EditOp.SWAP_TOOL]  # its arguments are checked only once the tool is known
    assert {i.code for i in errors(one_round)} == {IssueCode.ARG_TYPE, IssueCode.ARG_ENUM}
    full = repair_workflow(flow(bundled, *BROKEN), bundled)
    assert ops(full) == [EditOp.SWAP_TOOL, EditOp.SET_ARG, EditOp.SET_ARG, EditOp.SET_ARG]
    assert errors(full) == []


def test_given_issues_stand_in_for_the_first_check(bundled):
    result = repair_workflow(flow(bundled, *BROKEN), bundled, issues=[])
    assert result.edits == () and result.remaining == []


def test_edits_are_recorded_with_reasons_for_traces(bundled):
    result = repair_workflow(flow(bundled, *BROKEN, task="Convert 42 km to miles"), bundled)
    trace = result.to_json()
    assert [e["op"] for e in trace["edits"]] == ["swap_tool", "set_arg", "set_arg", "set_arg"]
    assert all(e["reason"] and e["source"] == "rule" for e in trace["edits"])
    assert trace["remaining"] == [] and trace["declined"] == []


def test_a_refused_edit_is_recorded_not_raised(bundled, monkeypatch):
    def refuses(workflow, issue, catalog, context):
        raise EditError("would put n1 on a dependency cycle")

    monkeypatch.setitem(engine.ISSUE_RULES, IssueCode.UNKNOWN_TOOL, (refuses,))
    result = repair_workflow(flow(bundled, *BROKEN), bundled)
    assert result.edits == ()
    assert result.declined == (
        f"test_repair_engine.refuses on {errors(result)[0]}: would put n1 on a dependency cycle",
    )
