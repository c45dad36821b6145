"""Plan steps in the bundled servers' terms, for tests that write the same station or distance plan."""

from __future__ import annotations

from typing import Any


def station_search(node_id: str, city: str) -> dict[str, Any]:
    return {"id": node_id, "tool": "weather:search_stations", "args": {"city": city}}


def station_read(node_id: str, search: str, tool: str = "weather:current_conditions") -> dict[str, Any]:
    """A step of `tool` on the first station that the step `search` found."""
    return {"id": node_id, "tool": tool, "args": {"station_id": f"${search}.stations[0].station_id"}}


def distance_steps(city_a: str, city_b: str, unit: str) -> list[dict[str, Any]]:
    """n1 and n2 search the two cities, n3 measures the distance between their first matches."""
    return [
        {"id": "n1", "tool": "geo:search_cities", "args": {"name": city_a}},
        {"id": "n2", "tool": "geo:search_cities", "args": {"name": city_b}},
        {
            "id": "n3",
            "tool": "geo:distance_between",
            "args": {
                "city_id_a": "$n1.cities[0].city_id",
                "city_id_b": "$n2.cities[0].city_id",
                "unit": unit,
            },
        },
    ]
