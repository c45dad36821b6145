"""A scripted fake OpenAI-compatible chat server on loopback, for testing the chat client end to end.
Replies come from a queue; it records every request and notices when a client hangs up mid-reply."""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SECRET = "sk-test-SECRET-do-not-leak-123"
"""The API key the tests configure; it must never appear in errors, reprs or logs."""


@dataclass
class Scripted:
    status: int = 200
    body: dict[str, Any] | str | None = None
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


def completion(
    content: str,
    *,
    finish_reason: str = "stop",
    prompt_tokens: int = 11,
    completion_tokens: int = 7,
    cached_tokens: int = 0,
) -> Scripted:
    return Scripted(
        body={
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": "fake-model",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": finish_reason,
                    "message": {"role": "assistant", "content": content},
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
                "prompt_tokens_details": {"cached_tokens": cached_tokens},
            },
        }
    )


def error(status: int, message: str, **headers: str) -> Scripted:
    return Scripted(status=status, body={"error": {"message": message, "type": "error"}}, headers=headers)


class FakeOpenAI:
    """Serves POST /v1/chat/completions from `script`; `reject_response_format` mimics servers without it."""

    def __init__(self) -> None:
        self.script: deque[Scripted] = deque()
        self.requests: list[dict[str, Any]] = []
        self.authorization: list[str | None] = []
        self.reject_response_format = False
        self.disconnects = 0
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def push(self, *replies: Scripted) -> None:
        self.script.extend(replies)

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _next(self, request: dict[str, Any], authorization: str | None) -> Scripted:
        with self._lock:
            self.requests.append(request)
            self.authorization.append(authorization)
            if self.reject_response_format and "response_format" in request:
                return error(400, "'response_format' of type 'json_schema' is not supported by this server")
            if not self.script:
                return error(500, "the fake server's script is empty")
            return self.script.popleft()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                request = json.loads(self.rfile.read(length) or b"{}")
                reply = fake._next(request, self.headers.get("Authorization"))
                if reply.delay_s and not self._wait_unless_hung_up(reply.delay_s):
                    with fake._lock:
                        fake.disconnects += 1
                    return
                payload = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
                data = payload.encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def _wait_unless_hung_up(self, seconds: float) -> bool:
                end = time.monotonic() + seconds
                while time.monotonic() < end:
                    readable, _, _ = select.select([self.connection], [], [], 0.02)
                    if readable and self.connection.recv(1, socket.MSG_PEEK) == b"":
                        return False
                return True

        return Handler


def closed_port_url() -> str:
    """A loopback URL nothing listens on: connecting is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"
