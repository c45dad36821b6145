"""The tool-call cache: identical calls run once, and recordings replay whole runs offline.

Keyed by (server, tool, canonical arguments, the server's tool-list version); stores only
deterministic outcomes (ok and tool errors), never timeouts or dead servers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import anyio

from evoflux.catalog.pool import CallStatus, ToolCallResult
from evoflux.errors import UserError


class CacheMode(StrEnum):
    OFF = "off"
    MEMORY = "memory"
    RECORD = "record"
    REPLAY = "replay"
    REPLAY_OR_RECORD = "replay_or_record"


_STORED = (CallStatus.OK, CallStatus.TOOL_ERROR)


def call_key(server: str, tool: str, args: Any, version: str | None) -> str:
    canonical = json.dumps(
        [server, tool, args, version or ""], sort_keys=True, ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


class NotRecorded(LookupError):
    """Replay mode met a call that the recording does not hold."""


@dataclass
class CallCache:
    """In-memory results, optionally backed by a JSONL recording file."""

    mode: CacheMode = CacheMode.MEMORY
    path: Path | None = None

    def __post_init__(self) -> None:
        self._results: dict[str, ToolCallResult] = {}
        self._inflight: dict[str, anyio.Event] = {}
        self.hits = 0
        self.misses = 0
        needs_file = self.mode in (CacheMode.RECORD, CacheMode.REPLAY, CacheMode.REPLAY_OR_RECORD)
        if needs_file and self.path is None:
            raise UserError(f"call cache mode '{self.mode}' needs a recording file")
        if self.path is not None and self.mode in (CacheMode.REPLAY, CacheMode.REPLAY_OR_RECORD):
            self._load(self.path)

    def _load(self, path: Path) -> None:
        if not path.exists():
            if self.mode is CacheMode.REPLAY:
                raise UserError(f"tool-call recording {path} does not exist")
            return
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                self._results[entry["key"]] = ToolCallResult(
                    status=CallStatus(entry["status"]),
                    structured=entry.get("structured"),
                    text=entry.get("text", ""),
                    error=entry.get("error"),
                    seconds=entry.get("seconds", 0.0),
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise UserError(f"{path}:{number}: not a tool-call recording line ({exc})") from None

    async def call(
        self,
        key: str,
        cacheable: bool,
        live: Callable[[], Awaitable[ToolCallResult]],
        describe: str = "",
    ) -> tuple[ToolCallResult, bool]:
        """The result for `key` and whether it came from the cache; `live` runs the real call."""
        if self.mode is CacheMode.OFF or (not cacheable and self.mode is not CacheMode.REPLAY):
            return await live(), False
        while key in self._inflight:
            await self._inflight[key].wait()
        if key in self._results:
            self.hits += 1
            return self._results[key], True
        if self.mode is CacheMode.REPLAY:
            raise NotRecorded(f"no recorded result for {describe or key}")
        self.misses += 1
        done = self._inflight[key] = anyio.Event()
        try:
            result = await live()
            if result.status in _STORED:
                self._results[key] = result
                self._append(key, result, describe)
            return result, False
        finally:
            del self._inflight[key]
            done.set()

    def _append(self, key: str, result: ToolCallResult, describe: str) -> None:
        if self.path is None or self.mode not in (CacheMode.RECORD, CacheMode.REPLAY_OR_RECORD):
            return
        entry = {
            "key": key,
            "call": describe,
            "status": result.status.value,
            "structured": result.structured,
            "text": result.text,
            "error": result.error,
            "seconds": round(result.seconds, 4),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a") as out:
            out.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
