"""Catalogs for workflow tests: a small hand-written one, the weather/units world of the edit tests (`weather`),
and a subset of the MCP-Bench catalog.

`data/mcpbench_tools.json`: tools copied unchanged from MCP-Bench (github.com/Accenture/mcp-bench), Apache-2.0.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from weather_world import weather_catalog

from evoflux.catalog.tools import ToolCatalog, ToolSpec

DATA = Path(__file__).parent / "data"
UNITS = ["kilometer", "meter", "mile", "foot"]


def tool(
    server: str, name: str, properties: dict[str, Any], required: tuple[str, ...] = (), **schema: Any
) -> ToolSpec:
    input_schema = {"type": "object", "properties": properties, "required": list(required), **schema}
    return ToolSpec(server, name, f"{name} on {server}", input_schema)


def catalog_of(*specs: ToolSpec) -> ToolCatalog:
    servers: dict[str, list[ToolSpec]] = {}
    for spec in specs:
        servers.setdefault(spec.server, []).append(spec)
    return ToolCatalog(servers)


@pytest.fixture
def catalog() -> ToolCatalog:
    unit = {"type": "string", "enum": UNITS}
    item = {
        "type": "object",
        "properties": {
            "sku": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]+$"},
            "qty": {"type": "integer", "minimum": 1},
        },
        "required": ["sku", "qty"],
        "additionalProperties": False,
    }
    return catalog_of(
        tool(
            "units",
            "convert_length",
            {"value": {"type": "number"}, "from_unit": unit, "to_unit": unit},
            ("value", "from_unit", "to_unit"),
            additionalProperties=False,
        ),
        tool(
            "weather",
            "get_weather",
            {
                "city": {"type": "string", "description": "City name"},
                "date": {"type": "string", "format": "date"},
                "days": {"type": "integer", "minimum": 1, "maximum": 14},
            },
            ("city",),
        ),
        tool(
            "shop",
            "order",
            {
                "items": {"type": "array", "items": {"$ref": "#/$defs/Item"}, "maxItems": 3},
                "contact": {"type": "string", "format": "email"},
                "site": {"type": "string", "format": "uri"},
                "when": {"type": "string", "format": "date-time"},
                "tags": {"not": {"type": "null"}},
            },
            ("items",),
            **{"$defs": {"Item": item}},
        ),
        tool("web", "search", {"query": {"type": "string"}}, ("query",)),
        tool("news", "search", {"query": {"type": "string"}}, ("query",)),
    )


@pytest.fixture(scope="session")
def bench() -> ToolCatalog:
    return ToolCatalog.load(DATA / "mcpbench_tools.json")


@pytest.fixture
def weather() -> ToolCatalog:
    return weather_catalog()
