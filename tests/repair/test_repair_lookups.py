"""Invented ids: bound to an upstream output when one has them, else a lookup step is added and bound."""

from __future__ import annotations

from repair_helpers import errors, executed, flow, ops, rejected, repaired

from evoflux.execute.outcome import NodeStatus
from evoflux.repair import repair_workflow
from evoflux.request.checks import made_up_ids
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


def test_an_id_read_from_the_wrong_field_is_looked_up_with_the_misread_steps_inputs(bundled):
    wf = flow(
        bundled,
        {"id": "n1", "tool": "calendar:get_timezone", "args": {"city": "Berlin", "country_code": "DE"}},
        {
            "id": "n2",
            "tool": "weather:current_conditions",
            "args": {"station_id": {"$ref": "n1", "path": "timezone"}},
        },
        {"id": "n3", "tool": "calendar:get_timezone", "args": {"city": "Paris", "country_code": "FR"}},
        {"id": "answer", "answer": "{n2.temperature}"},
        task="Which is colder at the moment, Berlin or Paris?",
    )
    run = rejected(
        wf,
        "n2",
        {"station_id": "Europe/Berlin"},
        n1=(NodeStatus.OK, {"city": "Berlin", "timezone": "Europe/Berlin"}),
        n3=(NodeStatus.OK, {"city": "Paris", "timezone": "Europe/Paris"}),
    )
    result = repair_workflow(wf, bundled, execution=run)
    added = result.edits[0]
    new = result.workflow.node(added.node)
    assert (new.tool_key, new.args) == ("weather:search_stations", {"city": "Berlin"})
    assert "wrong kind of id" in added.reason
    assert result.workflow.node("n2").args["station_id"] == Ref(new.id, ("stations", 0, "station_id"))


def test_a_misread_city_id_is_looked_up_from_the_citys_coordinates(bundled):
    wf = flow(
        bundled,
        {"id": "n0", "tool": "geo:get_country", "args": {"country_code": "KR"}},
        {"id": "n1", "tool": "geo:get_city", "args": {"city_id": {"$ref": "n0", "path": "capital_city_id"}}},
        {
            "id": "n2",
            "tool": "weather:current_conditions",
            "args": {"station_id": {"$ref": "n1", "path": "city_id"}},
        },
        task="What's the temperature right now in the capital of South Korea?",
    )
    country = {"country_code": "KR", "capital_city_id": "CTY-0029"}
    city = {"city_id": "CTY-0029", "name": "Seoul", "lat": 37.57, "lon": 126.98}
    run = rejected(
        wf, "n2", {"station_id": "CTY-0029"}, n0=(NodeStatus.OK, country), n1=(NodeStatus.OK, city)
    )
    result = repair_workflow(wf, bundled, execution=run)
    assert len(result.edits) == 1
    new = result.workflow.node(result.edits[0].node)
    assert new.tool_key == "weather:nearest_station"  # filled from n1 alone, before a guess from the task
    assert new.args == {"lat": Ref("n1", ("lat",)), "lon": Ref("n1", ("lon",))}
    assert result.workflow.node("n2").args["station_id"] == Ref(new.id, ("station", "station_id"))


def test_a_rejection_of_another_argument_is_no_reason_to_look_up(bundled):
    wf = flow(
        bundled,
        {"id": "n1", "tool": "weather:search_stations", "args": {"city": "Oslo"}},
        {
            "id": "n2",
            "tool": "weather:forecast",
            "args": {"station_id": {"$ref": "n1", "path": "stations[0].station_id"}, "days": 99},
        },
    )
    stations = {"stations": [{"station_id": "WX-OSL-01"}]}
    run = rejected(wf, "n2", {"station_id": "WX-OSL-01", "days": 99}, n1=(NodeStatus.OK, stations))
    assert [e for e in repair_workflow(wf, bundled, execution=run).edits if e.op is EditOp.ADD_STEP] == []


def test_an_invented_id_inside_a_list_of_objects_is_looked_up_and_bound_there(bundled):
    result = repaired(
        bundled,
        {
            "id": "n1",
            "tool": "shop:compute_order_total",
            "args": {"items": [{"product_id": " espresso machine", "quantity": 1}], "currency": "JPY"},
        },
        {"id": "answer", "answer": "{n1.total}"},
        task="How much is an espresso machine in Japanese yen?",
    )
    added = result.edits[0]
    new = result.workflow.node(added.node)
    assert (new.tool_key, new.args) == ("shop:search_products", {"query": "espresso machine"})
    assert "items[0].product_id" in added.reason
    item = result.workflow.node("n1").args["items"][0]
    assert item == {"product_id": Ref(new.id, ("products", 0, "product_id")), "quantity": 1}
    assert errors(result) == []


def test_a_missing_id_inside_a_list_is_looked_up_from_a_quoted_name(bundled):
    lookup = repaired(
        bundled,
        {"id": "n1", "tool": "shop:compute_order_total", "args": {"items": [{"quantity": 2}]}},
        task='Price two "Dual Boiler Espresso Machine"',
    )
    new = lookup.workflow.node(lookup.edits[0].node)
    assert (new.tool_key, new.args) == ("shop:search_products", {"query": "Dual Boiler Espresso Machine"})
    assert lookup.workflow.node("n1").args["items"][0]["product_id"] == Ref(
        new.id, ("products", 0, "product_id")
    )


def test_a_misread_id_is_bridged_to_a_lookup_through_the_tool_that_takes_it(bundled):
    wf = flow(
        bundled,
        {"id": "n1", "tool": "geo:get_country", "args": {"country_code": "JP"}},
        {
            "id": "n2",
            "tool": "weather:current_conditions",
            "args": {"station_id": {"$ref": "n1", "path": "capital_city_id"}, "units": "imperial"},
        },
        {"id": "answer", "answer": "{n2.temperature}"},
        task="How warm is the capital of Japan at the moment, in degrees Fahrenheit?",
    )
    country = {"country_code": "JP", "capital_city_id": "CTY-0026", "capital_name": "Tokyo"}
    run = rejected(wf, "n2", {"station_id": "CTY-0026", "units": "imperial"}, n1=(NodeStatus.OK, country))
    result = repair_workflow(wf, bundled, execution=run)
    first, second = (result.workflow.node(e.node) for e in result.edits[:2])
    assert (first.tool_key, first.args) == ("geo:get_city", {"city_id": Ref("n1", ("capital_city_id",))})
    assert second.tool_key == "weather:nearest_station"
    assert second.args == {"lat": Ref(first.id, ("lat",)), "lon": Ref(first.id, ("lon",))}
    assert result.workflow.node("n2").args["station_id"] == Ref(second.id, ("station", "station_id"))
    assert "geo:get_city turns 'CTY-0026' into lat, lon" in result.edits[0].reason
    assert errors(result) == []


def test_no_bridge_when_no_tool_takes_the_misread_value(bundled):
    wf = flow(
        bundled,
        {"id": "n1", "tool": "geo:get_country", "args": {"country_code": "KR"}},
        {"id": "n2", "tool": "weather:current_conditions", "args": {"station_id": "$n1.currency"}},
        task="What's the temperature right now in the capital of South Korea?",
    )
    run = rejected(wf, "n2", {"station_id": "KRW"}, n1=(NodeStatus.OK, {"currency": "KRW"}))
    added = [
        e.after["tool"] for e in repair_workflow(wf, bundled, execution=run).edits if e.op is EditOp.ADD_STEP
    ]
    assert added == ["weather:search_stations"]  # only the guess from the task's place, no bridge


def test_an_invented_id_naming_a_place_of_the_task_is_looked_up_by_that_name(bundled):
    wf = flow(
        bundled,
        {"id": "n1", "tool": "geo:get_country", "args": {"country_code": "JP"}},
        {
            "id": "n2",
            "tool": "geo:distance_between",
            "args": {"city_id_a": "OSLO", "city_id_b": "$n1.capital_city_id", "unit": "kilometer"},
        },
        {"id": "answer", "answer": "{n2.distance}"},
        task="How far is it from Oslo to the capital of Japan?",
    )
    japan = {"country_code": "JP", "name": "Japan", "capital_city_id": "CTY-0026", "capital_name": "Tokyo"}
    result = repair_workflow(wf, bundled, execution=executed(wf, n1=(NodeStatus.OK, japan)))
    bound = result.workflow.node("n2").args["city_id_a"]
    assert bound != Ref("n1", ("capital_city_id",))  # Japan's capital is not Oslo
    new = result.workflow.node(bound.node)
    assert (new.tool_key, new.args) == ("geo:search_cities", {"name": "Oslo"})


def test_the_task_spelling_of_an_invented_name():
    from evoflux.repair.lookups import task_spelling

    assert task_spelling("OSLO", "From Oslo to Tokyo") == "Oslo"
    assert task_spelling("new_york", "Flights from New York?") == "New York"
    assert task_spelling("CTY-0001", "From Oslo") is None
    assert task_spelling("Bergen", "From Oslo") is None


def test_a_made_up_id_is_looked_up_from_the_one_step_that_offers_the_lookups_inputs(bundled):
    wf = flow(
        bundled,
        {"id": "n1", "tool": "geo:search_cities", "args": {"name": "Reykjavik"}},
        {"id": "n2", "tool": "geo:get_country", "args": {"country_code": "NO"}},
        {"id": "n3", "tool": "weather:current_conditions", "args": {"station_id": "WX-OSL-01"}},
        {"id": "answer", "answer": "{n3.temperature} {n2.name} {n1.cities[0].name}"},
        task="How far is Reykjavik from the capital of Norway, and how cold is it in Reykjavik right now?",
    )
    reykjavik = {"cities": [{"city_id": "CTY-0025", "name": "Reykjavik", "lat": 64.1466, "lon": -21.9426}]}
    norway = {"country_code": "NO", "capital_city_id": "CTY-0001"}
    run = executed(wf, n1=(NodeStatus.OK, reykjavik), n2=(NodeStatus.OK, norway))
    result = repair_workflow(wf, bundled, execution=run)
    new = result.workflow.node(result.edits[0].node)
    assert new.tool_key == "weather:nearest_station"  # the task names two places: no guess from its text
    assert new.args == {"lat": Ref("n1", ("cities", 0, "lat")), "lon": Ref("n1", ("cities", 0, "lon"))}
    assert result.workflow.node("n3").args["station_id"] == Ref(new.id, ("station", "station_id"))


def test_an_id_that_fails_its_pattern_is_searched_for_by_the_requests_unused_name(bundled):
    """The coupon code given as the product id: no product is called "COFFEE15", so the search is for the
    one name the request gives that no step used; a made-up id that fits its pattern is not guessed at."""
    task = "Price three Gooseneck Electric Kettles with the COFFEE15 coupon, shipping included."
    order = {
        "id": "n1",
        "tool": "shop:compute_order_total",
        "args": {"items": [{"product_id": "COFFEE15", "quantity": 3}], "coupon_code": "COFFEE15"},
    }
    result = repaired(bundled, order, {"id": "answer", "answer": "{n1.total}"}, task=task)
    new = result.workflow.node(result.edits[0].node)
    assert (new.tool_key, new.args) == ("shop:search_products", {"query": "Gooseneck Electric Kettles"})
    assert result.workflow.node("n1").args["items"][0]["product_id"] == Ref(
        new.id, ("products", 0, "product_id")
    )
    fitting = {**order, "args": {**order["args"], "items": [{"product_id": "P-9999", "quantity": 3}]}}
    assert EditOp.ADD_STEP not in ops(repaired(bundled, fitting, task=task))


def test_a_name_with_a_model_number_is_searched_for_whole(bundled):
    result = repaired(
        bundled,
        {"id": "n1", "tool": "shop:get_product", "args": {"product_id": "P-2020-11"}},
        task="I moved to Norway. How much is the Tablet 11 Pro in my local currency now?",
    )
    new = result.workflow.node(result.edits[0].node)
    assert (new.tool_key, new.args) == ("shop:search_products", {"query": "Tablet 11 Pro"})
