"""Bundled offline MCP servers (weather, units, shop, calendar, library, geo): the deterministic
world used by the demo, the tests and the benchmark tasks. Imports nothing else from evoflux."""

import sys

BUNDLED_SERVERS: dict[str, str] = {
    "weather": "evoflux.servers.weather",
    "units": "evoflux.servers.units",
    "shop": "evoflux.servers.shop",
    "calendar": "evoflux.servers.calendar",
    "library": "evoflux.servers.library",
    "geo": "evoflux.servers.geo",
}
"""Server name -> module runnable as ``python -m MODULE`` (stdio; add ``--http`` for streamable HTTP)."""


def bundled_servers_config(python: str = sys.executable) -> dict:
    """A standard ``{"mcpServers": {...}}`` config launching every bundled server over stdio."""
    return {
        "mcpServers": {
            name: {"command": python, "args": ["-m", module]} for name, module in BUNDLED_SERVERS.items()
        }
    }
