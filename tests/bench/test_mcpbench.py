"""The MCP-Bench adapter: its real task files become the right tasks, and commands.json the right servers.

Task tests read MCP-Bench's data files (github.com/Accenture/mcp-bench, Apache-2.0) from ../shared/mcpbench;
server tests build a small fake checkout shaped like the real one.
"""

import json
import logging
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest

from evoflux.bench.mcpbench import (
    OFFLINE_SERVERS,
    TASK_FILES,
    McpBenchOptions,
    load_mcpbench,
    load_mcpbench_tasks,
    mcpbench_servers_config,
)
from evoflux.catalog.config import HttpServer, StdioServer
from evoflux.errors import UserError

DATA = Path(__file__).parents[3] / "shared" / "mcpbench"

needs_data = pytest.mark.skipif(
    not all((DATA / name).is_file() for name in TASK_FILES.values()),
    reason=f"MCP-Bench task files not found in {DATA} (CI links /work/shared next to the clone as ../shared)",
)


def raw_tasks(kind: str) -> dict[str, tuple[dict, dict]]:
    """task_id -> (group, task) straight from the data file."""
    data = json.loads((DATA / TASK_FILES[kind]).read_text(encoding="utf-8"))
    return {task["task_id"]: (group, task) for group in data["server_tasks"] for task in group["tasks"]}


def kinds_of(tasks) -> Counter:
    return Counter(task.tags[1] for task in tasks)


@needs_data
def test_all_tasks_load_with_the_published_counts():
    tasks = load_mcpbench_tasks(DATA, McpBenchOptions())
    assert kinds_of(tasks) == {"single": 56, "2server": 30, "3server": 18}
    assert len({task.id for task in tasks}) == 104
    assert all(task.expected is None and task.steps is None and task.query for task in tasks)
    assert {len(task.servers) for task in tasks if task.tags[1] == "3server"} == {3}


@needs_data
def test_offline_servers_are_spelled_as_in_the_task_files_and_select_12_plus_6_tasks():
    named = {
        server for kind in TASK_FILES for group, _ in raw_tasks(kind).values() for server in group["servers"]
    }
    assert set(OFFLINE_SERVERS) <= named
    tasks = load_mcpbench_tasks(DATA, McpBenchOptions(allow=OFFLINE_SERVERS))
    assert kinds_of(tasks) == {"single": 12, "2server": 6}
    assert all(set(task.servers) <= set(OFFLINE_SERVERS) for task in tasks)
    assert {"time_mcp_000", "math_mcp_001", "scientific_computing_unit_converter_001"} <= {
        t.id for t in tasks
    }


@needs_data
def test_fuzzy_is_the_default_and_concrete_gives_the_task_description():
    _, raw = raw_tasks("single")["time_mcp_000"]
    fuzzy = {t.id: t for t in load_mcpbench_tasks(DATA, McpBenchOptions(kinds=("single",)))}["time_mcp_000"]
    concrete_tasks = load_mcpbench_tasks(DATA, McpBenchOptions(description="concrete", kinds=("single",)))
    concrete = {t.id: t for t in concrete_tasks}["time_mcp_000"]
    assert fuzzy.query == raw["fuzzy_description"].strip()
    assert concrete.query == raw["task_description"].strip()  # this one ends in whitespace in the file
    assert fuzzy.query != concrete.query
    assert fuzzy.servers == concrete.servers == ("Time MCP",)


@needs_data
def test_tags_name_the_benchmark_the_kind_and_the_task_servers():
    tasks = {t.id: t for t in load_mcpbench_tasks(DATA, McpBenchOptions(distraction=True))}
    pair = tasks["scientific_computing_math_mcp_000"]
    assert pair.tags == ("mcpbench", "2server", "server:Scientific Computing", "server:Math MCP")
    assert tasks["time_mcp_001"].tags == ("mcpbench", "single", "server:Time MCP")  # no distraction tags


@needs_data
def test_distraction_adds_the_listed_servers_after_the_task_servers():
    _, raw = raw_tasks("2server")["paper_search_biomcp_000"]
    plain = {t.id: t for t in load_mcpbench_tasks(DATA, McpBenchOptions())}["paper_search_biomcp_000"]
    noisy = {t.id: t for t in load_mcpbench_tasks(DATA, McpBenchOptions(distraction=True))}[
        "paper_search_biomcp_000"
    ]
    assert plain.servers == ("Paper Search", "BioMCP")
    assert noisy.servers == ("Paper Search", "BioMCP", *raw["distraction_servers"])
    assert len(noisy.servers) == 12


@needs_data
def test_allow_drops_distraction_servers_outside_it():
    options = McpBenchOptions(distraction=True, allow=OFFLINE_SERVERS)
    tasks = {t.id: t for t in load_mcpbench_tasks(DATA, options)}
    _, raw = raw_tasks("single")["unit_converter_000"]
    kept = [s for s in raw["distraction_servers"] if s in OFFLINE_SERVERS]
    assert 0 < len(kept) < len(raw["distraction_servers"])
    assert tasks["unit_converter_000"].servers == ("Unit Converter", *kept)
    assert all(set(task.servers) <= set(OFFLINE_SERVERS) for task in tasks.values())


@needs_data
def test_kinds_select_files():
    tasks = load_mcpbench_tasks(DATA, McpBenchOptions(kinds=("3server",)))
    assert kinds_of(tasks) == {"3server": 18}


@needs_data
def test_a_checkout_layout_with_a_tasks_folder_loads_the_same_tasks(tmp_path):
    (tmp_path / "tasks").mkdir()
    for name in TASK_FILES.values():
        shutil.copy(DATA / name, tmp_path / "tasks" / name)
    assert load_mcpbench_tasks(tmp_path, McpBenchOptions()) == load_mcpbench_tasks(DATA, McpBenchOptions())


@needs_data
def test_unknown_allow_name_lists_known_servers_and_the_nearest_match():
    with pytest.raises(UserError) as caught:
        load_mcpbench_tasks(DATA, McpBenchOptions(allow=("Time MCP", "Unit Convertor")))
    message = str(caught.value)
    assert "'Unit Convertor' (did you mean 'Unit Converter'?)" in message
    assert "Medical Calculator" in message and "Google Maps" in message


@needs_data
def test_allow_that_matches_no_task_is_a_clear_error():
    with pytest.raises(UserError, match=r"no MCP-Bench task .*3server.* allowed servers: Time MCP"):
        load_mcpbench_tasks(DATA, McpBenchOptions(allow=("Time MCP",), kinds=("3server",)))


# ---- task files written here: layout, ids and malformed files ----


def task_file(groups) -> str:
    return json.dumps({"server_tasks": groups})


def group(servers, *tasks):
    return {
        "server_name": "+".join(servers),
        "servers": servers,
        "combination_type": "x",
        "tasks": list(tasks),
    }


def task(task_id, fuzzy="Please help.", concrete="Use the tool.", distraction=()):
    return {
        "task_id": task_id,
        "task_description": concrete,
        "fuzzy_description": fuzzy,
        "dependency_analysis": "",
        "distraction_servers": list(distraction),
    }


def write_tasks(folder: Path, single=(), two=(), three=()) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for kind, groups in (("single", single), ("2server", two), ("3server", three)):
        (folder / TASK_FILES[kind]).write_text(task_file(list(groups)), encoding="utf-8")


def test_repeated_task_ids_get_deterministic_suffixes(tmp_path):
    write_tasks(tmp_path, single=[group(["A"], task("t"), task("t")), group(["B"], task("t"), task("t-2"))])
    ids = [t.id for t in load_mcpbench_tasks(tmp_path, McpBenchOptions(kinds=("single",)))]
    assert ids == ["t", "t-2", "t-3", "t-2-2"]


def test_group_without_servers_falls_back_to_server_name(tmp_path):
    entry = {"server_name": "A+B", "tasks": [task("ab")]}
    write_tasks(tmp_path, two=[entry])
    (only,) = load_mcpbench_tasks(tmp_path, McpBenchOptions(kinds=("2server",)))
    assert only.servers == ("A", "B") and only.tags == ("mcpbench", "2server", "server:A", "server:B")


def test_a_folder_without_task_files_says_what_was_looked_for(tmp_path):
    with pytest.raises(UserError) as caught:
        load_mcpbench_tasks(tmp_path, McpBenchOptions())
    message = str(caught.value)
    assert "not an MCP-Bench checkout" in message
    assert "mcpbench_tasks_single_runner_format.json" in message and str(tmp_path / "tasks") in message


def test_a_missing_file_for_a_wanted_kind_is_named(tmp_path):
    write_tasks(tmp_path, single=[group(["A"], task("a"))])
    (tmp_path / TASK_FILES["3server"]).unlink()
    assert [t.id for t in load_mcpbench_tasks(tmp_path, McpBenchOptions(kinds=("single",)))] == ["a"]
    with pytest.raises(UserError, match="missing MCP-Bench task file mcpbench_tasks_multi_3server"):
        load_mcpbench_tasks(tmp_path, McpBenchOptions())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{not json", r"not valid JSON \(line 1"),
        ('{"tasks": []}', r'expected \{"server_tasks"'),
        (
            task_file([group(["A"], {"task_description": "x", "fuzzy_description": "y"})]),
            r"tasks\[0\]: 'task_id'",
        ),
        (task_file([group(["A"], task("a", fuzzy="  "))]), r"\(a\): 'fuzzy_description' must be"),
        (
            task_file([group(["A:B"], task("a"))]),
            r"server_tasks\[0\]\.servers must be a list of server names",
        ),
        (task_file([group(["A"], task("a", distraction=[3]))]), r"distraction_servers must be a list"),
    ],
)
def test_malformed_task_files_are_user_errors_with_a_location(tmp_path, text, expected):
    write_tasks(tmp_path)
    path = tmp_path / TASK_FILES["single"]
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match=expected) as caught:
        load_mcpbench_tasks(tmp_path, McpBenchOptions(kinds=("single",)))
    assert str(caught.value).startswith(str(path))


def test_bad_options_are_user_errors():
    with pytest.raises(UserError, match="'fuzzy' or 'concrete'"):
        McpBenchOptions(description="vague")  # type: ignore[arg-type]
    with pytest.raises(UserError, match="unknown: '4server'"):
        McpBenchOptions(kinds=("single", "4server"))
    with pytest.raises(UserError, match="allow list is empty"):
        McpBenchOptions(allow=())
    assert McpBenchOptions(allow=["Time MCP"], kinds=["single", "single"]) == McpBenchOptions(  # type: ignore[arg-type]
        allow=("Time MCP",), kinds=("single",)
    )


# ---- servers config from a fake checkout ----

COMMANDS = {
    "Py Server": {"cmd": "python -m py_server.main", "env": [], "cwd": "../py-server"},
    "Keyed": {"cmd": "python3 server.py --flag", "env": ["DEMO_API_KEY"], "cwd": "../keyed/inner"},
    "Node Server": {"cmd": "node build/index.js", "env": [], "cwd": "../node-server"},
    "Uv Python": {"cmd": "uv run python -m uv_server", "env": [], "cwd": "../uv-server"},
    "Uv Script": {"cmd": "uv run uvtool run", "env": [], "cwd": "../uv-script"},
    "Rooted": {"cmd": "python main.py", "env": [], "cwd": "extras/rooted"},
    "Web": {
        "cmd": "node dist/cli.js --port 3001",
        "env": ["WEB_KEY"],
        "cwd": "../web",
        "transport": "http",
        "port": 3001,
        "endpoint": "/mcp",
    },
}


def make_checkout(root: Path, commands=None, api_key: str | None = None) -> Path:
    servers_dir = root / "mcp_servers"
    servers_dir.mkdir(parents=True)
    (servers_dir / "commands.json").write_text(json.dumps(COMMANDS if commands is None else commands))
    if api_key is not None:
        (servers_dir / "api_key").write_text(api_key)
    return root


def test_commands_become_stdio_servers_with_mcpbench_cwd_rules(tmp_path):
    checkout = make_checkout(tmp_path)
    config = mcpbench_servers_config(checkout, McpBenchOptions(), env={})
    assert config.names == tuple(COMMANDS)
    assert config["Py Server"] == StdioServer(
        "Py Server", "python", ("-m", "py_server.main"), {}, str(tmp_path / "mcp_servers" / "py-server")
    )
    keyed = config["Keyed"]
    assert isinstance(keyed, StdioServer)
    assert (keyed.command, keyed.args) == ("python3", ("server.py", "--flag"))
    assert keyed.cwd == str(tmp_path / "mcp_servers" / "keyed" / "inner")
    rooted = config["Rooted"]
    assert isinstance(rooted, StdioServer) and rooted.cwd == str(tmp_path / "extras" / "rooted")
    assert config["Uv Script"] == StdioServer(
        "Uv Script", "uv", ("run", "uvtool", "run"), {}, str(tmp_path / "mcp_servers" / "uv-script")
    )


def test_http_transport_becomes_a_localhost_http_server(tmp_path):
    config = mcpbench_servers_config(
        make_checkout(tmp_path), McpBenchOptions(), ["Web"], env={"WEB_KEY": "k-123"}
    )
    assert config["Web"] == HttpServer("Web", "http://127.0.0.1:3001/mcp")


def test_python_and_node_options_replace_the_interpreter(tmp_path):
    checkout = make_checkout(tmp_path / "co")
    options = McpBenchOptions(python="/opt/env/bin/python", node="/opt/node/bin/node")
    config = mcpbench_servers_config(checkout, options, env={})
    commands = {name: (s.command, s.args) for name, s in config.servers.items() if isinstance(s, StdioServer)}
    assert commands["Py Server"] == ("/opt/env/bin/python", ("-m", "py_server.main"))
    assert commands["Keyed"] == ("/opt/env/bin/python", ("server.py", "--flag"))
    assert commands["Uv Python"] == ("/opt/env/bin/python", ("-m", "uv_server"))
    assert commands["Uv Script"] == ("uv", ("run", "uvtool", "run"))  # uv's own project environment
    assert commands["Node Server"] == ("/opt/node/bin/node", ("build/index.js",))


def test_a_relative_interpreter_path_is_made_absolute_but_a_bare_name_is_kept(tmp_path, monkeypatch):
    checkout = make_checkout(tmp_path / "co")
    monkeypatch.chdir(tmp_path)
    options = McpBenchOptions(python="venv/bin/python", node="node20")
    config = mcpbench_servers_config(checkout, options, ["Py Server", "Node Server"], env={})
    assert config["Py Server"].command == os.path.join(tmp_path, "venv", "bin", "python")
    assert config["Node Server"].command == "node20"


def test_names_pick_servers_in_order_and_allow_filters_the_default(tmp_path):
    checkout = make_checkout(tmp_path)
    picked = mcpbench_servers_config(checkout, McpBenchOptions(), ["Node Server", "Py Server"], env={})
    assert picked.names == ("Node Server", "Py Server")
    allowed = mcpbench_servers_config(checkout, McpBenchOptions(allow=("Rooted", "Py Server")), env={})
    assert allowed.names == ("Py Server", "Rooted")
    with pytest.raises(
        UserError, match=r"'Py Sever' \(did you mean 'Py Server'\?\); known servers: Py Server, "
    ):
        mcpbench_servers_config(checkout, McpBenchOptions(), ["Py Sever"], env={})
    with pytest.raises(UserError, match=r"allow: unknown MCP-Bench server 'Nodes Server' \(did you mean"):
        mcpbench_servers_config(checkout, McpBenchOptions(allow=("Nodes Server",)), env={})


def test_key_values_come_from_the_environment_then_the_api_key_file(tmp_path):
    checkout = make_checkout(tmp_path, api_key="# keys\nDEMO_API_KEY = from-file-123\nOTHER = x\n")
    from_file = mcpbench_servers_config(checkout, McpBenchOptions(), ["Keyed"], env={})
    assert from_file["Keyed"].env == {"DEMO_API_KEY": "from-file-123"}  # only the keys the server names
    from_env = mcpbench_servers_config(
        checkout, McpBenchOptions(), ["Keyed"], env={"DEMO_API_KEY": "env-456"}
    )
    assert from_env["Keyed"].env == {"DEMO_API_KEY": "env-456"}
    assert "env-456" not in repr(from_env["Keyed"]) and from_env.redact("got env-456") == "got ***"


def test_a_missing_key_keeps_the_server_and_is_named_without_any_value(tmp_path, caplog):
    checkout = make_checkout(tmp_path, api_key="DEMO_API_KEY = YOUR_KEY_HERE\nOTHER_KEY = s3cr3t-value\n")
    with caplog.at_level(logging.WARNING, logger="evoflux.bench.mcpbench"):
        config = mcpbench_servers_config(
            checkout, McpBenchOptions(), ["Keyed", "Py Server"], env={"X": "s3cr3t-2"}
        )
    assert config.names == ("Keyed", "Py Server")
    assert config["Keyed"].env == {}
    assert "Keyed" in caplog.text and "DEMO_API_KEY" in caplog.text
    assert "YOUR_KEY_HERE" not in caplog.text and "s3cr3t" not in caplog.text
    assert "s3cr3t" not in repr(config["Keyed"]) + repr(config["Py Server"])


def test_a_folder_without_commands_json_is_not_a_checkout(tmp_path):
    with pytest.raises(UserError, match=r"is not an MCP-Bench checkout: no mcp_servers/commands\.json"):
        mcpbench_servers_config(tmp_path, McpBenchOptions())


@pytest.mark.parametrize(
    ("commands", "expected"),
    [
        ({"A": {"cmd": ""}}, "'cmd' must be a non-empty command string"),
        ({"A": {"cmd": "python x", "env": "KEY"}}, "'env' must be a list"),
        ({"A": {"cmd": "python 'x"}}, "cannot split 'cmd'"),
        ({"A": "python x"}, "expected"),
        ({"A:B": {"cmd": "python x"}}, "must be non-empty, without ':'"),
    ],
)
def test_malformed_commands_are_user_errors(tmp_path, commands, expected):
    checkout = make_checkout(tmp_path, commands=commands)
    with pytest.raises(UserError, match=expected):
        mcpbench_servers_config(checkout, McpBenchOptions(), env={})


def test_load_mcpbench_gives_tasks_and_exactly_their_servers(tmp_path):
    make_checkout(tmp_path)
    write_tasks(
        tmp_path / "tasks",
        single=[group(["Py Server"], task("py_000", distraction=["Rooted", "Node Server"]))],
        two=[group(["Keyed", "Node Server"], task("pair_000"))],
        three=[group(["Py Server", "Keyed", "Uv Script"], task("trio_000"))],
    )
    options = McpBenchOptions(allow=("Py Server", "Keyed", "Node Server"), distraction=True, node="/n/node")
    tasks, config = load_mcpbench(tmp_path, options)
    assert [(t.id, t.servers) for t in tasks] == [
        ("py_000", ("Py Server", "Node Server")),
        ("pair_000", ("Keyed", "Node Server")),
    ]
    assert config.names == ("Py Server", "Node Server", "Keyed")
    assert config["Node Server"].command == "/n/node"


def test_load_mcpbench_needs_a_checkout_not_just_task_files(tmp_path):
    write_tasks(tmp_path, single=[group(["A"], task("a"))])
    assert len(load_mcpbench_tasks(tmp_path, McpBenchOptions())) == 1
    with pytest.raises(UserError, match=r"not an MCP-Bench checkout: no mcp_servers/commands\.json"):
        load_mcpbench(tmp_path, McpBenchOptions())
