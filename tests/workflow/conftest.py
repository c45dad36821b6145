"""Catalogs for workflow tests: a small hand-written one, the weather/units world of the edit tests (`weather`),
and a subset of the MCP-Bench catalog.

`data/mcpbench_tools.json`: tools copied unchanged from MCP-Bench (github.com/Accenture/mcp-bench), Apache-2.0.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from weather_world import weather_catalog

from evoflux.catalog.tools import ToolCatalog
from tests.support import catalog_of, spec

DATA = Path(__file__).parent / "data"
UNITS = ["kilometer", "meter", "mile", "foot"]


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
        spec(
            "units",
            "convert_length",
            {"value": {"type": "number"}, "from_unit": unit, "to_unit": unit},
            ("value", "from_unit", "to_unit"),
            additionalProperties=False,
        ),
        spec(
            "weather",
            "get_weather",
            {
                "city": {"type": "string", "description": "City name"},
                "date": {"type": "string", "format": "date"},
                "days": {"type": "integer", "minimum": 1, "maximum": 14},
            },
            ("city",),
        ),
        spec(
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
        spec("web", "search", {"query": {"type": "string"}}, ("query",)),
        spec("news", "search", {"query": {"type": "string"}}, ("query",)),
    )


@pytest.fixture(scope="session")
def bench() -> ToolCatalog:
    return ToolCatalog.load(DATA / "mcpbench_tools.json")


@pytest.fixture
def weather() -> ToolCatalog:
    return weather_catalog()
