"""Secret redaction: a header's token, URL credentials, and the SDK's log records with their tracebacks."""

from __future__ import annotations

import logging

import pytest

from evoflux.catalog.config import HttpServer, ServersConfig, parse_servers_config
from evoflux.redaction import Redactor, redact_logs, redact_urls

TOKEN = "tok-abcdef-0123"


def test_the_token_of_a_scheme_header_is_a_secret_on_its_own() -> None:
    config = ServersConfig.of(
        HttpServer("remote", "https://example.com/mcp", {"Authorization": f"Bearer {TOKEN}"})
    )
    assert config.redact(f"invalid token {TOKEN}") == "invalid token ***"
    assert config.redact(f"Authorization: Bearer {TOKEN}") == "Authorization: ***"


def test_url_credentials_are_redacted_wherever_they_appear() -> None:
    data = {"mcpServers": {"remote": {"url": "https://alice:pa55word@example.com/mcp"}}}
    config = parse_servers_config(data, "cfg.json", environ={})
    assert config["remote"].describe() == ("http", "https://***@example.com/mcp")
    assert "pa55word" not in repr(config["remote"])
    assert config.redact("login pa55word refused") == "login *** refused"
    assert (
        redact_urls("see http://u:p@h:8080/x and https://plain.org/")
        == "see http://***@h:8080/x and https://plain.org/"
    )


def test_leaks_counts_what_a_text_gives_away() -> None:
    redactor = Redactor([f"Bearer {TOKEN}"])
    assert redactor.leaks(f"{TOKEN} and Bearer {TOKEN} at https://u:pw@host/") == 4
    assert redactor.leaks(redactor(f"{TOKEN} at https://u:pw@host/")) == 0


def test_forwarded_sdk_records_lose_secrets_in_message_and_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    redact_logs(Redactor([f"Bearer {TOKEN}"]))
    sdk = logging.getLogger("mcp.client.streamable_http")
    try:
        raise ValueError(f"input_value=b'not json: Bearer {TOKEN}'")
    except ValueError:
        sdk.exception("Error parsing JSON response from %s", f"https://user:{TOKEN}@host/mcp")
    logging.getLogger("httpx2").warning("retrying with %s", TOKEN)
    assert "Error parsing JSON response from https://***@host/mcp" in caplog.text
    assert "ValueError: input_value=b'not json: ***'" in caplog.text
    assert "retrying with ***" in caplog.text
    assert TOKEN not in caplog.text
