"""Keeping configured secrets out of every text evoflux writes: messages, forwarded log records, traces.

One `Redactor` holds the secret values (env and header values, what `${VAR}` expanded to, the token of
`Bearer <token>`, the password of a URL); `redact_logs` installs one filter that clears log records of them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

MIN_SECRET_LENGTH = 4
"""Shorter values (`on`, `1`) are too common in ordinary text to be replaced."""

MASK = "***"

FORWARDED_LOGGERS = ("mcp", "httpx", "httpx2", "httpcore", "evoflux")
"""Loggers whose records reach the terminal during a run: the MCP SDK, its HTTP stack, evoflux itself."""

_URL_CREDENTIALS = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/\s@:]+:[^/\s@]*)@")
_SCHEME_TOKEN = re.compile(r"^\s*[A-Za-z][A-Za-z0-9_-]*\s+(\S+)\s*$")  # "Bearer xyz", "token xyz"


def secret_parts(value: str) -> set[str]:
    """A secret value and the parts of it that are secrets on their own (a scheme's token, URL passwords)."""
    parts = {value}
    scheme = _SCHEME_TOKEN.match(value)
    if scheme is not None:
        parts.add(scheme.group(1))
    return parts | url_passwords(value)


def url_passwords(text: str) -> set[str]:
    """The passwords of the `user:password@host` URLs in `text`."""
    return {match.group("userinfo").partition(":")[2] for match in _URL_CREDENTIALS.finditer(text)}


def redact_urls(text: str) -> str:
    """`text` with the `user:password@` of every URL replaced by `***@`."""
    return _URL_CREDENTIALS.sub(lambda m: f"{m.group('scheme')}{MASK}@", text)


class Redactor:
    """Replaces every secret value, longest first, and every URL's credentials with `***`."""

    def __init__(self, secrets: Iterable[str] = ()):
        found: set[str] = set()
        for secret in secrets:
            found |= secret_parts(secret)
        self.secrets = frozenset(s for s in found if len(s) >= MIN_SECRET_LENGTH)
        self._ordered = sorted(self.secrets, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._ordered:
            text = text.replace(secret, MASK)
        return redact_urls(text)

    def __or__(self, other: Redactor) -> Redactor:
        return Redactor(self.secrets | other.secrets)

    def leaks(self, text: str) -> int:
        """How many times a secret occurs in `text` (for reliability checks of what was written)."""
        return sum(text.count(secret) for secret in self.secrets) + len(_URL_CREDENTIALS.findall(text))


class _RedactingFilter(logging.Filter):
    """Rewrites each record's message and traceback with the secrets of every pool opened so far."""

    def __init__(self) -> None:
        super().__init__()
        self.redactor = Redactor()

    def filter(self, record: logging.LogRecord) -> bool:
        redact = self.redactor
        record.msg, record.args = redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.exc_info = None  # the formatter then prints the redacted exc_text instead
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_LOG_FILTER = _RedactingFilter()


def redact_logs(redactor: Redactor) -> None:
    """Clear every record of the forwarded loggers, and of the handlers that print them, of these secrets.

    A logger's filter sees only records logged on that very logger, so it goes on every existing logger
    under `FORWARDED_LOGGERS`, and on the root handlers and the last-resort handler for the rest.
    """
    _LOG_FILTER.redactor = _LOG_FILTER.redactor | redactor
    manager = logging.Logger.manager
    targets: list[logging.Filterer] = [logging.getLogger(name) for name in FORWARDED_LOGGERS]
    targets += [
        found
        for name, found in list(manager.loggerDict.items())
        if isinstance(found, logging.Logger) and name.startswith(tuple(f"{p}." for p in FORWARDED_LOGGERS))
    ]
    targets += logging.getLogger().handlers
    if logging.lastResort is not None:
        targets.append(logging.lastResort)
    for target in targets:
        if _LOG_FILTER not in target.filters:
            target.addFilter(_LOG_FILTER)
