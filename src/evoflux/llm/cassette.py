"""Record/replay of model calls as JSONL cassettes: one line per call with key, request summary and response.
The key hashes (model, messages, schema, temperature, seed, max_tokens); modes off|record|replay|replay_or_record."""

from __future__ import annotations

import hashlib
import json
import threading
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from evoflux.llm.errors import CassetteError, CassetteMiss
from evoflux.llm.reply import ChatMessage, JsonMode

PREVIEW_CHARS = 160


class CassetteMode(StrEnum):
    OFF = "off"
    RECORD = "record"
    REPLAY = "replay"
    REPLAY_OR_RECORD = "replay_or_record"


def request_key(
    *,
    model: str,
    messages: list[ChatMessage],
    schema: dict[str, Any] | None,
    temperature: float,
    seed: int | None,
    max_tokens: int,
    scope: str | None = None,
) -> str:
    """Stable sha256 of everything that determines a model's answer, and of the caller's `scope` when given.

    A scope (a bench unit, say) keeps the same request made by independent callers apart, so each replays
    its own recorded answers whatever order the callers ran in.
    """
    payload: dict[str, Any] = {
        "model": model,
        "messages": messages,
        "schema": schema,
        "temperature": temperature,
        "seed": seed,
        "max_tokens": max_tokens,
    }
    if scope is not None:
        payload["scope"] = scope
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class RequestSummary(BaseModel):
    """Human-readable description of a request, stored next to its key."""

    model_config = ConfigDict(frozen=True)

    model: str
    purpose: str
    messages: int
    last_message: str
    schema_name: str | None
    temperature: float
    seed: int | None
    max_tokens: int

    @classmethod
    def build(
        cls,
        *,
        model: str,
        purpose: str,
        messages: list[ChatMessage],
        schema_name: str | None,
        temperature: float,
        seed: int | None,
        max_tokens: int,
    ) -> RequestSummary:
        last = " ".join(messages[-1]["content"].split())
        if len(last) > PREVIEW_CHARS:
            last = last[: PREVIEW_CHARS - 1] + "…"
        return cls(
            model=model,
            purpose=purpose,
            messages=len(messages),
            last_message=last,
            schema_name=schema_name,
            temperature=temperature,
            seed=seed,
            max_tokens=max_tokens,
        )

    def describe(self) -> str:
        shape = f"schema {self.schema_name!r}" if self.schema_name else "free text"
        return (
            f"{self.purpose} request to {self.model} ({self.messages} messages, {shape}, "
            f"temperature {self.temperature}, seed {self.seed}, max_tokens {self.max_tokens}); "
            f"last message: {self.last_message!r}"
        )


class RecordedResponse(BaseModel):
    """What the server answered; `seconds` is the wall time of the original live call."""

    model_config = ConfigDict(frozen=True)

    text: str
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    cached_prompt_tokens: int = 0
    json_mode: JsonMode
    seconds: float


class CassetteEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    request: RequestSummary
    response: RecordedResponse


class Cassette:
    """A JSONL file of recorded calls. Same-key entries replay in recorded order; `replay` reuses the last.

    `record` appends every live call; `replay_or_record` replays what exists and records what is missing.
    To re-record from scratch, delete the file first.
    """

    def __init__(self, path: Path | str, mode: CassetteMode | str) -> None:
        self.path = Path(path)
        self.mode = CassetteMode(mode)
        self._entries: dict[str, list[RecordedResponse]] = {}
        self._cursor: dict[str, int] = {}
        self._lock = threading.Lock()
        if self.mode is CassetteMode.REPLAY and not self.path.is_file():
            raise CassetteError(
                f"Cassette {self.path} does not exist, so nothing can be replayed.",
                hint="Record it first with cassette mode 'record' or 'replay_or_record'.",
            )
        if self.replays and self.path.is_file():
            self._load()

    @property
    def replays(self) -> bool:
        return self.mode in (CassetteMode.REPLAY, CassetteMode.REPLAY_OR_RECORD)

    @property
    def records(self) -> bool:
        return self.mode in (CassetteMode.RECORD, CassetteMode.REPLAY_OR_RECORD)

    def __len__(self) -> int:
        with self._lock:
            return sum(len(v) for v in self._entries.values())

    def replay(self, key: str, request: RequestSummary) -> RecordedResponse | None:
        """The next recorded response for `key`; None means 'call the model' (raises CassetteMiss in replay)."""
        with self._lock:
            responses = self._entries.get(key, [])
            index = self._cursor.get(key, 0)
            if index < len(responses):
                self._cursor[key] = index + 1
                return responses[index]
            if responses and self.mode is CassetteMode.REPLAY:
                return responses[-1]
        if self.mode is CassetteMode.REPLAY:
            raise CassetteMiss(
                f"Cassette {self.path} has no recorded response for this {request.describe()}",
                cassette=str(self.path),
                key=key,
                hint="The prompt, schema or settings changed since recording; re-record with cassette mode "
                "'replay_or_record' against a live model.",
            )
        return None

    def record(self, key: str, request: RequestSummary, response: RecordedResponse) -> None:
        line = CassetteEntry(key=key, request=request, response=response).model_dump_json()
        with self._lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as handle:
                    handle.write(line + "\n")
            except OSError as exc:
                raise CassetteError(f"Cannot write cassette {self.path}: {exc.strerror or exc}") from exc
            responses = self._entries.setdefault(key, [])
            responses.append(response)
            self._cursor[key] = len(responses)

    def _load(self) -> None:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise CassetteError(f"Cannot read cassette {self.path}: {exc.strerror or exc}") from exc
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                entry = CassetteEntry.model_validate_json(line)
            except ValidationError as exc:
                raise CassetteError(
                    f"Cassette {self.path} line {number} is not a valid entry: {exc.errors()[0]['msg']}",
                    hint="Delete the cassette and record it again.",
                ) from None
            self._entries.setdefault(entry.key, []).append(entry.response)
