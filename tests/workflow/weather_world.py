"""The weather/units world of the edit-operator, validator and schema-reading tests: schemas, catalog, workflow."""

from __future__ import annotations

from typing import Any

from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.workflow import parse_workflow
from evoflux.workflow.graph import Workflow

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
    search = tool("weather", "search_stations", {"city": {"type": "string"}}, ("city",), STATION_LIST)
    current = tool("weather", "current_conditions", {"station_id": STATION}, ("station_id",), READING)
    forecast = tool(
        "weather", "forecast", {"station_id": STATION, "days": {"type": "integer"}}, ("station_id",), READING
    )
    convert = tool(
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


def tool(
    server: str, name: str, properties: dict[str, Any], required: tuple[str, ...] = (), output=None
) -> ToolSpec:
    schema = {"type": "object", "properties": properties, "required": list(required)}
    return ToolSpec(server, name, f"{name} on {server}", schema, output)


def catalog_of(*specs: ToolSpec) -> ToolCatalog:
    servers: dict[str, list[ToolSpec]] = {}
    for spec in specs:
        servers.setdefault(spec.server, []).append(spec)
    return ToolCatalog(servers)


def oslo(catalog: ToolCatalog) -> Workflow:
    return parse_workflow(
        {
            "task": "Temperature in Oslo in Fahrenheit",
            "nodes": [
                {"id": "n1", "tool": "weather:search_stations", "args": {"city": "Oslo"}},
                {
                    "id": "n2",
                    "tool": "weather:current_conditions",
                    "args": {"station_id": "$n1.stations[0].station_id"},
                },
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
