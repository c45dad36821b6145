"""The versioned tool catalog: every tool keyed by (server, tool) with its schemas.

Owns snapshot load/save and version hashing, and the output shapes observed where a tool declares none;
knows nothing about how servers are reached.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evoflux.errors import UserError


@dataclass(frozen=True)
class ToolSpec:
    """One tool as a server lists it."""

    server: str
    name: str
    description: str = ""
    input_schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})
    output_schema: Mapping[str, Any] | None = None
    annotations: Mapping[str, Any] = field(default_factory=dict)
    # The output schema seen on the first successful call, when none is declared (`ToolCatalog.observe`).
    # Not part of the tool's identity, snapshot or version: every catalog sharing this spec sees it.
    _observed: dict[str, Mapping[str, Any]] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    @property
    def key(self) -> str:
        return f"{self.server}:{self.name}"

    @property
    def properties(self) -> Mapping[str, Any]:
        return self.input_schema.get("properties") or {}

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(self.input_schema.get("required") or ())

    @property
    def result_schema(self) -> Mapping[str, Any] | None:
        """The output schema the server declares, else the one observed on a successful call, else None."""
        return self.output_schema if self.output_schema else self._observed.get("schema")

    @property
    def cacheable(self) -> bool:
        """False when the server marks the tool as having side effects or varying output."""
        marks = self.annotations
        return not (
            marks.get("readOnlyHint") is False
            or marks.get("destructiveHint") is True
            or marks.get("idempotentHint") is False
        )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "inputSchema": dict(self.input_schema),
        }
        if self.output_schema is not None:
            data["outputSchema"] = dict(self.output_schema)
        if self.annotations:
            data["annotations"] = dict(self.annotations)
        return data

    @classmethod
    def from_json(cls, server: str, data: Mapping[str, Any]) -> ToolSpec:
        if not isinstance(data, Mapping) or not isinstance(data.get("name"), str):
            raise ValueError(f"tool entry of server {server!r} has no string 'name'")
        schema = data.get("inputSchema", data.get("input_schema")) or {"type": "object", "properties": {}}
        output = data.get("outputSchema", data.get("output_schema"))
        return cls(
            server=server,
            name=data["name"],
            description=data.get("description") or "",
            input_schema=schema,
            output_schema=output,
            annotations=data.get("annotations") or {},
        )


def tools_version(tools: Iterable[ToolSpec]) -> str:
    """A short content hash of a tool list; changes whenever any name or schema changes."""
    canonical = sorted(json.dumps(t.to_json(), sort_keys=True) for t in tools)
    return hashlib.sha256("\n".join(canonical).encode()).hexdigest()[:16]


class ToolCatalog:
    """An immutable set of tools from one or more servers, with a version per server and overall."""

    def __init__(self, tools_by_server: Mapping[str, Iterable[ToolSpec]]):
        self._servers: dict[str, tuple[ToolSpec, ...]] = {
            server: tuple(tools) for server, tools in tools_by_server.items()
        }
        self._by_key: dict[tuple[str, str], ToolSpec] = {
            (t.server, t.name): t for tools in self._servers.values() for t in tools
        }
        self._server_versions = {server: tools_version(tools) for server, tools in self._servers.items()}
        overall = json.dumps(sorted(self._server_versions.items()))
        self.version = hashlib.sha256(overall.encode()).hexdigest()[:16]

    def __iter__(self) -> Iterator[ToolSpec]:
        for tools in self._servers.values():
            yield from tools

    def __len__(self) -> int:
        return len(self._by_key)

    @property
    def servers(self) -> tuple[str, ...]:
        return tuple(self._servers)

    def server_version(self, server: str) -> str:
        return self._server_versions[server]

    def tools_of(self, server: str) -> tuple[ToolSpec, ...]:
        return self._servers.get(server, ())

    def get(self, server: str, name: str) -> ToolSpec | None:
        return self._by_key.get((server, name))

    def observe(self, server: str, tool: str, schema: Mapping[str, Any]) -> bool:
        """Record the output shape a successful call of a tool without a declared output schema showed; the
        first one stays. True when it was recorded. The catalog's version does not change."""
        spec = self.get(server, tool)
        if spec is None or spec.output_schema or "schema" in spec._observed:
            return False
        spec._observed["schema"] = schema
        return True

    def find_by_name(self, name: str) -> list[ToolSpec]:
        """Every tool called `name`, on any server."""
        return [t for t in self if t.name == name]

    def with_server(self, server: str, tools: Iterable[ToolSpec]) -> ToolCatalog:
        """A new catalog where `server`'s tool list is replaced."""
        merged = dict(self._servers)
        merged[server] = tuple(tools)
        return ToolCatalog(merged)

    def to_snapshot(self) -> dict[str, Any]:
        return {"servers": {s: [t.to_json() for t in tools] for s, tools in self._servers.items()}}

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_snapshot(), indent=2) + "\n")

    @classmethod
    def from_snapshot(cls, data: Mapping[str, Any], *, source: str = "snapshot") -> ToolCatalog:
        servers = data.get("servers") if isinstance(data, Mapping) else None
        if not isinstance(servers, Mapping):
            raise UserError(f"{source}: a tool catalog needs a top-level 'servers' object")
        tools: dict[str, list[ToolSpec]] = {}
        for server, entries in servers.items():
            if not isinstance(entries, list):
                raise UserError(f"{source}: servers.{server} must be a list of tools")
            try:
                tools[server] = [ToolSpec.from_json(server, entry) for entry in entries]
            except ValueError as exc:
                raise UserError(f"{source}: {exc}") from None
        return cls(tools)

    @classmethod
    def load(cls, path: str | Path) -> ToolCatalog:
        try:
            data = json.loads(Path(path).read_text())
        except OSError as exc:
            raise UserError(f"cannot read tool catalog {path}: {exc.strerror}") from None
        except json.JSONDecodeError as exc:
            raise UserError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
        return cls.from_snapshot(data, source=str(path))
