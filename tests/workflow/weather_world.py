"""The weather/units world of the edit-operator, validator and schema-reading tests: schemas, catalog, workflow."""

from __future__ import annotations

from evoflux.catalog.tools import ToolCatalog
from evoflux.workflow import parse_workflow
from evoflux.workflow.graph import Workflow
from tests.support import catalog_of, spec, station_read, station_search

STATION = {"type": "string", "pattern": r"^WX-[A-Z]{3}-\d{2}$"}
STATION_LIST = {
    "type": "object",
    "properties": {
        "stations": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"station_id": {"type": "string"}, "name": {"type": "string"}},
            },
        }
    },
}
READING = {
    "type": "object",
    "properties": {"station_id": {"type": "string"}, "temperature": {"type": "number"}},
}


def weather_catalog() -> ToolCatalog:
    """A small weather/units world with output schemas, enough to exercise every operator."""
    search = spec("weather", "search_stations", {"city": {"type": "string"}}, ("city",), output=STATION_LIST)
    current = spec("weather", "current_conditions", {"station_id": STATION}, ("station_id",), output=READING)
    forecast = spec(
        "weather",
        "forecast",
        {"station_id": STATION, "days": {"type": "integer"}},
        ("station_id",),
        output=READING,
    )
    convert = spec(
        "units",
        "convert_temperature",
        {
            "value": {"type": "number"},
            "from_unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "to_unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        },
        ("value", "from_unit", "to_unit"),
    )
    return catalog_of(search, current, forecast, convert)


def oslo(catalog: ToolCatalog) -> Workflow:
    return parse_workflow(
        {
            "task": "Temperature in Oslo in Fahrenheit",
            "nodes": [
                station_search("n1", "Oslo"),
                station_read("n2", "n1"),
                {
                    "id": "n3",
                    "tool": "units:convert_temperature",
                    "args": {"value": "$n2.temperature", "from_unit": "celsius", "to_unit": "fahrenheit"},
                },
                {"id": "answer", "answer": "{n3.result} F at {n1.stations[0].name}"},
            ],
        },
        catalog=catalog,
    )
