"""MCP-Bench (github.com/Accenture/mcp-bench, Apache-2.0) as evoflux tasks and a servers config.

One job: turning an MCP-Bench checkout (its `tasks/*_runner_format.json` files and `mcp_servers/commands.json`)
into `Task`s and a `ServersConfig`. Installing MCP-Bench's servers, running tasks and scoring are not done here.

Server names stay MCP-Bench's own (e.g. "Time MCP"). A `commands.json` entry is `{"cmd": "python -m x",
"env": [KEY NAMES], "cwd": "../x"}`; as in MCP-Bench, a `cwd` of `../x` means `<checkout>/mcp_servers/x` and
any other relative `cwd` is taken from the checkout root. Key values come from the environment, else from the
checkout's `mcp_servers/api_key` file (`KEY = value` lines; the template's `YOUR_KEY_HERE` counts as unset).
"""

from __future__ import annotations

import difflib
import json
import logging
import os
import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from evoflux.bench.tasks import Task
from evoflux.catalog.config import HttpServer, ServersConfig, ServerSpec, StdioServer
from evoflux.errors import UserError

logger = logging.getLogger(__name__)

OFFLINE_SERVERS: tuple[str, ...] = (
    "Time MCP",
    "Unit Converter",
    "Bibliomantic",
    "Scientific Computing",
    "Medical Calculator",
    "Math MCP",
)
"""The MCP-Bench servers that need no network and no API key (Math MCP runs on Node, the rest on Python)."""

TASK_FILES: Mapping[str, str] = {
    "single": "mcpbench_tasks_single_runner_format.json",
    "2server": "mcpbench_tasks_multi_2server_runner_format.json",
    "3server": "mcpbench_tasks_multi_3server_runner_format.json",
}
"""Task kind -> its file name, found under `tasks/` in a checkout or directly in a data folder."""

COMMANDS_FILE = Path("mcp_servers", "commands.json")
API_KEY_FILE = Path("mcp_servers", "api_key")

_DESCRIPTIONS = {"fuzzy": "fuzzy_description", "concrete": "task_description"}
_UNSET_KEY_VALUES = frozenset({"", "YOUR_KEY_HERE"})
_PYTHON = re.compile(r"python(?:3(?:\.\d+)?)?")


@dataclass(frozen=True)
class McpBenchOptions:
    """Which MCP-Bench tasks to take, how to phrase them, and how to start the servers."""

    description: Literal["fuzzy", "concrete"] = "fuzzy"
    """`fuzzy`: the casual request MCP-Bench gives its agents; `concrete`: the task text that names tools."""
    distraction: bool = False
    """Add each task's `distraction_servers` to the servers it may use."""
    allow: tuple[str, ...] | None = None
    """Only tasks whose servers are all listed here; distraction servers outside it are dropped."""
    python: str | None = None
    """Interpreter for the Python servers (replaces a leading `python`/`python3` and `uv run python`)."""
    node: str | None = None
    """Node binary for the Node servers (replaces a leading `node`)."""
    kinds: tuple[str, ...] = ("single", "2server", "3server")

    def __post_init__(self) -> None:
        if self.description not in _DESCRIPTIONS:
            raise UserError(f"MCP-Bench description must be 'fuzzy' or 'concrete', not {self.description!r}")
        kinds = _as_tuple(self.kinds)
        unknown = [kind for kind in kinds if kind not in TASK_FILES]
        if not kinds or unknown:
            raise UserError(
                f"MCP-Bench task kinds must be some of {', '.join(TASK_FILES)}"
                + (f"; unknown: {', '.join(map(repr, unknown))}" if unknown else "; none given")
            )
        object.__setattr__(self, "kinds", tuple(dict.fromkeys(kinds)))
        if self.allow is not None:
            allow = _as_tuple(self.allow)
            if not allow:
                raise UserError("MCP-Bench allow list is empty; name at least one server (or allow all)")
            object.__setattr__(self, "allow", tuple(dict.fromkeys(allow)))


def load_mcpbench(checkout: Path, options: McpBenchOptions) -> tuple[list[Task], ServersConfig]:
    """The selected tasks of an MCP-Bench checkout and a servers config holding every server they may use."""
    checkout = Path(checkout)
    _commands_path(checkout)  # not a checkout: say so before reading any task
    tasks = load_mcpbench_tasks(checkout, options)
    names = dict.fromkeys(server for task in tasks for server in task.servers)
    return tasks, mcpbench_servers_config(checkout, options, names)


def load_mcpbench_tasks(source: Path, options: McpBenchOptions) -> list[Task]:
    """MCP-Bench tasks from a checkout (`tasks/`) or a folder holding the `*_runner_format.json` files.

    Task ids are MCP-Bench's `task_id`s (a repeated id gets `-2`, `-3`, ... in file order); tags are
    `mcpbench`, the kind (`single`, `2server`, `3server`) and `server:NAME` for each of the task's own servers.
    No task has a checkable answer, so `expected` is None.
    """
    source = Path(source)
    folder = _task_folder(source, options.kinds)
    loaded = [
        (kind, _read_task_file(folder / TASK_FILES[kind], options.description)) for kind in options.kinds
    ]
    if options.allow is not None:
        known = dict.fromkeys(OFFLINE_SERVERS)
        for _, entries in loaded:
            for entry in entries:
                known.update(dict.fromkeys((*entry.servers, *entry.distraction)))
        commands = source / COMMANDS_FILE
        if commands.is_file():
            known.update(dict.fromkeys(_read_commands(commands)))
        _check_allow(options.allow, tuple(known))
    allowed = None if options.allow is None else frozenset(options.allow)
    tasks: list[Task] = []
    taken: set[str] = set()
    for kind, entries in loaded:
        for entry in entries:
            if allowed is not None and not allowed.issuperset(entry.servers):
                continue
            servers = entry.servers
            if options.distraction:
                extra = (
                    s for s in entry.distraction if s not in servers and (allowed is None or s in allowed)
                )
                servers = tuple(dict.fromkeys((*servers, *extra)))
            tags = ("mcpbench", kind, *(f"server:{server}" for server in entry.servers))
            tasks.append(Task(_unique(entry.task_id, taken), entry.query, servers, None, tags, None))
    if not tasks:
        kinds = ", ".join(options.kinds)
        raise UserError(
            f"no MCP-Bench task ({kinds}) uses only the allowed servers: {', '.join(options.allow or ())}"
        )
    return tasks


def mcpbench_servers_config(
    checkout: Path,
    options: McpBenchOptions,
    names: Iterable[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> ServersConfig:
    """Servers from the checkout's `mcp_servers/commands.json`: `names` in that order, else every server there
    (only those in `options.allow` when it is set).

    Key values come from `env` (default: the process environment), else from `mcp_servers/api_key`. A server
    whose key is unset stays in the config without it (a warning names the key, never a value). A server that
    MCP-Bench reaches over HTTP (`"transport": "http"`) becomes an `HttpServer` on localhost: evoflux does not
    start it, so run its `cmd` yourself first.
    """
    checkout = Path(checkout).expanduser().absolute()
    commands_path = _commands_path(checkout)
    commands = _read_commands(commands_path)
    known = tuple(commands)
    if options.allow is not None:
        _check_allow(options.allow, known)
    if names is None:
        wanted = [name for name in known if options.allow is None or name in options.allow]
    else:
        wanted = list(dict.fromkeys(names))
        unknown = [name for name in wanted if name not in commands]
        if unknown:
            raise UserError(f"{commands_path}: {_unknown_names(unknown, known)}")
    environ = os.environ if env is None else env
    keys = _read_api_keys(checkout / API_KEY_FILE)
    servers: dict[str, ServerSpec] = {}
    for name in wanted:
        servers[name] = _server(name, commands[name], checkout, options, environ, keys, commands_path)
    return ServersConfig(servers, str(commands_path))


@dataclass(frozen=True)
class _Entry:
    """One task as read from a task file, before selection."""

    task_id: str
    query: str
    servers: tuple[str, ...]
    distraction: tuple[str, ...]


def _as_tuple(value: Any) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _task_folder(source: Path, kinds: tuple[str, ...]) -> Path:
    """The folder holding the task files: `source/tasks` in a checkout, else `source` itself."""
    looked_for = ", ".join(TASK_FILES[kind] for kind in kinds)
    if not source.is_dir():
        raise UserError(
            f"{source} is not a folder; give an MCP-Bench checkout or a folder holding its task files "
            f"({looked_for})"
        )
    for folder in (source / "tasks", source):
        if any((folder / name).is_file() for name in TASK_FILES.values()):
            missing = [TASK_FILES[kind] for kind in kinds if not (folder / TASK_FILES[kind]).is_file()]
            if missing:
                raise UserError(f"{folder}: missing MCP-Bench task file {', '.join(missing)}")
            return folder
    raise UserError(
        f"{source} is not an MCP-Bench checkout or task folder: looked for {looked_for} "
        f"in {source / 'tasks'} and in {source}"
    )


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise UserError(f"{path}: not a UTF-8 text file") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None


def _server_names(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(_valid_name(name) for name in value):
        raise UserError(
            f"{where} must be a list of server names (non-empty strings without ':'), got {value!r}"
        )
    return tuple(value)


def _valid_name(name: Any) -> bool:
    return isinstance(name, str) and bool(name) and name == name.strip() and ":" not in name


def _read_task_file(path: Path, description: str) -> list[_Entry]:
    data = _read_json(path)
    groups = data.get("server_tasks") if isinstance(data, dict) else None
    if not isinstance(groups, list):
        raise UserError(f'{path}: expected {{"server_tasks": [...]}}, an MCP-Bench *_runner_format.json file')
    text_field = _DESCRIPTIONS[description]
    entries: list[_Entry] = []
    for g, group in enumerate(groups):
        where = f"{path}: server_tasks[{g}]"
        if not isinstance(group, dict):
            raise UserError(f"{where} must be an object")
        if "servers" in group:
            servers = _server_names(group["servers"], f"{where}.servers")
        elif isinstance(group.get("server_name"), str):
            servers = _server_names(group["server_name"].split("+"), f"{where}.server_name")
        else:
            raise UserError(f"{where} has neither 'servers' nor 'server_name'")
        if not servers:
            raise UserError(f"{where}.servers is empty")
        tasks = group.get("tasks")
        if not isinstance(tasks, list):
            raise UserError(f"{where}.tasks must be a list")
        for t, task in enumerate(tasks):
            at = f"{where}.tasks[{t}]"
            if not isinstance(task, dict):
                raise UserError(f"{at} must be an object")
            task_id, query = task.get("task_id"), task.get(text_field)
            if not isinstance(task_id, str) or not task_id.strip():
                raise UserError(f"{at}: 'task_id' must be a non-empty string, got {task_id!r}")
            if not isinstance(query, str) or not query.strip():
                raise UserError(f"{at} ({task_id}): {text_field!r} must be a non-empty string")
            distraction = _server_names(task.get("distraction_servers", []), f"{at}.distraction_servers")
            entries.append(_Entry(task_id.strip(), query.strip(), servers, distraction))
    return entries


def _unique(task_id: str, taken: set[str]) -> str:
    candidate, n = task_id, 1
    while candidate in taken:
        n += 1
        candidate = f"{task_id}-{n}"
    taken.add(candidate)
    return candidate


def _unknown_names(unknown: Iterable[str], known: tuple[str, ...]) -> str:
    parts = []
    for name in unknown:
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
        parts.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    return f"unknown MCP-Bench server {', '.join(parts)}; known servers: {', '.join(known)}"


def _check_allow(allow: tuple[str, ...], known: tuple[str, ...]) -> None:
    unknown = [name for name in allow if name not in known]
    if unknown:
        raise UserError(f"allow: {_unknown_names(unknown, known)}")


def _commands_path(checkout: Path) -> Path:
    path = checkout / COMMANDS_FILE
    if not path.is_file():
        raise UserError(
            f"{checkout} is not an MCP-Bench checkout: no {COMMANDS_FILE} in it "
            "(clone github.com/Accenture/mcp-bench and give its root folder)"
        )
    return path


def _read_commands(path: Path) -> dict[str, dict[str, Any]]:
    data = _read_json(path)
    if not isinstance(data, dict) or not all(isinstance(entry, dict) for entry in data.values()):
        raise UserError(f'{path}: expected {{"SERVER NAME": {{"cmd": ..., "env": [...], "cwd": ...}}, ...}}')
    for name in data:
        if not _valid_name(name):
            raise UserError(
                f"{path}: server name {name!r} must be non-empty, without ':' or surrounding spaces"
            )
    return data


def _read_api_keys(path: Path) -> dict[str, str]:
    """`KEY = value` lines of MCP-Bench's api_key file; unset template values are left out."""
    if not path.is_file():
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        logger.warning(
            "cannot read MCP-Bench key file %s (%s); using the environment only", path, type(exc).__name__
        )
        return {}
    keys: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        key = key.strip().removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        if value not in _UNSET_KEY_VALUES:
            keys[key] = value
    return keys


def _absolute_program(program: str) -> str:
    """A program given as a path made absolute (servers run in their own cwd); a bare name is kept for PATH."""
    if os.sep in program or (os.altsep and os.altsep in program):
        return str(Path(program).expanduser().absolute())  # not resolve(): a venv's python is a symlink
    return program


def _command(argv: list[str], options: McpBenchOptions) -> list[str]:
    """`argv` with MCP-Bench's interpreter replaced by the configured one, when one is configured."""
    head = argv[0]
    if options.python is not None:
        if head == "uv" and len(argv) >= 3 and argv[1] == "run" and _PYTHON.fullmatch(argv[2]):
            return [_absolute_program(options.python), *argv[3:]]
        if _PYTHON.fullmatch(head):
            return [_absolute_program(options.python), *argv[1:]]
    if options.node is not None and head == "node":
        return [_absolute_program(options.node), *argv[1:]]
    return argv


def _cwd(raw: str, checkout: Path) -> str:
    """MCP-Bench's rule: `../x` is `mcp_servers/x`, another relative path is from the checkout root."""
    if not raw:
        path = checkout
    elif raw.startswith("../"):
        path = checkout / "mcp_servers" / raw[3:]
    else:
        path = checkout / Path(raw).expanduser()  # an absolute path stays as it is
    return os.path.normpath(path)


def _server(
    name: str,
    entry: Mapping[str, Any],
    checkout: Path,
    options: McpBenchOptions,
    environ: Mapping[str, str],
    keys: Mapping[str, str],
    source: Path,
) -> ServerSpec:
    where = f"{source}: server {name!r}"
    cmd, key_names, raw_cwd = entry.get("cmd"), entry.get("env", []), entry.get("cwd", "")
    if not isinstance(cmd, str) or not cmd.strip():
        raise UserError(f"{where}: 'cmd' must be a non-empty command string")
    if not isinstance(key_names, list) or not all(isinstance(key, str) and key for key in key_names):
        raise UserError(f"{where}: 'env' must be a list of environment variable names")
    if not isinstance(raw_cwd, str):
        raise UserError(f"{where}: 'cwd' must be a string")
    if entry.get("transport", "stdio") == "http":
        port, endpoint = entry.get("port"), entry.get("endpoint", "/mcp")
        if not isinstance(port, int) or isinstance(port, bool) or not isinstance(endpoint, str):
            raise UserError(f"{where}: an HTTP server needs an integer 'port' and a string 'endpoint'")
        return HttpServer(name, f"http://127.0.0.1:{port}/{endpoint.lstrip('/')}")
    try:
        argv = shlex.split(cmd)
    except ValueError as exc:
        raise UserError(f"{where}: cannot split 'cmd' ({exc})") from None
    argv = _command(argv, options)
    env: dict[str, str] = {}
    missing: list[str] = []
    for key in key_names:
        value = environ.get(key) or keys.get(key)
        if value and value not in _UNSET_KEY_VALUES:
            env[key] = value
        else:
            missing.append(key)
    if missing:
        logger.warning(
            "MCP-Bench server %s: %s not set (environment or %s); its calls will likely fail",
            name,
            ", ".join(missing),
            API_KEY_FILE,
        )
    return StdioServer(name, argv[0], tuple(argv[1:]), env, _cwd(raw_cwd, checkout))
