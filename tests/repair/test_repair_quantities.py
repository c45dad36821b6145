"""Made-up quantities: a required number nothing states or returned, that a tool can look up, is looked up."""

from __future__ import annotations

from repair_helpers import errors, executed, flow, repaired

from evoflux.execute.outcome import NodeStatus
from evoflux.request.checks import made_up_quantities
from evoflux.workflow import Ref
from evoflux.workflow.edits import EditOp

QUOTE = {"id": "n1", "tool": "shop:get_shipping_quote", "args": {"weight_kg": 2, "destination_country": "CA"}}


def _made_up(catalog, node: dict, task: str, others=()) -> list[str]:
    wf = flow(catalog, node)
    return made_up_quantities(wf.node("n1"), catalog.get(*node["tool"].split(":")), task, others, catalog)


def test_a_weight_nobody_looked_up_is_made_up(bundled):
    task = "If I ship the Barista Pro 2 to Canada, what does shipping cost?"
    assert _made_up(bundled, QUOTE, task) == ["weight_kg"]


def test_a_weight_the_request_states_with_its_unit_is_not(bundled):
    assert _made_up(bundled, QUOTE, "What does shipping a 2 kg parcel to Canada cost?") == []
    assert _made_up(bundled, QUOTE, "What does shipping a parcel of 4 pounds to Canada cost?") == []


def test_a_number_inside_a_name_states_no_weight(bundled):
    """ "Pro 2" is a product's name, not its weight: a number counts only with a unit of the weight's kind."""
    assert _made_up(bundled, QUOTE, "Ship the Barista Pro 2 to Canada: the cost?") == ["weight_kg"]


def test_a_returned_number_is_not_made_up_even_rounded(bundled):
    node = {"id": "n1", "tool": "weather:nearest_station", "args": {"lat": 59.9, "lon": 11}}
    city = {"city_id": "CTY-0001", "lat": 59.9139, "lon": 10.7522}
    assert _made_up(bundled, node, "Weather in Oslo?", others=[{"cities": [city]}]) == ["lon"]
    assert _made_up(bundled, node, "Weather in Oslo?") == ["lat", "lon"]


def test_precise_values_are_recalled_not_made_up(bundled):
    node = {"id": "n1", "tool": "weather:nearest_station", "args": {"lat": 59.9139, "lon": 10.75}}
    assert _made_up(bundled, node, "Weather in Oslo?") == []


def test_a_duration_the_request_speaks_of_in_hours_is_stated(bundled):
    node = {
        "id": "n1",
        "tool": "calendar:find_free_slots",
        "args": {"calendar_id": "CAL-1", "date": "2026-03-20", "duration_minutes": 60},
    }
    assert _made_up(bundled, node, "Does the team have a free hour on Friday?") == []


def test_a_made_up_weight_is_read_from_the_product_the_request_names(bundled):
    """No product step at all: the product is searched by the name the request gives, its record read,
    and the weight bound to that record's weight."""
    task = "What would express shipping of the Barista Pro 2 to Canada cost me?"
    wf = flow(bundled, {**QUOTE, "args": {**QUOTE["args"], "speed": "express"}}, task=task)
    quote = {"weight_kg": 2.0, "price": 75.0, "destination_country": "CA", "currency": "EUR"}
    result = repaired(
        bundled,
        *({"id": n.id, "tool": n.tool_key, "args": n.args} for n in wf.tool_nodes),
        task=task,
        execution=executed(wf, n1=(NodeStatus.OK, quote)),
    )
    search, product = (result.workflow.node(edit.node) for edit in result.edits[:2])
    assert [edit.op for edit in result.edits[:2]] == [EditOp.ADD_STEP, EditOp.ADD_STEP]
    assert "weight_kg=2 is made up" in result.edits[0].reason
    assert (search.tool_key, search.args) == ("shop:search_products", {"query": "Barista Pro"})
    assert product.tool_key == "shop:get_product"
    assert product.args == {"product_id": Ref(search.id, ("products", 0, "product_id"))}
    assert result.workflow.node("n1").args["weight_kg"] == Ref(product.id, ("weight_kg",))
    assert errors(result) == []


def test_a_made_up_weight_reads_the_product_step_already_there(bundled):
    task = "What does shipping the stand mixer to Canada cost?"
    nodes = (
        {"id": "p", "tool": "shop:get_product", "args": {"product_id": "P-1503"}},
        {**QUOTE, "after": ["p"]},
    )
    wf = flow(bundled, *nodes, task=task)
    product = {"product_id": "P-1503", "name": "Stand Mixer 5 L", "weight_kg": 10.5}
    result = repaired(bundled, *nodes, task=task, execution=executed(wf, p=(NodeStatus.OK, product)))
    assert result.workflow.node("n1").args["weight_kg"] == Ref("p", ("weight_kg",))
    products = [n for n in result.workflow.tool_nodes if n.tool_key == "shop:get_product"]
    assert [n.id for n in products] == ["p"]


def test_a_stated_weight_is_left_alone(bundled):
    task = "What does shipping a 2 kg parcel to Canada cost?"
    result = repaired(bundled, QUOTE, task=task)
    assert result.workflow.node("n1").args["weight_kg"] == 2


def test_the_amount_a_converter_works_on_is_made_up_unless_stated(bundled):
    node = {
        "id": "n1",
        "tool": "units:convert_mass",
        "args": {"value": 10, "from_unit": "kilogram", "to_unit": "pound"},
    }
    assert _made_up(bundled, node, "How much does the dumbbell set weigh in pounds?") == ["value"]
    assert _made_up(bundled, node, "What is 10 kg in pounds?") == []
    assert _made_up(bundled, node, "How heavy is it in pounds?", others=[{"weight_kg": 10.0}]) == []


def test_an_invented_id_is_not_read_through_a_guessed_search(bundled):
    """Only a made-up number goes through the chain: an author id is not looked for among papers."""
    task = "How many citations does Claire Dubois have in total?"
    result = repaired(
        bundled, {"id": "n1", "tool": "library:get_author", "args": {"author_id": "AU-1234567890"}}, task=task
    )
    assert "library:get_paper" not in [n.tool_key for n in result.workflow.tool_nodes]


def test_a_possessive_is_no_unit_word(bundled):
    """The "s" of "Dubois's" is not seconds: a duration the request never speaks of stays made up."""
    node = {
        "id": "n1",
        "tool": "calendar:find_free_slots",
        "args": {"calendar_id": "CAL-1", "date": "2026-03-20", "duration_minutes": 45},
    }
    assert _made_up(bundled, node, "When is Claire Dubois's calendar free on Friday?") == ["duration_minutes"]
