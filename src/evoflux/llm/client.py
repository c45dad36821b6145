"""Async chat client for any OpenAI-compatible endpoint (vLLM, llama.cpp, Ollama, LM Studio, hosted APIs).
JSON-schema replies with a prompt-instruction fallback, bounded retries, real deadlines, ledger and cassettes."""

from __future__ import annotations

import copy
import json
import logging
import os
import random
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal

import anyio
import openai
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletion

from evoflux.llm.cassette import Cassette, CassetteMode, RecordedResponse, RequestSummary, request_key
from evoflux.llm.config import ModelConfig
from evoflux.llm.errors import (
    InvalidRequest,
    LLMError,
    ModelAuthFailed,
    ModelNotConfigured,
    ModelReplyUnreadable,
    ModelRequestFailed,
    ModelTimeout,
    ModelUnreachable,
    PromptTooLong,
    redact,
)
from evoflux.llm.parsing import parse_json_text, schema_validator, text_failure
from evoflux.llm.reply import ChatMessage, JsonMode, ModelReply, Purpose, ReplyFailure, normalize_messages
from evoflux.llm.usage import CallRecord, UsageLedger

log = logging.getLogger(__name__)

NO_API_KEY = "not-needed"
"""Sent when no key is configured: local servers ignore it, and the SDK refuses an empty key."""

RETRYABLE_STATUS = frozenset({408, 409, 429})
FORMAT_REJECTION_STATUS = frozenset({400, 415, 422, 500, 501})
FORMAT_WORDS = ("response_format", "response format", "json_schema", "structured output")
UNSUPPORTED_WORDS = ("not supported", "unsupported", "not implemented")
SCHEMA_PROBLEM_WORDS = ("invalid schema", "schema error", "unsupported $ref", "invalid json schema")
CONTEXT_WORDS = ("context length", "context size", "context window", "maximum context", "too many tokens")
MAX_DETAIL_CHARS = 300
MAX_PREVIEW_CHARS = 80
MAX_RETRY_AFTER_S = 60.0
SCHEMA_NAME_RE = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass(frozen=True)
class _Exchange:
    response: RecordedResponse
    seconds: float
    replayed: bool


class ChatClient:
    """One model endpoint. Share a UsageLedger between clients to account for a whole solve.

    Configuration precedence: explicit arguments, then `config`, else EVOFLUX_* environment variables.
    """

    def __init__(
        self,
        config: ModelConfig | None = None,
        *,
        model: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        ledger: UsageLedger | None = None,
        cassette: Cassette | None = None,
    ) -> None:
        base = config if config is not None else ModelConfig.from_env()
        self.config = base.with_overrides(model=model, base_url=base_url, api_key=api_key)
        if not self.config.model:
            raise ModelNotConfigured(
                "No model name is configured.",
                hint="Set EVOFLUX_MODEL (EVOFLUX_MODEL=local runs the embedded model) or pass model=...",
            )
        self.model: str = self.config.model
        self.ledger = ledger if ledger is not None else UsageLedger()
        cfg = self.config
        if cassette is None and cfg.cassette_path is not None and cfg.cassette_mode is not CassetteMode.OFF:
            cassette = Cassette(cfg.cassette_path, cfg.cassette_mode)
        self.cassette = cassette
        self._sdk: list[AsyncOpenAI] = []  # shared with `counting_into` views: at most one connection
        self._schema_format = True
        self.cassette_scope: str | None = None

    def __repr__(self) -> str:
        cassette = f"{self.cassette.mode.value}:{self.cassette.path}" if self.cassette else "off"
        return (
            f"ChatClient(model={self.model!r}, base_url={self.config.base_url!r}, "
            f"json_mode={self.json_mode!r}, cassette={cassette!r})"
        )

    @property
    def json_mode(self) -> JsonMode:
        """'schema' while the server accepts response_format json_schema, 'instructions' after a rejection."""
        return "schema" if self._schema_format else "instructions"

    async def __aenter__(self) -> ChatClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._sdk:
            await self._sdk.pop().close()

    async def complete_json(
        self,
        messages: Sequence[Mapping[str, str]],
        schema: dict[str, Any],
        *,
        purpose: Purpose | str,
        temperature: float = 0.0,
        max_tokens: int = 1024,
        seed: int | None = None,
        schema_name: str | None = None,
        deadline_s: float | None = None,
    ) -> ModelReply:
        """Ask for one JSON value matching `schema`. Bad output becomes `reply.failure`, never an exception."""
        purpose_ = Purpose.coerce(purpose)
        chat = normalize_messages(messages)
        validator = schema_validator(schema)
        name = _schema_name(schema_name or str(schema.get("title") or "reply"))
        exchange = await self._exchange(
            purpose_, chat, schema, name, temperature, max_tokens, seed, deadline_s
        )
        parsed = parse_json_text(exchange.response.text, exchange.response.finish_reason, validator)
        return self._reply(
            purpose_, exchange, value=parsed.value, failure=parsed.failure, repaired=parsed.repaired
        )

    async def complete_text(
        self,
        messages: Sequence[Mapping[str, str]],
        *,
        purpose: Purpose | str,
        temperature: float = 0.0,
        max_tokens: int = 1024,
        seed: int | None = None,
        deadline_s: float | None = None,
    ) -> ModelReply:
        """Free-text completion; `reply.text` holds the answer, `reply.failure` flags empty or truncated text."""
        purpose_ = Purpose.coerce(purpose)
        chat = normalize_messages(messages)
        exchange = await self._exchange(purpose_, chat, None, None, temperature, max_tokens, seed, deadline_s)
        failure = text_failure(exchange.response.text, exchange.response.finish_reason)
        return self._reply(purpose_, exchange, value=None, failure=failure, repaired=False)

    def _reply(
        self,
        purpose: Purpose,
        exchange: _Exchange,
        *,
        value: Any,
        failure: ReplyFailure | None,
        repaired: bool,
    ) -> ModelReply:
        response = exchange.response
        return ModelReply(
            purpose=purpose,
            model=self.model,
            text=response.text,
            value=value,
            failure=failure,
            finish_reason=response.finish_reason,
            prompt_tokens=response.prompt_tokens,
            completion_tokens=response.completion_tokens,
            cached_prompt_tokens=response.cached_prompt_tokens,
            seconds=exchange.seconds,
            replayed=exchange.replayed,
            json_mode=response.json_mode,
            repaired=repaired,
        )

    async def _exchange(
        self,
        purpose: Purpose,
        messages: list[ChatMessage],
        schema: dict[str, Any] | None,
        schema_name: str | None,
        temperature: float,
        max_tokens: int,
        seed: int | None,
        deadline_s: float | None,
    ) -> _Exchange:
        if temperature < 0:
            raise InvalidRequest(f"temperature must be >= 0, got {temperature}.")
        if max_tokens < 1:
            raise InvalidRequest(f"max_tokens must be >= 1, got {max_tokens}.")
        key = request_key(
            model=self.model,
            messages=messages,
            schema=schema,
            temperature=temperature,
            seed=seed,
            max_tokens=max_tokens,
            scope=self.cassette_scope,
        )
        summary = RequestSummary.build(
            model=self.model,
            purpose=purpose.value,
            messages=messages,
            schema_name=schema_name,
            temperature=temperature,
            seed=seed,
            max_tokens=max_tokens,
        )
        started = time.perf_counter()
        if self.cassette is not None and self.cassette.replays:
            recorded = self.cassette.replay(key, summary)
            if recorded is not None:
                seconds = time.perf_counter() - started
                self.ledger.record(_record(purpose, self.model, recorded, seconds, replayed=True))
                return _Exchange(recorded, seconds, replayed=True)
        try:
            response = await self._call_with_deadline(
                messages, schema, schema_name, temperature, max_tokens, seed, deadline_s
            )
        except LLMError as exc:
            seconds = time.perf_counter() - started
            self.ledger.record(CallRecord(purpose, self.model, 0, 0, seconds, error=type(exc).__name__))
            raise
        seconds = time.perf_counter() - started
        self.ledger.record(_record(purpose, self.model, response, seconds, replayed=False))
        log.debug(
            "%s call: %d prompt (%d cached) + %d completion tokens in %.2f s",
            purpose.value,
            response.prompt_tokens,
            response.cached_prompt_tokens,
            response.completion_tokens,
            seconds,
        )
        if self.cassette is not None and self.cassette.records:
            self.cassette.record(key, summary, response)
        return _Exchange(response, seconds, replayed=False)

    async def _call_with_deadline(
        self,
        messages: list[ChatMessage],
        schema: dict[str, Any] | None,
        schema_name: str | None,
        temperature: float,
        max_tokens: int,
        seed: int | None,
        deadline_s: float | None,
    ) -> RecordedResponse:
        deadline = deadline_s if deadline_s is not None else self.config.call_deadline_s
        if deadline <= 0:
            raise InvalidRequest(f"deadline_s must be > 0, got {deadline}.")
        with anyio.CancelScope(deadline=anyio.current_time() + deadline):
            return await self._call_with_retries(messages, schema, schema_name, temperature, max_tokens, seed)
        # Only reached when the deadline cancelled the body: the scope swallowed that cancellation.
        raise ModelTimeout(
            f"The call to model {self.model!r} at {self.config.base_url} did not finish within {deadline:g} s "
            "and was cancelled.",
            deadline_s=deadline,
            hint="Raise the deadline, lower max_tokens, shorten the prompt or use a faster model.",
        )

    async def _call_with_retries(
        self,
        messages: list[ChatMessage],
        schema: dict[str, Any] | None,
        schema_name: str | None,
        temperature: float,
        max_tokens: int,
        seed: int | None,
    ) -> RecordedResponse:
        attempts = self.config.max_retries + 1
        failures = 0
        use_schema = schema is not None and self._schema_format
        while True:
            try:
                return await self._request(
                    messages, schema, schema_name, temperature, max_tokens, seed, use_schema=use_schema
                )
            except openai.APIStatusError as exc:
                rejection = _format_rejection(exc) if use_schema else None
                if rejection is not None:
                    use_schema = False
                    if rejection == "server":
                        self._schema_format = False
                        log.warning(
                            "%s does not support response_format json_schema (HTTP %d); "
                            "asking for JSON in the prompt from now on",
                            self.config.base_url,
                            exc.status_code,
                        )
                    else:
                        log.warning(
                            "%s rejected schema %r (%s); asking for JSON in the prompt for this call",
                            self.config.base_url,
                            schema_name,
                            self._detail(exc),
                        )
                    continue
                if not _retryable_status(exc.status_code):
                    raise self._status_error(exc) from exc
                last: openai.APIError = exc
            except openai.APIConnectionError as exc:
                last = exc
            except openai.APIError as exc:
                raise ModelRequestFailed(
                    f"The model server at {self.config.base_url} sent an unusable response: {self._detail(exc)}",
                    status=None,
                ) from exc
            failures += 1
            if failures >= attempts:
                raise self._exhausted(last, attempts) from last
            delay = self._backoff(failures, last)
            log.warning(
                "model call failed (%s); retry %d of %d in %.1f s",
                self._short_reason(last),
                failures,
                attempts - 1,
                delay,
            )
            await anyio.sleep(delay)

    async def _request(
        self,
        messages: list[ChatMessage],
        schema: dict[str, Any] | None,
        schema_name: str | None,
        temperature: float,
        max_tokens: int,
        seed: int | None,
        *,
        use_schema: bool,
    ) -> RecordedResponse:
        sdk = self._client()
        options: dict[str, Any] = {"temperature": temperature, "max_tokens": max_tokens}
        if seed is not None:
            options["seed"] = seed
        sent: list[ChatMessage] = messages
        mode: JsonMode
        if schema is None:
            mode = "text"
        elif use_schema:
            mode = "schema"
            options["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": schema_name, "schema": schema},
            }
        else:
            mode = "instructions"
            sent = _with_json_instructions(messages, schema)
        started = time.perf_counter()
        try:
            completion = await sdk.chat.completions.create(model=self.model, messages=sent, **options)  # type: ignore[arg-type]
        except json.JSONDecodeError as exc:  # the SDK parses a body served as JSON that is not
            raise self._unreadable(exc.doc) from None
        if not isinstance(completion, ChatCompletion):  # the SDK hands back a body served as text as is
            raise self._unreadable(str(completion))
        seconds = time.perf_counter() - started
        if not completion.choices:
            raise ModelRequestFailed(
                f"The model server at {self.config.base_url} returned no choices.", status=None
            )
        choice = completion.choices[0]
        usage = completion.usage
        cached = 0
        if usage is not None and usage.prompt_tokens_details is not None:
            cached = usage.prompt_tokens_details.cached_tokens or 0
        return RecordedResponse(
            text=choice.message.content or "",
            finish_reason=choice.finish_reason,
            prompt_tokens=usage.prompt_tokens if usage is not None else 0,
            completion_tokens=usage.completion_tokens if usage is not None else 0,
            cached_prompt_tokens=cached,
            json_mode=mode,
            seconds=seconds,
        )

    def counting_into(self, ledger: UsageLedger, scope: str | None = None) -> ChatClient:
        """The same endpoint, connection and cassette, counting calls into `ledger` (one task among many).

        `scope` names the task in cassette keys (see `request_key`). Close only the original client; views
        share its connection.
        """
        view = copy.copy(self)
        view.ledger = ledger
        view.cassette_scope = scope
        return view

    def _client(self) -> AsyncOpenAI:
        if not self._sdk:
            if not self.config.base_url:
                raise ModelNotConfigured(
                    f"No base URL is configured for model {self.model!r}.",
                    hint="Set EVOFLUX_BASE_URL to an OpenAI-compatible endpoint such as http://127.0.0.1:8080/v1, "
                    "or use EVOFLUX_MODEL=local for the embedded model.",
                )
            self._sdk.append(
                AsyncOpenAI(
                    base_url=self.config.base_url,
                    api_key=self.config.secret_key() or NO_API_KEY,
                    max_retries=0,
                    timeout=self.config.request_timeout_s,
                )
            )
        return self._sdk[0]

    def _backoff(self, failures: int, exc: openai.APIError) -> float:
        cfg = self.config
        delay = min(cfg.backoff_max_s, cfg.backoff_initial_s * 2.0 ** (failures - 1))
        delay *= 0.5 + random.random() / 2
        if isinstance(exc, openai.APIStatusError):
            retry_after = _retry_after_seconds(exc)
            if retry_after is not None:
                delay = max(delay, min(retry_after, MAX_RETRY_AFTER_S))
        return delay

    def _detail(self, exc: openai.APIError) -> str:
        body = exc.body
        message: object = None
        if isinstance(body, dict):
            inner = body.get("error", body)
            message = inner.get("message") if isinstance(inner, dict) else inner
        if not message and isinstance(exc, openai.APIStatusError):
            message = exc.response.text
        if not message:
            message = exc.message
        text = " ".join(str(message).split())
        if len(text) > MAX_DETAIL_CHARS:
            text = text[: MAX_DETAIL_CHARS - 1] + "…"
        return redact(text, self.config.secret_key())

    def _short_reason(self, exc: openai.APIError) -> str:
        if isinstance(exc, openai.APIStatusError):
            return f"HTTP {exc.status_code}"
        if isinstance(exc, openai.APITimeoutError):
            return "request timed out"
        return redact(_connection_reason(exc), self.config.secret_key())

    def _unreadable(self, body: str) -> ModelReplyUnreadable:
        text = " ".join(body.split())
        preview = text[:MAX_PREVIEW_CHARS] + ("…" if len(text) > MAX_PREVIEW_CHARS else "")
        return ModelReplyUnreadable(
            f"The model server at {self.config.base_url} answered HTTP 200 with a body that is not a chat "
            f"completion: {redact(preview, self.config.secret_key())!r}",
            status=200,
            hint="Check that the base URL points at an OpenAI-compatible endpoint, not a proxy or web page.",
        )

    def _status_error(self, exc: openai.APIStatusError) -> ModelRequestFailed:
        status = exc.status_code
        detail = self._detail(exc)
        where = f"The model server at {self.config.base_url}"
        if status in (401, 403):
            return ModelAuthFailed(
                f"{where} refused the credentials (HTTP {status}): {detail}",
                status=status,
                hint="Check EVOFLUX_API_KEY (or the api_key argument) for this server.",
            )
        if status == 404:
            return ModelRequestFailed(
                f"{where} answered HTTP 404 for model {self.model!r}: {detail}",
                status=status,
                hint="Check that the base URL includes the API prefix (usually /v1) and that the model is served there.",
            )
        if any(word in detail.lower() for word in CONTEXT_WORDS):
            return PromptTooLong(
                f"{where} rejected the prompt as too long for the context window (HTTP {status}): {detail}",
                status=status,
                hint="Shorten the prompt or lower max_tokens.",
            )
        return ModelRequestFailed(f"{where} rejected the request (HTTP {status}): {detail}", status=status)

    def _exhausted(self, exc: openai.APIError, attempts: int) -> LLMError:
        base_url = self.config.base_url or ""
        if isinstance(exc, openai.APITimeoutError):
            return ModelTimeout(
                f"Every one of {attempts} requests to {base_url} timed out after "
                f"{self.config.request_timeout_s:g} s.",
                deadline_s=self.config.request_timeout_s,
                hint="Check that the server is not overloaded, or raise request_timeout_s.",
            )
        if isinstance(exc, openai.APIStatusError):
            status = exc.status_code
            if status == 429:
                return ModelRequestFailed(
                    f"The model server at {base_url} kept rate-limiting (HTTP 429) for {attempts} attempts.",
                    status=status,
                    hint="Wait a little, lower concurrency, or raise max_retries.",
                )
            return ModelRequestFailed(
                f"The model server at {base_url} failed {attempts} times (last: HTTP {status}: {self._detail(exc)}).",
                status=status,
                hint="Check the server's own log; it may be overloaded or out of memory.",
            )
        return ModelUnreachable(
            f"Cannot connect to the model server at {base_url} ({self._short_reason(exc)}), "
            f"tried {attempts} times.",
            base_url=base_url,
            hint="Start that server (llama-server, vllm serve, ollama serve, LM Studio) or point "
            "EVOFLUX_BASE_URL at a running one; EVOFLUX_MODEL=local runs the embedded model instead.",
        )


def _record(
    purpose: Purpose, model: str, response: RecordedResponse, seconds: float, *, replayed: bool
) -> CallRecord:
    return CallRecord(
        purpose=purpose,
        model=model,
        prompt_tokens=response.prompt_tokens,
        completion_tokens=response.completion_tokens,
        seconds=seconds,
        cached_prompt_tokens=response.cached_prompt_tokens,
        replayed=replayed,
    )


def _connection_reason(exc: BaseException) -> str:
    """The most specific cause of a connection failure, e.g. 'connection refused'."""
    first: str | None = None
    node: BaseException | None = exc.__cause__ or exc.__context__
    seen: set[int] = set()
    while node is not None and id(node) not in seen:
        seen.add(id(node))
        if isinstance(node, OSError) and node.errno:
            return os.strerror(node.errno).lower()
        first = first or str(node) or None
        node = node.__cause__ or node.__context__
    return first or str(exc)


def _retryable_status(status: int) -> bool:
    return status in RETRYABLE_STATUS or status >= 500


def _format_rejection(exc: openai.APIStatusError) -> Literal["server", "schema"] | None:
    """Whether an error rejects structured output: for the whole server, for this schema only, or not at all."""
    if exc.status_code not in FORMAT_REJECTION_STATUS:
        return None
    text = f"{exc.body} {exc.response.text}".lower()
    if any(word in text for word in SCHEMA_PROBLEM_WORDS):
        return "schema"
    if any(word in text for word in FORMAT_WORDS):
        return "server"
    if exc.status_code != 500 and any(word in text for word in UNSUPPORTED_WORDS):
        return "server"
    return None


def _retry_after_seconds(exc: openai.APIStatusError) -> float | None:
    value = exc.response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _schema_name(name: str) -> str:
    cleaned = SCHEMA_NAME_RE.sub("_", name).strip("_")[:64]
    return cleaned or "reply"


def _with_json_instructions(messages: list[ChatMessage], schema: dict[str, Any]) -> list[ChatMessage]:
    """Ask for JSON in the prompt, appended at the end so a stable prompt prefix stays cacheable."""
    instruction = (
        "Reply with only one JSON value that matches this JSON Schema, with no prose and no code fences.\n"
        f"JSON Schema: {json.dumps(schema, separators=(',', ':'))}"
    )
    last = messages[-1]
    if last["role"] == "user":
        return [*messages[:-1], ChatMessage(role="user", content=f"{last['content']}\n\n{instruction}")]
    return [*messages, ChatMessage(role="user", content=instruction)]
