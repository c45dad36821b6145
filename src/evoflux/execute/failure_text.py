"""Whether a tool's text reports a failure or an empty find, whatever the call's `isError` said.

Judged from the text's opening and shape only, never from one server's messages: a short text that opens
with a word of failure (`Error: ...`, `Invalid timezone: ...`, `Cannot open ...`), a labelled error
(`Database error: ...`, `sqlite3.OperationalError: ...`), an errno code (`ENOTDIR: ...`, `[Errno 2] ...`),
a Python traceback, or a short message where the tool usually returns objects or lists; or an object that
says so itself (`{"success": false, "error": ...}`, `{"status": "error", ...}`, a small object whose point is its
`error`). The one copy of these tests: the executor and the fitness both ask here.
"""

from __future__ import annotations

import errno
import json
import re
from collections.abc import Mapping
from typing import Any

from evoflux.lexicon.wording import EMPTY_FIND_NOUNS, FAILURE_OPENINGS, NOTHING_FOUND_WORDING, alternatives
from evoflux.workflow.schema_read import schema_types

_SHORT = 400  # a message, not a document that happens to start with "Error handling ..."
_LABELLED_MAX = 2000
_FAILURE_WORDS = re.compile(rf"^\s*{alternatives(FAILURE_OPENINGS)}\b", re.I)
# `Database error: ...`, `MCP error -32602: ...`, `ValueError: ...`: up to three words, then the label.
_LABELLED = re.compile(r"^\s*(?:[\w.]+\s+){0,3}?[\w.]*(?:error|exception|failure)(?:\s+-?\d+)?\s*:", re.I)
_ERRNO = re.compile(r"^\s*(?:\[Errno\s+\d+\]|\[WinError\s+\d+\]|(E[A-Z0-9]{2,})\b\s*[:,])")
_ERRNO_NAMES = frozenset(errno.errorcode.values())
_TRACEBACK = re.compile(r"^Traceback \(most recent call last\)", re.M)
_NOTHING_FOUND = re.compile(
    rf"^\s*(?:(?:no|0)\s+{alternatives(EMPTY_FIND_NOUNS)}\b|{alternatives(NOTHING_FOUND_WORDING)})", re.I
)


def reports_failure(text: str) -> bool:
    """Whether `text` is an error message rather than a result."""
    stripped = text.strip()
    if not stripped:
        return False
    if _TRACEBACK.search(stripped):
        return True
    errno_match = _ERRNO.match(stripped)
    if errno_match is not None and (errno_match.group(1) is None or errno_match.group(1) in _ERRNO_NAMES):
        return True
    if len(stripped) <= _LABELLED_MAX and _LABELLED.match(stripped):
        return True
    return len(stripped) <= _SHORT and bool(_FAILURE_WORDS.match(stripped))


# An object reporting its own failure: a flag that says it failed, or a small object carrying an error.
_FAILED_FLAGS = ("success", "ok", "succeeded")
_FAILED_STATUSES = frozenset({"error", "failed", "failure", "fail"})
_ERROR_KEYS = ("error", "errorMessage", "error_message", "message", "detail", "details", "reason")
_SMALL_OBJECT = 5  # keys: `{"error": ..., "errorType": ..., "database": ...}` is a report, not data


def object_failure(value: Any) -> str | None:
    """The error an object result reports about itself, or None: `success`/`ok` false, a `status` of error, or
    a small object with a non-empty `error`."""
    if not isinstance(value, dict):
        return None
    flagged = any(value.get(flag) is False for flag in _FAILED_FLAGS) or (
        isinstance(value.get("status"), str) and value["status"].strip().lower() in _FAILED_STATUSES
    )
    carried = bool(value.get("error")) and len(value) <= _SMALL_OBJECT
    if not (flagged or carried):
        return None
    said = next((value[key] for key in _ERROR_KEYS if value.get(key)), None)
    text = said if isinstance(said, str) else json.dumps(said if said is not None else value, default=str)
    return text[:1000]


def failure_message(text: str, limit: int = 1000) -> str:
    """The error a failure text gives: a traceback's last line (the exception), else the text, cut."""
    stripped = text.strip()
    if _TRACEBACK.search(stripped):
        last = stripped.splitlines()[-1].strip()
        return f"{last} (a Python traceback)"[:limit]
    return stripped[:limit]


def says_nothing_found(text: str) -> bool:
    """Whether `text` is a short message that a search or query found nothing (`No results found`)."""
    stripped = text.strip()
    return len(stripped) <= _SHORT and bool(_NOTHING_FOUND.match(stripped))


def is_empty(value: Any) -> bool:
    """A result with nothing in it: no value, empty text, an empty list or object, or words saying so."""
    if value is None or value == [] or value == {}:
        return True
    return isinstance(value, str) and (not value.strip() or says_nothing_found(value))


def off_shape_message(value: Any, usual: Mapping[str, Any] | None) -> bool:
    """A short one- or two-line text where the tool's usual output (declared or observed) is an object or a
    list: the message that came back instead of the data (`no such column: x`)."""
    if not isinstance(value, str) or not usual or not schema_types(usual) & {"object", "array"}:
        return False
    stripped = value.strip()
    return 0 < len(stripped) <= _SHORT and stripped.count("\n") <= 1 and not says_nothing_found(stripped)
