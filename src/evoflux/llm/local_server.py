"""Run the embedded model: a child process serving llama.cpp's OpenAI-compatible API on a free loopback port.
Waits for /health within a deadline, keeps prompt-prefix caching on, and stops on exit (context manager + atexit)."""

from __future__ import annotations

import atexit
import importlib.util
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import anyio

import evoflux
from evoflux.llm.config import ModelConfig
from evoflux.llm.errors import LocalServerError

DEFAULT_CTX_SIZE = 8192
"""Tokens per slot: a ~4k-token prompt plus room for a long reply."""
DEFAULT_PROMPT_CACHE_MIB = 2048
HEALTH_POLL_S = 0.1
LOG_TAIL_LINES = 6


def available_cores() -> int:
    """Cores this process may run on (affinity-aware where the OS tells)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


class LocalModelServer:
    """llama.cpp (via xllamacpp) serving one GGUF model at `base_url`, in a child process of its own.

    The child exits when this object stops it or when this process dies (its stdin pipe closes).
    """

    def __init__(
        self,
        model_path: Path | str,
        *,
        alias: str | None = None,
        threads: int | None = None,
        ctx_size: int = DEFAULT_CTX_SIZE,
        slots: int = 1,
        prompt_cache_mib: int = DEFAULT_PROMPT_CACHE_MIB,
        startup_timeout_s: float = 180.0,
        log_dir: Path | None = None,
    ) -> None:
        self.model_path = Path(model_path)
        self.model_id = alias or self.model_path.stem
        self.threads = threads if threads is not None else available_cores()
        self.ctx_size = ctx_size
        self.slots = slots
        self.prompt_cache_mib = prompt_cache_mib
        self.startup_timeout_s = startup_timeout_s
        self.log_dir = log_dir
        self.log_path: Path | None = None
        self.load_seconds: float | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._address: str | None = None

    def __repr__(self) -> str:
        state = f"running at {self._address}" if self.running else "stopped"
        return f"LocalModelServer({self.model_id!r}, threads={self.threads}, ctx={self.ctx_size}, {state})"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None and self._address is not None

    @property
    def base_url(self) -> str:
        """OpenAI-compatible base URL, ending in /v1."""
        if self._address is None:
            raise LocalServerError("The local model server is not running; call start() first.")
        return f"{self._address}/v1"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def model_config(self, base: ModelConfig | None = None) -> ModelConfig:
        """`base` (default: a fresh ModelConfig) pointed at this server and model."""
        return (base if base is not None else ModelConfig()).with_overrides(
            base_url=self.base_url, model=self.model_id
        )

    def peak_rss_bytes(self) -> int | None:
        """Peak resident memory of the server process (Linux /proc), None where unknown."""
        if self._process is None:
            return None
        status = Path(f"/proc/{self._process.pid}/status")
        if not status.is_file():
            return None
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        return None

    def start(self) -> LocalModelServer:
        """Start the child, wait until the model is loaded and /health answers. Idempotent."""
        if self.running:
            return self
        self.stop()  # reap a child that died since the last start
        if not self.model_path.is_file():
            raise LocalServerError(f"The model file {self.model_path} does not exist.")
        if importlib.util.find_spec("xllamacpp") is None:
            raise LocalServerError(
                "The embedded model needs the xllamacpp package, which is not installed.",
                hint="Install the local extra: pip install 'evoflux[local]'",
            )
        self.load_seconds = None
        started = time.monotonic()
        deadline = started + self.startup_timeout_s
        log_fd, log_name = tempfile.mkstemp(prefix="evoflux-llama-", suffix=".log", dir=self.log_dir)
        self.log_path = Path(log_name)
        self._log = os.fdopen(log_fd, "wb")
        command = [
            sys.executable,
            "-m",
            "evoflux.llm.local_runtime",
            "--model",
            str(self.model_path),
            "--alias",
            self.model_id,
            "--threads",
            str(self.threads),
            "--ctx-size",
            str(self.ctx_size),
            "--slots",
            str(self.slots),
            "--prompt-cache-mib",
            str(self.prompt_cache_mib),
        ]
        env = dict(os.environ)
        package_root = str(Path(evoflux.__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
        self._process = subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            start_new_session=True,  # a terminal's Ctrl-C reaches us, and we stop the child in order
        )
        atexit.register(self.stop)
        try:
            status = self._read_status(deadline)
            if not status.get("ready"):
                raise self._startup_error(f"The local model server failed to start: {status.get('error')}")
            self._address = str(status["address"])
            self._wait_healthy(deadline)
        except BaseException:
            self.stop()
            raise
        self.load_seconds = time.monotonic() - started
        return self

    def stop(self, timeout_s: float = 15.0) -> None:
        """Stop the child (closing its stdin, then SIGTERM, then SIGKILL). Idempotent."""
        process, self._process = self._process, None
        self._address = None
        atexit.unregister(self.stop)
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout is not None:
            process.stdout.close()
        if self._log is not None:
            self._log.close()
            self._log = None
        if process.returncode == 0 and self.load_seconds is not None and self.log_path is not None:
            self.log_path.unlink(missing_ok=True)
            self.log_path = None

    def __enter__(self) -> LocalModelServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    async def __aenter__(self) -> LocalModelServer:
        return await anyio.to_thread.run_sync(self.start)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await anyio.to_thread.run_sync(self.stop)

    def _read_status(self, deadline: float) -> dict[str, Any]:
        process = self._process
        assert process is not None and process.stdout is not None
        lines: queue.Queue[bytes] = queue.Queue(maxsize=1)
        stdout = process.stdout
        threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise self._startup_error(
                f"The local model server did not finish loading within {self.startup_timeout_s:g} s."
            ) from None
        if not line:
            code = process.wait()
            raise self._startup_error(f"The local model server exited with code {code} while starting.")
        try:
            status = json.loads(line)
        except json.JSONDecodeError:
            raise self._startup_error(
                f"The local model server printed an unexpected line: {line[:200]!r}"
            ) from None
        if not isinstance(status, dict):
            raise self._startup_error(f"The local model server printed an unexpected status: {status!r}")
        return status

    def _wait_healthy(self, deadline: float) -> None:
        url = f"{self._address}/health"
        last_error = "no answer"
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                raise self._startup_error("The local model server exited while loading the model.")
            try:
                with urllib.request.urlopen(url, timeout=2.0) as response:
                    if response.status == 200:
                        return
                    last_error = f"HTTP {response.status}"
            except urllib.error.HTTPError as exc:  # 503 while the model is still loading
                last_error = f"HTTP {exc.code}"
            except (urllib.error.URLError, OSError) as exc:
                last_error = str(exc)
            time.sleep(HEALTH_POLL_S)
        raise self._startup_error(
            f"The local model server at {self._address} was not healthy within {self.startup_timeout_s:g} s "
            f"({last_error})."
        )

    def _startup_error(self, message: str) -> LocalServerError:
        tail = self._log_tail()
        details = f"\nLast log lines:\n{tail}" if tail else ""
        return LocalServerError(
            f"{message}{details}",
            hint=f"Full log: {self.log_path}. Check that {self.model_path} is a valid GGUF model "
            "and that there is enough free memory.",
        )

    def _log_tail(self) -> str:
        if self.log_path is None or not self.log_path.is_file():
            return ""
        if self._log is not None:
            self._log.flush()
        lines = self.log_path.read_text(errors="replace").splitlines()
        errors = [
            line for line in lines if " E " in line or "error" in line.lower() or "fail" in line.lower()
        ]
        chosen = (errors or lines)[-LOG_TAIL_LINES:]
        return "\n".join(f"  {line.strip()}" for line in chosen)
