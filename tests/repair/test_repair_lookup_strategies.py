"""The lookup strategies: tried in their table's order over one state, the first that answers wins."""

from __future__ import annotations

from repair_helpers import flow, rejected

from evoflux.execute.outcome import NodeStatus
from evoflux.repair import lookup_strategies
from evoflux.repair.context import RepairContext
from evoflux.repair.lookup_strategies import (
    STRATEGIES,
    LookupState,
    bridge_misread_id,
    look_up,
    reread_misread_step,
)
from evoflux.workflow.glue import with_pseudo_tools


def _misread_city_id(bundled) -> LookupState:
    """`station_id` read from a city's `city_id`: the city's coordinates fill `nearest_station`, and its id
    could also be bridged through `get_city`."""
    wf = flow(
        bundled,
        {"id": "n1", "tool": "geo:get_city", "args": {"city_id": "CTY-0029"}},
        {
            "id": "n2",
            "tool": "weather:current_conditions",
            "args": {"station_id": {"$ref": "n1", "path": "city_id"}},
        },
        task="What's the temperature right now in Seoul?",
    )
    city = {"city_id": "CTY-0029", "name": "Seoul", "lat": 37.57, "lon": 126.98}
    run = rejected(wf, "n2", {"station_id": "CTY-0029"}, n1=(NodeStatus.OK, city))
    catalog = with_pseudo_tools(bundled)
    node = wf.node("n2")
    return LookupState(
        workflow=wf,
        node=node,
        spec=catalog.get(node.server, node.tool),
        at=("station_id",),
        catalog=catalog,
        context=RepairContext(wf.task, run),
        misread=wf.node("n1"),
    )


def _added_tools(fix) -> list[str]:
    edits = fix[1] if isinstance(fix[1], tuple) else (fix[1],)
    return [edit.after["tool"] for edit in edits]


def test_the_earlier_of_two_strategies_that_answer_wins(bundled):
    state = _misread_city_id(bundled)
    reread, bridged = reread_misread_step(state), bridge_misread_id(state)
    assert _added_tools(reread) == ["weather:nearest_station"]
    assert _added_tools(bridged) == ["geo:get_city", "weather:nearest_station"]
    assert STRATEGIES.index(reread_misread_step) < STRATEGIES.index(bridge_misread_id)
    assert _added_tools(look_up(state)) == ["weather:nearest_station"]


def test_look_up_stops_at_the_first_answer(bundled, monkeypatch):
    state = _misread_city_id(bundled)
    tried = []
    answer = (state.workflow, ())

    def strategy(name, fix):
        def attempt(given):
            assert given is state
            tried.append(name)
            return fix

        return attempt

    table = (strategy("none", None), strategy("first", answer), strategy("second", (state.workflow, ())))
    monkeypatch.setattr(lookup_strategies, "STRATEGIES", table)
    assert look_up(state) is answer
    assert tried == ["none", "first"]
