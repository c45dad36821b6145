"""Hand-written tool specs and catalogs for tests that need a small, exact tool world (no server behind it)."""

from __future__ import annotations

from typing import Any

from evoflux.catalog.tools import ToolCatalog, ToolSpec


def spec(
    server: str,
    name: str,
    properties: dict[str, Any],
    required: tuple[str, ...] = (),
    *,
    output: dict[str, Any] | None = None,
    annotations: dict[str, Any] | None = None,
    **schema: Any,
) -> ToolSpec:
    """A tool taking an object of `properties`; `schema` adds keywords to that input schema."""
    input_schema = {"type": "object", "properties": properties, "required": list(required), **schema}
    return ToolSpec(server, name, f"{name} on {server}", input_schema, output, annotations or {})


def catalog_of(*specs: ToolSpec) -> ToolCatalog:
    """A catalog of the given specs, grouped by server in their order."""
    servers: dict[str, list[ToolSpec]] = {}
    for one in specs:
        servers.setdefault(one.server, []).append(one)
    return ToolCatalog(servers)
