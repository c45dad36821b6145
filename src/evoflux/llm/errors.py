"""Typed errors of the model layer, each carrying one clear message and a hint on what to do.
Messages never contain the API key nor a URL's password; callers print str(error) instead of a traceback."""

from __future__ import annotations

from evoflux.redaction import redact_urls


class LLMError(Exception):
    """Base class: `message` says what went wrong, `hint` what the user can do about it.

    `setup` marks errors no later call of the same task can avoid (no endpoint, a refused connection, a
    rejected key, a missing model file or cassette entry): solvers stop on them instead of spending budget.
    """

    setup = False

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        message = redact_urls(message)  # a base URL may carry `user:password@`
        super().__init__(message)
        self.message = message
        self.hint = hint if hint is None else redact_urls(hint)

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"


class ModelNotConfigured(LLMError):
    """No usable model endpoint or model name was configured."""

    setup = True


class ModelUnreachable(LLMError):
    """The base URL refused or dropped the connection on every attempt."""

    setup = True

    def __init__(self, message: str, *, base_url: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.base_url = base_url


class ModelTimeout(LLMError):
    """A call did not finish within its deadline; the request was cancelled."""

    def __init__(self, message: str, *, deadline_s: float, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.deadline_s = deadline_s


class ModelRequestFailed(LLMError):
    """The server answered with an HTTP error that retrying will not fix (or retries ran out)."""

    def __init__(self, message: str, *, status: int | None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status


class ModelReplyUnreadable(ModelRequestFailed):
    """The server answered HTTP 200 with a body that is not a chat completion (HTML from a proxy, plain text)."""


class ModelAuthFailed(ModelRequestFailed):
    """The server rejected the API key (HTTP 401/403)."""

    setup = True


class PromptTooLong(ModelRequestFailed):
    """The prompt plus max_tokens does not fit the model's context window."""


class InvalidRequest(LLMError, ValueError):
    """The caller passed an unusable argument (unknown purpose, malformed message or schema)."""

    setup = True


class CassetteError(LLMError):
    """A cassette file cannot be read or written."""

    setup = True


class CassetteMiss(CassetteError):
    """Replay mode found no recorded response for a request."""

    def __init__(self, message: str, *, cassette: str, key: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.cassette = cassette
        self.key = key


class ModelFileError(LLMError):
    """The local model file could not be found, assembled, verified or downloaded."""

    setup = True


class LocalServerError(LLMError):
    """The embedded llama.cpp server could not be started or stopped cleanly."""

    setup = True


def redact(text: str, secret: str | None) -> str:
    """Return `text` with every occurrence of `secret` replaced by ***."""
    if not secret:
        return text
    return text.replace(secret, "***")
