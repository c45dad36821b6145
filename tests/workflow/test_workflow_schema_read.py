"""Reading output schemas: the sub-schema a path leads to and the fields a schema offers."""

from __future__ import annotations

from weather_world import READING, STATION_LIST

from evoflux.workflow.graph import STAR
from evoflux.workflow.schema_read import schema_at, schema_fields


def test_schema_at_steps_like_resolve_value():
    assert schema_at(STATION_LIST, ("stations", 0, "station_id")) == {"type": "string"}
    assert schema_at(STATION_LIST, ("stations", STAR, "name")) == {"type": "string"}
    assert schema_at(STATION_LIST, ("station_id",)) is None  # one key: descends, then the list has no key
    assert schema_at(READING, ("temperature_c",)) is None
    assert schema_at({"type": "object"}, ("anything",)) == {}
    wrapped = {"$defs": {"R": READING}, "anyOf": [{"$ref": "#/$defs/R"}, {"type": "null"}]}
    assert schema_at(wrapped, ("temperature",)) == {"type": "number"}


def test_schema_fields_lists_paths_with_first_items():
    paths = [p for p, _ in schema_fields(STATION_LIST)]
    assert paths == [("stations",), ("stations", 0), ("stations", 0, "station_id"), ("stations", 0, "name")]
