"""Invented ids: bound to an upstream output when one has them, else a lookup step is added and bound."""

from __future__ import annotations

from repair_helpers import errors, executed, flow, ops, repaired

from evoflux.execute.outcome import NodeStatus
from evoflux.repair import repair_workflow
from evoflux.repair.lookups import made_up_ids
from evoflux.workflow import IssueCode, Ref
from evoflux.workflow.edits import EditOp


def test_an_invented_station_id_gets_a_station_search_from_the_task(bundled):
    result = repaired(
        bundled,
        {"id": "n1", "tool": "weather:forecast", "args": {"station_id": "WX-MAD", "days": 3}},
        {"id": "n2", "tool": "weather:current_conditions", "args": {"station_id": "WX-MAD"}},
        {"id": "answer", "answer": "{n1.days} {n2.temperature}"},
        task="What is the weather like in Madrid now and for the next 3 days?",
    )
    wf = result.workflow
    added = result.edits[0]
    assert added.op is EditOp.ADD_STEP and "WX-MAD" in added.reason
    new = wf.node(added.node)
    assert (new.tool_key, new.args) == ("weather:search_stations", {"city": "Madrid"})
    for consumer in ("n1", "n2"):
        assert wf.node(consumer).args["station_id"] == Ref(new.id, ("stations", 0, "station_id"))
    assert wf.ids.index(new.id) < wf.ids.index("n1")
    assert errors(result) == []


def test_an_invented_id_written_as_plain_words_is_the_search_text(bundled):
    result = repaired(
        bundled,
        {"id": "n1", "tool": "library:get_paper", "args": {"paper_id": "attention is all you need"}},
        {"id": "answer", "answer": "{n1.title}"},
    )
    new = result.workflow.node(result.edits[0].node)
    assert (new.tool_key, new.args) == ("library:search_papers", {"query": "attention is all you need"})
    assert result.workflow.node("n1").args["paper_id"] == Ref(new.id, ("papers", 0, "paper_id"))


def test_an_invented_paper_id_with_a_quoted_title_in_the_task(bundled):
    result = repaired(
        bundled,
        {"id": "n1", "tool": "library:format_citation", "args": {"paper_id": "PAP-2021-001", "style": "apa"}},
        task='Cite the paper "graph neural networks" in APA style',
    )
    new = result.workflow.node(result.edits[0].node)
    assert new.args == {"query": "graph neural networks"}
    assert errors(result) == []


def test_an_upstream_step_that_has_the_id_is_used_instead(bundled):
    result = repaired(
        bundled,
        {"id": "n1", "tool": "geo:search_cities", "args": {"name": "Lisbon"}},
        {"id": "n2", "tool": "geo:get_city", "args": {"city_id": "CTY-LIS"}},
    )
    assert ops(result) == [EditOp.SET_ARG]
    assert result.workflow.node("n2").args["city_id"] == Ref("n1", ("cities", 0, "city_id"))


def test_a_missing_id_gets_a_lookup_too(bundled):
    result = repaired(
        bundled,
        {"id": "n1", "tool": "geo:nearest_cities", "args": {"limit": 3}},
        task="Which cities are closest to Porto?",
    )
    new = result.workflow.node(result.edits[0].node)
    assert (new.tool_key, new.args) == ("geo:search_cities", {"name": "Porto"})
    assert errors(result) == []


def test_no_lookup_when_its_input_cannot_be_filled(bundled):
    result = repaired(
        bundled,
        {"id": "n1", "tool": "weather:forecast", "args": {"station_id": "WX-MAD"}},
        task="What will the weather be like there?",
    )
    assert ops(result) == []
    assert [i.code for i in errors(result)] == [IssueCode.ARG_PATTERN]


def test_no_lookup_from_a_bare_listing(bundled):
    result = repaired(
        bundled,
        {
            "id": "n1",
            "tool": "shop:get_inventory",
            "args": {"product_id": "P-1001", "warehouse_id": "WH-OSAKA"},
        },
        task="How many are in stock at the Osaka depot?",
    )
    assert ops(result) == []  # list_warehouses takes no filter: its first item would be a guess
    assert errors(result, IssueCode.ARG_PATTERN)


def test_a_server_saying_the_id_is_unknown_triggers_the_lookup(bundled):
    wf = flow(
        bundled,
        {"id": "n1", "tool": "weather:current_conditions", "args": {"station_id": "WX-MAD-99"}},
        {"id": "answer", "answer": "{n1.temperature}"},
        task="Current temperature in Madrid?",
    )
    error = "Unknown station_id 'WX-MAD-99'. Find station ids with search_stations(city=...)."
    run = executed(wf, n1=(NodeStatus.TOOL_ERROR, error), answer=(NodeStatus.SKIPPED, "skipped"))
    result = repair_workflow(wf, bundled, execution=run)
    new = result.workflow.node(result.edits[0].node)
    assert (new.tool_key, new.args) == ("weather:search_stations", {"city": "Madrid"})
    assert result.workflow.node("n1").args["station_id"] == Ref(new.id, ("stations", 0, "station_id"))
    stated = "Current temperature at WX-MAD-99 in Madrid?"
    assert repair_workflow(wf, bundled, task=stated).edits == ()  # without the error nothing looks wrong


def test_an_id_nothing_supports_is_looked_up_before_any_run(bundled):
    result = repaired(
        bundled,
        {"id": "n1", "tool": "weather:current_conditions", "args": {"station_id": "WX-OSL-01"}},
        {"id": "answer", "answer": "{n1.wind_speed}"},
        task="How strong is the wind in Reykjavik right now?",
    )
    new = result.workflow.node(result.edits[0].node)
    assert (new.tool_key, new.args) == ("weather:search_stations", {"city": "Reykjavik"})
    assert "WX-OSL-01" in result.edits[0].reason
    assert result.workflow.node("n1").args["station_id"] == Ref(new.id, ("stations", 0, "station_id"))


def test_an_id_the_task_states_or_a_step_returned_is_not_made_up(bundled):
    stated = flow(
        bundled,
        {"id": "n1", "tool": "weather:current_conditions", "args": {"station_id": "WX-OSL-01"}},
        task="What is it like at station WX-OSL-01 in Reykjavik?",
    )
    assert repair_workflow(stated, bundled).edits == ()
    copied = flow(
        bundled,
        {"id": "n1", "tool": "weather:search_stations", "args": {"city": "Reykjavik"}},
        {"id": "n2", "tool": "weather:current_conditions", "args": {"station_id": "WX-REK-01"}},
        task="How windy is it in Reykjavik?",
    )
    run = executed(
        copied,
        n1=(NodeStatus.OK, {"stations": [{"station_id": "WX-REK-01"}]}),
        n2=(NodeStatus.OK, {"wind_speed": 4}),
    )
    spec = bundled.get("weather", "current_conditions")
    assert made_up_ids(copied.node("n2"), spec, copied.task, [run.outcomes["n1"].output]) == []
    assert made_up_ids(copied.node("n2"), spec, copied.task, []) == ["station_id"]


def test_a_failure_of_another_kind_is_no_reason_to_look_up(bundled):
    wf = flow(
        bundled, {"id": "n1", "tool": "weather:current_conditions", "args": {"station_id": "WX-MAD-01"}}
    )
    run = executed(wf, n1=(NodeStatus.TOOL_ERROR, "upstream service timed out for WX-MAD-01"))
    assert repair_workflow(wf, bundled, execution=run).edits == ()
