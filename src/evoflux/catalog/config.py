"""Which MCP servers to use: the standard `mcpServers` JSON, parsed into typed server specs with secrets redacted.

Owns parsing, `${VAR}` expansion and finding the default config; starting servers is `pool.py`'s job.
"""

from __future__ import annotations

import difflib
import json
import logging
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evoflux.errors import UserError
from evoflux.redaction import Redactor, url_passwords

if TYPE_CHECKING:
    from mcp.server import MCPServer

ENV_VAR = "EVOFLUX_SERVERS"
"""Environment variable naming a servers config file, used when no path is given."""

LOCAL_CONFIG = "evoflux.servers.json"
"""Config file picked up from the current directory when neither a path nor `$EVOFLUX_SERVERS` is given."""

_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
_VARIABLE = re.compile(r"(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?", re.DOTALL)
_HTTP_TYPES = frozenset({"http", "streamable-http", "streamablehttp", "streamable_http"})
_KNOWN_FIELDS = ("type", "command", "args", "env", "cwd", "url", "headers", "disabled")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StdioServer:
    """A server started as a subprocess that speaks MCP over its stdin/stdout."""

    name: str
    command: str
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: str | None = None
    expanded: frozenset[str] = field(default=frozenset(), compare=False)  # values substituted for ${VAR}

    @property
    def secrets(self) -> frozenset[str]:
        return frozenset(self.env.values()) | self.expanded

    def describe(self) -> tuple[str, str]:
        """(transport, target) for display, with secrets redacted."""
        return "stdio", Redactor(self.secrets)(" ".join([self.command, *self.args]))

    def __repr__(self) -> str:
        shown = f"StdioServer(name={self.name!r}, command={self.command!r}, args={self.args!r}, cwd={self.cwd!r}, "
        return Redactor(self.secrets)(shown) + f"env=<{', '.join(sorted(self.env))}>)"


@dataclass(frozen=True)
class HttpServer:
    """A server reached over streamable HTTP."""

    name: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    expanded: frozenset[str] = field(default=frozenset(), compare=False)  # values substituted for ${VAR}

    @property
    def secrets(self) -> frozenset[str]:
        return frozenset(self.headers.values()) | self.expanded | url_passwords(self.url)

    def describe(self) -> tuple[str, str]:
        """(transport, target) for display, with secrets redacted."""
        return "http", Redactor(self.secrets)(self.url)

    def __repr__(self) -> str:
        shown = Redactor(self.secrets)(f"HttpServer(name={self.name!r}, url={self.url!r}, ")
        return shown + f"headers=<{', '.join(sorted(self.headers))}>)"


@dataclass(frozen=True)
class InProcessServer:
    """A server object in this process (tests and benchmarks); never read from JSON."""

    name: str
    factory: Callable[[], MCPServer]

    @property
    def secrets(self) -> frozenset[str]:
        return frozenset()

    def describe(self) -> tuple[str, str]:
        """(transport, target) for display."""
        return "in-process", getattr(self.factory, "__name__", "")


ServerSpec = StdioServer | HttpServer | InProcessServer


@dataclass(frozen=True)
class ServersConfig:
    """The servers to use, by name, and where their definition came from."""

    servers: Mapping[str, ServerSpec]
    source: str

    @classmethod
    def of(cls, *servers: ServerSpec, source: str = "code") -> ServersConfig:
        return cls({server.name: server for server in servers}, source)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.servers)

    def __getitem__(self, name: str) -> ServerSpec:
        return self.servers[name]

    def __iter__(self) -> Iterator[ServerSpec]:
        return iter(self.servers.values())

    def __len__(self) -> int:
        return len(self.servers)

    def subset(self, names: Iterable[str]) -> ServersConfig:
        """Only the named servers, in the order given; an unknown name is a UserError."""
        wanted = list(dict.fromkeys(names))
        unknown = [name for name in wanted if name not in self.servers]
        if unknown:
            known = ", ".join(self.servers) or "none"
            raise UserError(f"{self.source}: unknown server {', '.join(map(repr, unknown))} (known: {known})")
        return ServersConfig({name: self.servers[name] for name in wanted}, self.source)

    @cached_property
    def secrets(self) -> frozenset[str]:
        return frozenset().union(*(server.secrets for server in self.servers.values()))

    @cached_property
    def redactor(self) -> Redactor:
        return Redactor(self.secrets)

    def redact(self, text: str) -> str:
        """`text` with every secret (env and header values, expanded variables, a header's token, URL
        passwords) and every URL's credentials replaced by `***`."""
        return self.redactor(text)


class _Expander:
    """Expands `${VAR}`, `${env:VAR}` and `${VAR:-default}` for one server, remembering what it substituted."""

    def __init__(self, source: str, server: str, environ: Mapping[str, str]):
        self.source = source
        self.server = server
        self.environ = environ
        self.substituted: set[str] = set()

    def __call__(self, value: str, where: str) -> str:
        def replace(match: re.Match[str]) -> str:
            inner = match.group(1)
            parsed = _VARIABLE.fullmatch(inner)
            if parsed is None:
                raise UserError(
                    f"{self.source}: server {self.server!r} {where}: unsupported placeholder "
                    f"'${{{inner}}}' (use ${{VAR}} or ${{VAR:-default}})"
                )
            name, default = parsed.group(1), parsed.group(2)
            found = self.environ.get(name)
            if found is None or (not found and default is not None):
                if default is None:
                    raise UserError(
                        f"{self.source}: server {self.server!r} {where} uses ${{{name}}}, which is not set in "
                        f"the environment (set it, or write ${{{name}:-default}})"
                    )
                found = default
            self.substituted.add(found)
            return found

        return _PLACEHOLDER.sub(replace, value)


def _string_map(value: Any, source: str, server: str, key: str, expand: _Expander) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise UserError(f"{source}: server {server!r} field '{key}' must be an object of string to string")
    return {k: expand(v, f"{key}.{k}") for k, v in value.items()}


def _warn_unknown_fields(name: str, entry: Mapping[str, Any], source: str) -> None:
    """A field evoflux does not read is a warning naming the nearest known one (`arg` for `args`)."""
    for key in entry:
        if key in _KNOWN_FIELDS:
            continue
        near = difflib.get_close_matches(str(key), _KNOWN_FIELDS, n=1, cutoff=0.6)
        hint = f"did you mean {near[0]!r}?" if near else f"known fields: {', '.join(_KNOWN_FIELDS)}"
        logger.warning("%s: server %r has an unknown field %r, which is ignored; %s", source, name, key, hint)


class _JsonObject(dict[str, Any]):
    """A decoded JSON object that remembers the keys it held more than once."""

    duplicates: tuple[str, ...] = ()


def _json_object(pairs: list[tuple[str, Any]]) -> _JsonObject:
    found = _JsonObject(pairs)
    if len(found) < len(pairs):
        found.duplicates = tuple(key for key, count in Counter(key for key, _ in pairs).items() if count > 1)
    return found


def _duplicate_key(value: Any, where: str) -> tuple[str, str] | None:
    """The first (key, location) held twice by an object anywhere in `value`, or None."""
    if isinstance(value, _JsonObject):
        if value.duplicates:
            return value.duplicates[0], where
        children = [(f"{where}.{key}" if where else key, child) for key, child in value.items()]
    elif isinstance(value, list):
        children = [(f"{where}[{i}]", item) for i, item in enumerate(value)]
    else:
        return None
    for place, child in children:
        found = _duplicate_key(child, place)
        if found is not None:
            return found
    return None


def _parse_server(
    name: str, entry: Any, source: str, base_dir: Path | None, environ: Mapping[str, str]
) -> ServerSpec:
    if not isinstance(entry, Mapping):
        raise UserError(f"{source}: server {name!r} must be an object with 'command' or 'url'")
    _warn_unknown_fields(name, entry, source)
    expand = _Expander(source, name, environ)
    kind = entry.get("type")
    if kind is not None and not isinstance(kind, str):
        raise UserError(f"{source}: server {name!r} field 'type' must be a string")
    kind = kind.lower() if kind else None
    if kind == "sse":
        raise UserError(
            f"{source}: server {name!r} field 'type': the SSE transport is not supported; use streamable HTTP"
        )
    if kind is not None and kind != "stdio" and kind not in _HTTP_TYPES:
        raise UserError(f"{source}: server {name!r} field 'type' must be 'stdio' or 'http', not {kind!r}")
    has_command, has_url = "command" in entry, "url" in entry
    if has_command and has_url:
        raise UserError(f"{source}: server {name!r} has both 'command' and 'url'; keep one")
    if not has_command and not has_url:
        raise UserError(f"{source}: server {name!r} needs a 'command' (stdio) or a 'url' (streamable HTTP)")
    if has_url:
        if kind == "stdio":
            raise UserError(f"{source}: server {name!r} field 'type' is 'stdio' but the server has a 'url'")
        url = entry["url"]
        if not isinstance(url, str) or not url.strip():
            raise UserError(f"{source}: server {name!r} field 'url' must be a non-empty string")
        url = expand(url.strip(), "field 'url'")
        if not url.startswith(("http://", "https://")):
            raise UserError(f"{source}: server {name!r} field 'url' must start with http:// or https://")
        headers = _string_map(entry.get("headers", {}), source, name, "headers", expand)
        return HttpServer(name, url, headers, frozenset(expand.substituted))
    if kind is not None and kind != "stdio":
        raise UserError(f"{source}: server {name!r} field 'type' is {kind!r} but the server has a 'command'")
    command = entry["command"]
    if not isinstance(command, str) or not command.strip():
        raise UserError(f"{source}: server {name!r} field 'command' must be a non-empty string")
    args = entry.get("args", [])
    if not isinstance(args, list) or not all(isinstance(arg, str) for arg in args):
        raise UserError(f"{source}: server {name!r} field 'args' must be a list of strings")
    env = _string_map(entry.get("env", {}), source, name, "env", expand)
    cwd = entry.get("cwd")
    if cwd is not None:
        if not isinstance(cwd, str) or not cwd:
            raise UserError(f"{source}: server {name!r} field 'cwd' must be a non-empty string")
        cwd_path = Path(expand(cwd, "field 'cwd'")).expanduser()
        if base_dir is not None and not cwd_path.is_absolute():
            cwd_path = base_dir / cwd_path
        cwd = str(cwd_path)
    return StdioServer(
        name,
        expand(command.strip(), "field 'command'"),
        tuple(expand(arg, f"args[{i}]") for i, arg in enumerate(args)),
        env,
        cwd,
        frozenset(expand.substituted),
    )


def parse_servers_config(
    data: Any,
    source: str,
    *,
    base_dir: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> ServersConfig:
    """Servers from a decoded `{"mcpServers": {...}}` (or VS Code `{"servers": {...}}`) document.

    Relative `cwd` values are taken relative to `base_dir`; `${VAR}` comes from `environ` (default: os.environ).
    Servers marked `"disabled": true` are left out.
    """
    if not isinstance(data, Mapping):
        raise UserError(f"{source}: a servers config must be a JSON object with 'mcpServers'")
    if "mcpServers" in data and "servers" in data:
        raise UserError(f"{source}: has both 'mcpServers' and 'servers'; keep one")
    key = "mcpServers" if "mcpServers" in data else "servers"
    entries = data.get(key)
    if entries is None:
        raise UserError(
            f'{source}: no \'mcpServers\' object (expected {{"mcpServers": {{"name": {{...}}}}}})'
        )
    if not isinstance(entries, Mapping):
        raise UserError(f"{source}: '{key}' must be an object mapping server names to definitions")
    env = os.environ if environ is None else environ
    base = Path(base_dir) if base_dir is not None else None
    servers: dict[str, ServerSpec] = {}
    for name, entry in entries.items():
        if not name or ":" in name or name != name.strip():
            raise UserError(
                f"{source}: server name {name!r} must be non-empty, without ':' or surrounding spaces"
            )
        disabled = entry.get("disabled", False) if isinstance(entry, Mapping) else False
        if not isinstance(disabled, bool):
            raise UserError(f"{source}: server {name!r} field 'disabled' must be true or false")
        if not disabled:
            servers[name] = _parse_server(name, entry, source, base, env)
    if not servers:
        raise UserError(f"{source}: '{key}' defines no enabled server; add at least one")
    return ServersConfig(servers, source)


def load_servers_config(path: str | Path, *, environ: Mapping[str, str] | None = None) -> ServersConfig:
    """Servers from a JSON file; any problem is one UserError naming the file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read servers config {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise UserError(f"{path}: not a UTF-8 text file") from None
    try:
        data = json.loads(text, object_pairs_hook=_json_object)
    except json.JSONDecodeError as exc:
        raise UserError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    duplicate = _duplicate_key(data, "")
    if duplicate is not None:
        key, where = duplicate
        raise UserError(
            f"{path}: duplicate key {key!r} in {where or 'the top-level object'}; "
            "each key may appear once (the last one would silently win)"
        )
    return parse_servers_config(data, str(path), base_dir=Path(path).resolve().parent, environ=environ)


def resolve_servers_config(path: str | Path | None = None) -> ServersConfig:
    """The servers to use: `path`, else `$EVOFLUX_SERVERS`, else `./evoflux.servers.json`, else the bundled ones."""
    if path is not None:
        return load_servers_config(path)
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        if not Path(from_env).is_file():
            raise UserError(f"${ENV_VAR} names {from_env}, which is not a file")
        return load_servers_config(from_env)
    local = Path.cwd() / LOCAL_CONFIG
    if local.is_file():
        return load_servers_config(local)
    try:
        from evoflux.servers import bundled_servers_config
    except ImportError as exc:
        raise UserError(
            f"no servers config: pass one, set ${ENV_VAR}, or create ./{LOCAL_CONFIG} "
            f"(the bundled servers are not available: {exc})"
        ) from None
    return parse_servers_config(bundled_servers_config(), "bundled servers")
