"""How messages word things, one copy of each phrase list: a failure, a name the server does not know, a find
that found nothing, a call rejected for its arguments, and a request that asks for a count.

General English and the habits of common error formats (Python, SQL, errno, JSON-RPC), never one server's
messages. The lists are phrases; `alternatives` writes them as one regular-expression group, and each
module anchors the group as its test needs (at the opening of a text, anywhere in it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Wording that says a value names nothing the server knows (`Unknown station 'X'`, `no such column: qty`,
# `Table 'x' does not exist`); the first three also open a text that reports a failure.
UNKNOWN_WORDING = ("unknown", "not found", "no such")
NOT_FOUND_WORDING = (
    *UNKNOWN_WORDING,
    "does not exist",
    "doesn't exist",
    "not exist",
    "unrecognized",
    "no match",
)
# Words that lead an error's list of the values a server accepts ("Available sheets: ...", "Valid options
# are ...", "must be one of ...").
OFFERING_WORDING = (
    "available",
    "valid",
    "supported",
    "allowed",
    "accepted",
    "expected",
    "possible",
    "existing",
)
# Wording that says a value could not be found or used, besides the not-found wording (`Invalid timezone`,
# `could not find a file named ...`).
CANNOT_FIND_WORDING = ("invalid", "cannot find", "can't find", "could not find", "unable to find")
# The words a text opens with when it reports a failure (`Error: ...`, `Cannot open ...`, `Permission denied`).
FAILURE_OPENINGS = (
    *UNKNOWN_WORDING,
    "invalid",
    "error",
    "errors",
    "failed",
    "failure",
    "fatal",
    "exception",
    "cannot",
    "can't",
    "could not",
    "couldn't",
    "unable to",
    "permission denied",
    "access denied",
)
# Words of an error that say what went wrong, not what it is about: the words of the wordings above and the
# words that join them to the thing named (`no table with the name 'x'`).
ERROR_WORDS = frozenset(
    word
    for phrase in (*NOT_FOUND_WORDING, *CANNOT_FIND_WORDING, *FAILURE_OPENINGS)
    for word in re.findall(r"[a-z]+", phrase)
) | {"exists", "does", "with", "name", "named", "the"}
# What a search or a query finds none of, in a short message that it found nothing (`No results found`,
# `0 rows`).
EMPTY_FIND_NOUNS = ("results", "result", "matches", "matching", "rows", "records", "items", "entries", "data")
NOTHING_FOUND_WORDING = ("nothing found", "nothing matched", "none found")
# Marks of a server's message that a call's arguments did not validate (pydantic, JSON-RPC's -32602).
REJECTION_MARKS = ("validation error", "invalid params", "invalid arguments", "input should be")
# A request asking for a count, in the words people use for one.
COUNT_PHRASES = ("how many", "number of", "count")


def alternatives(phrases: Iterable[str]) -> str:
    """The phrases as one non-capturing regular-expression group, longest first, each matched literally but
    for the spaces between its words (any run of whitespace)."""
    ordered = sorted(phrases, key=len, reverse=True)
    return "(?:" + "|".join(r"\s+".join(map(re.escape, p.split())) for p in ordered) + ")"
