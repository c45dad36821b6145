"""The servers config: the mcpServers format, one clear UserError per problem, ${VAR} expansion, secrets."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest

from evoflux.catalog import config as config_module
from evoflux.catalog.config import (
    HttpServer,
    InProcessServer,
    ServersConfig,
    StdioServer,
    load_servers_config,
    parse_servers_config,
    resolve_servers_config,
)
from evoflux.errors import UserError

SECRET = "tok-9f8e7d6c5b4a"


def write(tmp_path: Path, data: Any, name: str = "servers.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def test_stdio_and_http_servers(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {
            "mcpServers": {
                "files": {
                    "command": "npx",
                    "args": ["-y", "files-server"],
                    "env": {"ROOT": "/data"},
                    "cwd": "work",
                },
                "remote": {"type": "http", "url": "https://example.com/mcp", "headers": {"X-Team": "blue"}},
                "other": {"type": "streamable-http", "url": "http://localhost:9000/mcp"},
                "off": {"command": "nothing", "disabled": True},
            }
        },
    )
    config = load_servers_config(path)
    assert config.names == ("files", "remote", "other")
    assert config.source == str(path)
    files = config["files"]
    assert files == StdioServer(
        "files", "npx", ("-y", "files-server"), {"ROOT": "/data"}, str(tmp_path / "work")
    )
    assert config["remote"] == HttpServer("remote", "https://example.com/mcp", {"X-Team": "blue"})
    assert config.subset(["other", "files"]).names == ("other", "files")


def test_vs_code_servers_key(tmp_path: Path) -> None:
    config = load_servers_config(write(tmp_path, {"servers": {"a": {"command": "srv"}}, "inputs": []}))
    assert config.names == ("a",)


def test_unknown_names_in_subset(tmp_path: Path) -> None:
    config = load_servers_config(write(tmp_path, {"mcpServers": {"a": {"command": "srv"}}}))
    with pytest.raises(UserError, match=r"unknown server 'b' \(known: a\)"):
        config.subset(["b"])


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ("{not json", "not valid JSON (line 1, column 2"),
        ([1, 2], "must be a JSON object"),
        ({"tools": {}}, "no 'mcpServers'"),
        ({"mcpServers": []}, "'mcpServers' must be an object"),
        ({"mcpServers": {}}, "defines no enabled server"),
        ({"mcpServers": {"s": {"args": []}}}, "server 's' needs a 'command'"),
        ({"mcpServers": {"s": "npx"}}, "server 's' must be an object"),
        (
            {"mcpServers": {"s": {"command": "x", "args": "-v"}}},
            "server 's' field 'args' must be a list of strings",
        ),
        ({"mcpServers": {"s": {"command": "x", "args": [1]}}}, "server 's' field 'args'"),
        (
            {"mcpServers": {"s": {"command": "x", "env": {"A": 1}}}},
            "server 's' field 'env' must be an object of string",
        ),
        ({"mcpServers": {"s": {"command": "x", "env": ["A"]}}}, "server 's' field 'env'"),
        (
            {"mcpServers": {"s": {"command": "x", "url": "http://h"}}},
            "server 's' has both 'command' and 'url'",
        ),
        ({"mcpServers": {"s": {"command": ""}}}, "server 's' field 'command' must be a non-empty string"),
        ({"mcpServers": {"s": {"command": "x", "cwd": 3}}}, "server 's' field 'cwd'"),
        ({"mcpServers": {"s": {"url": "ftp://h"}}}, "server 's' field 'url' must start with http"),
        ({"mcpServers": {"s": {"url": "http://h", "headers": {"A": None}}}}, "server 's' field 'headers'"),
        (
            {"mcpServers": {"s": {"url": "http://h", "type": "sse"}}},
            "server 's' field 'type': the SSE transport",
        ),
        ({"mcpServers": {"s": {"url": "http://h", "type": "ws"}}}, "server 's' field 'type' must be"),
        ({"mcpServers": {"s": {"command": "x", "type": "http"}}}, "server 's' field 'type' is 'http'"),
        ({"mcpServers": {"s": {"command": "x", "disabled": "yes"}}}, "server 's' field 'disabled'"),
        ({"mcpServers": {"a:b": {"command": "x"}}}, "server name 'a:b'"),
        ({"mcpServers": {}, "servers": {}}, "both 'mcpServers' and 'servers'"),
    ],
)
def test_each_problem_is_one_user_error_naming_file_and_field(
    tmp_path: Path, data: Any, fragment: str
) -> None:
    path = write(tmp_path, data)
    with pytest.raises(UserError) as caught:
        load_servers_config(path)
    message = str(caught.value)
    assert message.startswith(str(path)), message
    assert fragment in message


def test_missing_file() -> None:
    with pytest.raises(UserError, match=r"cannot read servers config /no/such/file\.json"):
        load_servers_config("/no/such/file.json")


def test_variables_are_expanded_everywhere() -> None:
    environ = {"TOKEN": SECRET, "HOST": "example.com", "EMPTY": ""}
    data = {
        "mcpServers": {
            "s": {
                "command": "srv",
                "args": ["--token", "${TOKEN}", "--mode=${MODE:-fast}", "${EMPTY}"],
                "env": {"API_KEY": "${env:TOKEN}", "PLAIN": "x"},
            },
            "h": {"url": "https://${HOST}/mcp?k=${TOKEN}", "headers": {"Authorization": "Bearer ${TOKEN}"}},
        }
    }
    config = parse_servers_config(data, "cfg.json", environ=environ)
    stdio = config["s"]
    assert isinstance(stdio, StdioServer)
    assert stdio.args == ("--token", SECRET, "--mode=fast", "")
    assert stdio.env == {"API_KEY": SECRET, "PLAIN": "x"}
    http = config["h"]
    assert isinstance(http, HttpServer)
    assert http.url == f"https://example.com/mcp?k={SECRET}"
    assert http.headers == {"Authorization": f"Bearer {SECRET}"}


def test_missing_variable_names_variable_and_server_not_values() -> None:
    data = {"mcpServers": {"gh": {"command": "srv", "env": {"TOKEN": "${GITHUB_TOKEN}", "B": "${OTHER}"}}}}
    with pytest.raises(UserError) as caught:
        parse_servers_config(data, "cfg.json", environ={"OTHER": SECRET})
    message = str(caught.value)
    assert "cfg.json" in message and "'gh'" in message and "env.TOKEN" in message
    assert "${GITHUB_TOKEN}" in message
    assert SECRET not in message


def test_unsupported_placeholder() -> None:
    with pytest.raises(UserError, match=r"unsupported placeholder '\$\{input:token\}'"):
        parse_servers_config(
            {"mcpServers": {"s": {"command": "x", "args": ["${input:token}"]}}}, "c", environ={}
        )


def test_secrets_never_in_reprs_and_are_redacted() -> None:
    data = {
        "mcpServers": {
            "s": {"command": "srv", "args": ["--key=${TOKEN}"], "env": {"API_KEY": "literal-secret-value"}},
            "h": {"url": "https://h/mcp?key=${TOKEN}", "headers": {"Authorization": "Bearer abcdefgh"}},
        }
    }
    config = parse_servers_config(data, "cfg.json", environ={"TOKEN": SECRET})
    shown = repr(config) + str(config) + repr(config["s"]) + repr(config["h"])
    for secret in (SECRET, "literal-secret-value", "Bearer abcdefgh"):
        assert secret not in shown
    assert "API_KEY" in shown and "Authorization" in shown
    assert config["s"].describe() == ("stdio", "srv --key=***")  # type: ignore[union-attr]
    assert config["h"].describe() == ("http", "https://h/mcp?key=***")  # type: ignore[union-attr]
    text = f"failed with {SECRET}, literal-secret-value and Bearer abcdefgh"
    assert config.redact(text) == "failed with ***, *** and ***"


def test_short_values_are_not_redacted() -> None:
    config = ServersConfig.of(StdioServer("s", "srv", env={"DEBUG": "1", "MODE": "on"}))
    assert config.redact("mode on, debug 1") == "mode on, debug 1"


def test_in_process_servers_are_code_only() -> None:
    config = ServersConfig.of(InProcessServer("mem", lambda: None))  # type: ignore[arg-type, return-value]
    assert config.names == ("mem",)
    assert config.redact("nothing secret") == "nothing secret"


class TestResolve:
    def test_explicit_path_first(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        explicit = write(tmp_path, {"mcpServers": {"explicit": {"command": "x"}}}, "a.json")
        from_env = write(tmp_path, {"mcpServers": {"env": {"command": "x"}}}, "b.json")
        monkeypatch.setenv(config_module.ENV_VAR, str(from_env))
        assert resolve_servers_config(str(explicit)).names == ("explicit",)

    def test_environment_variable_next(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        from_env = write(tmp_path, {"mcpServers": {"env": {"command": "x"}}}, "b.json")
        write(tmp_path, {"mcpServers": {"local": {"command": "x"}}}, config_module.LOCAL_CONFIG)
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv(config_module.ENV_VAR, str(from_env))
        assert resolve_servers_config(None).names == ("env",)

    def test_environment_variable_naming_nothing(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv(config_module.ENV_VAR, str(tmp_path / "missing.json"))
        with pytest.raises(UserError, match=r"\$EVOFLUX_SERVERS names .*missing.json, which is not a file"):
            resolve_servers_config(None)

    def test_local_file_next(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        write(tmp_path, {"mcpServers": {"local": {"command": "x"}}}, config_module.LOCAL_CONFIG)
        monkeypatch.chdir(tmp_path)
        monkeypatch.delenv(config_module.ENV_VAR, raising=False)
        assert resolve_servers_config(None).names == ("local",)

    def test_bundled_servers_last(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        servers = pytest.importorskip("evoflux.servers")
        if not hasattr(servers, "bundled_servers_config"):
            pytest.skip("evoflux.servers.bundled_servers_config is not written yet")
        monkeypatch.chdir(tmp_path)
        monkeypatch.delenv(config_module.ENV_VAR, raising=False)
        config = resolve_servers_config(None)
        assert config.source == "bundled servers"
        assert config.names


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{"mcpServers": {"weather": {"command": "a"}, "weather": {"command": "b"}}}',
            "duplicate key 'weather' in mcpServers; each key may appear once",
        ),
        (
            '{"mcpServers": {"w": {"command": "a", "env": {"KEY": "1", "KEY": "2"}}}}',
            "duplicate key 'KEY' in mcpServers.w.env;",
        ),
        (
            '{"mcpServers": {"w": {"command": "a"}}, "mcpServers": {}}',
            "duplicate key 'mcpServers' in the top-level",
        ),
    ],
)
def test_duplicate_keys_are_errors_naming_key_and_place(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "servers.json"
    path.write_text(text)
    with pytest.raises(UserError, match=re.escape(f"{path}: {message}")):
        load_servers_config(path)


def test_an_unknown_field_is_a_warning_naming_the_nearest_known_one(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "servers.json"
    path.write_text('{"mcpServers": {"w": {"command": "python", "arg": ["-m", "w"], "colour": "red"}}}')
    config = load_servers_config(path)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert config["w"] == StdioServer("w", "python")
    assert warnings == [
        f"{path}: server 'w' has an unknown field 'arg', which is ignored; did you mean 'args'?",
        f"{path}: server 'w' has an unknown field 'colour', which is ignored; "
        "known fields: type, command, args, env, cwd, url, headers, disabled",
    ]
