"""A scripted OpenAI-compatible model server on 127.0.0.1 for tests and the reliability benchmark.

One mode for every request: `ok` (a JSON chat completion of `content`), `not-json` (HTTP 200 whose body is
not JSON), `hang` (never answers; the request is held until the client leaves or the server stops) or
`error` (HTTP 500). Run it alone with `python tests/support/model_server.py MODE`: it prints its base URL.
"""

from __future__ import annotations

import json
import select
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

Mode = Literal["ok", "not-json", "hang", "error"]
MODES: tuple[Mode, ...] = ("ok", "not-json", "hang", "error")
NOT_JSON_BODY = "<html><body>502 Bad Gateway (proxy)</body></html>"


def chat_completion(content: str) -> dict[str, Any]:
    """The body of a successful chat completion answering `content`."""
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "scripted-model",
        "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


class ModelServer:
    """Serves POST .../chat/completions in one `mode`; counts requests. A context manager: start, then stop."""

    def __init__(self, mode: Mode = "ok", content: str = "{}") -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; known: {', '.join(MODES)}")
        self.mode = mode
        self.content = content
        self.requests = 0
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def start(self) -> ModelServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> ModelServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _reply(self) -> tuple[int, str] | None:
        """(status, body) for the current mode; None for `hang`."""
        if self.mode == "ok":
            return 200, json.dumps(chat_completion(self.content))
        if self.mode == "not-json":
            return 200, NOT_JSON_BODY
        if self.mode == "error":
            return 500, json.dumps({"error": {"message": "scripted internal error", "type": "server_error"}})
        return None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with server._lock:
                    server.requests += 1
                reply = server._reply()
                if reply is None:
                    self._hold()
                    return
                status, body = reply
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _hold(self) -> None:
                """Answer nothing until the client hangs up or the server stops."""
                while not server._stopping.is_set():
                    readable, _, _ = select.select([self.connection], [], [], 0.05)
                    if readable and not self.connection.recv(1024):
                        return

        return Handler


def main(argv: list[str]) -> None:
    mode = argv[0] if argv else "ok"
    server = ModelServer(mode).start()  # type: ignore[arg-type]
    print(server.base_url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
