"""Helpers shared by the bundled servers: server construction, tool registration, data loading,
the simulated clock, stable pseudo-randomness and uniform "not found" errors."""

from __future__ import annotations

import hashlib
import inspect
import json
import math
import unicodedata
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from functools import cache
from importlib.resources import files
from typing import Annotated, Any, TypeVar

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

SIMULATED_NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
"""The fixed instant every server treats as "now"; the real clock is never read."""
NOW_ISO = "2026-03-16T09:00:00Z"

READ_ONLY = ToolAnnotations(readOnlyHint=True, idempotentHint=True, openWorldHint=False)
"""Annotations for a deterministic lookup: same arguments, same answer, no side effects."""

EARTH_RADIUS_KM = 6371.0
SIGNIFICANT_DIGITS = 6
KM_PER_MILE = 1.609344

DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
CountryCode = Annotated[
    str, Field(description="ISO 3166-1 alpha-2 country code, e.g. 'NO', 'JP'", pattern=r"^[A-Z]{2}$")
]
CountryFilter = Annotated[
    CountryCode | None,
    Field(description="Optional ISO 3166-1 alpha-2 country code to narrow the search, e.g. 'GB'"),
]
IsoDate = Annotated[str, Field(description="Calendar date as YYYY-MM-DD", pattern=DATE_PATTERN)]

_F = TypeVar("_F", bound=Callable[..., Any])


def new_server(name: str, instructions: str) -> MCPServer:
    """A fresh, quiet MCPServer (stderr logging at WARNING, stdout left to the protocol)."""
    return MCPServer(f"evoflux-{name}", instructions=instructions, version="1.0.0", log_level="WARNING")


def tool(
    server: MCPServer,
    *,
    annotations: ToolAnnotations = READ_ONLY,
    text_only: bool = False,
    name: str | None = None,
    description: str | None = None,
) -> Callable[[_F], _F]:
    """Register a function with ``server.tool``, using its dedented docstring as the description.

    ``text_only=True`` makes the tool return plain text without an output schema.
    """

    def register(fn: _F) -> _F:
        text = description if description is not None else inspect.cleandoc(fn.__doc__ or "")
        server.tool(
            name=name,
            description=text,
            annotations=annotations,
            structured_output=False if text_only else None,
        )(fn)
        return fn

    return register


@cache
def load_data(filename: str) -> Any:
    """Parse a bundled JSON dataset from ``evoflux/servers/data`` (cached; treat as read-only)."""
    return json.loads(files("evoflux.servers").joinpath("data", filename).read_text(encoding="utf-8"))


def fold(text: str) -> str:
    """Case- and accent-insensitive form of ``text`` for matching ("São Paulo" -> "sao paulo")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def stable_fraction(*parts: object) -> float:
    """A deterministic pseudo-random number in [0, 1) derived from ``parts`` (stable across runs)."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def not_found(kind: str, value: str, known: Iterable[str], hint: str) -> ToolError:
    """A ToolError naming the bad value and how to find valid ones (listing them all when few)."""
    known = sorted(known)
    message = f"Unknown {kind} {value!r}. {hint}"
    if len(known) <= 30:
        message += f" Known values: {', '.join(known)}."
    return ToolError(message)


def parse_date(value: str, field: str = "date") -> date:
    """Parse a YYYY-MM-DD string that already matched DATE_PATTERN, rejecting impossible dates."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ToolError(
            f"Invalid {field} {value!r}: not a real calendar date (expected YYYY-MM-DD)."
        ) from None


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometers on a spherical Earth of radius 6371 km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def round_significant(value: float, digits: int = SIGNIFICANT_DIGITS) -> float:
    """Round to ``digits`` significant digits, but never drop whole-number digits (1073741824 stays)."""
    if value == 0:
        return 0.0
    magnitude = math.floor(math.log10(abs(value)))
    return round(value, max(digits - 1 - magnitude, 0))
