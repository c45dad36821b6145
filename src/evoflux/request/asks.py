"""What a request asks for: its questions and imperative asks ("who manages X", "how many Y", "list the ...";
"..., and what is W" is two), each with the kind of value wanted and the request's own words it mentions.

Owns reading the asks out of the task text, in general English and with no model; whether an answer answers
them is `scoring.answer_check`'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from evoflux.lexicon import DATE_WORDS, singular
from evoflux.lexicon.vocabulary import CHANGE_VERBS

# The kinds of value an ask wants; TEXT when the words do not tell.
NUMBER, DATE, NAME, LIST, YES_NO, CHOICE, TEXT = "number", "date", "name", "list", "yes/no", "choice", "text"

_WH = frozenset({"what", "which", "who", "whom", "whose", "when", "where", "why", "how"})
# Verbs that open a question asking yes or no ("Can I borrow ...?").
_AUXILIARIES = frozenset(
    {
        "is",
        "are",
        "was",
        "were",
        "am",
        "do",
        "does",
        "did",
        "can",
        "could",
        "will",
        "would",
        "shall",
        "should",
    }
    | {"has", "have", "had", "may", "might", "must"}
)
# Verbs that open an imperative ask, with the kind of value each wants when it tells one.
_ASK_VERBS = {
    "list": LIST,
    "name": LIST,
    "enumerate": LIST,
    "count": NUMBER,
    "calculate": NUMBER,
    "compute": NUMBER,
    "sum": NUMBER,
    "total": NUMBER,
    "give": TEXT,
    "show": TEXT,
    "tell": TEXT,
    "find": TEXT,
    "get": TEXT,
    "fetch": TEXT,
    "look": TEXT,
    "report": TEXT,
    "return": TEXT,
    "describe": TEXT,
    "explain": TEXT,
    "summarize": TEXT,
    "summarise": TEXT,
    "compare": TEXT,
    "convert": NUMBER,
    "check": TEXT,
    "search": TEXT,
    "identify": TEXT,
    "determine": TEXT,
}
# Words that lead into an ask without being part of it ("Also, list ...", "If not, when ...").
_LEAD_INS = frozenset({"and", "also", "then", "so", "please", "now", "finally", "next", "plus", "but"})
# "How <word>" asks for a number unless the word is one of these ("how do I ...").
_HOW_NOT_NUMBER = frozenset(
    {"do", "does", "did", "can", "could", "should", "would", "to", "is", "are", "was"}
)
# "What/which <word>" asks for a date or a time.
_TIME_NOUNS = frozenset({"time", "date", "day", "weekday", "year", "month", "hour", "week"})
# "What is the <word>" asks for a number.
_QUANTITY_NOUNS = frozenset(
    {"total", "number", "count", "sum", "average", "mean", "median", "amount", "percentage", "share", "ratio"}
    | {"minimum", "maximum", "price", "cost", "distance", "size"}
)
_LINKS = frozenset({"is", "are", "was", "were", "s", "the", "a", "an", "of", "my", "our", "your", "their"})
_FILLER = (
    _WH
    | _AUXILIARIES
    | _LINKS
    | _LEAD_INS
    | frozenset({"it", "its", "i", "me", "them", "this", "that", "there", "if", "not", "as", "about"})
    | frozenset({"to", "in", "on", "for", "at", "by", "with", "from"})
)

_SENTENCE = re.compile(r"(?<=[.?!])\s+")
_WORD = re.compile(r"[^\W_]+(?:\.[^\W_]+)*")  # "What's" -> what, s; "26.2" stays one
# A clause boundary inside a sentence: a semicolon, "and"/"also"/"then" (after an optional comma) that opens
# a new wh-question or imperative ask, or ", and" before a yes/no question ("..., and will it rain?").
_OPENERS = "|".join(sorted(_WH | set(_ASK_VERBS)))
_CLAUSE = re.compile(
    rf"\s*;\s*|,?\s+(?:and|also|then|plus)\s+(?:also\s+)?(?=(?:(?:on|in|at|for|by|from|to|of|with)\s+)?"
    rf"(?:{_OPENERS})\b)|,\s+and\s+(?=(?:{'|'.join(sorted(_AUXILIARIES))})\s)",
    re.I,
)
_CHANGE_LEAD = rf"(?:^|[.;:!?]\s+|\b(?:{'|'.join(sorted(_LEAD_INS))}|(?:want|need|like|have)\s+to)\s+)"
_CHANGE = re.compile(rf"{_CHANGE_LEAD}(?:{'|'.join(sorted(CHANGE_VERBS))})\b", re.I)
_CONDITION = re.compile(r"^\s*if\b[^,]*,\s*", re.I)  # "If not, ..." / "If I ship X to Y, ..."


@dataclass(frozen=True)
class Ask:
    """One thing the request asks for: its words, the kind of value it wants, and the request's own words it
    mentions (lower case), which an answer that only repeats them does not answer."""

    text: str
    kind: str
    mentions: frozenset[str]


def asks(task: str) -> tuple[Ask, ...]:
    """The request's asks in order; a request that asks nothing in these terms ("Weather in Oslo") is one ask
    of unknown kind, an empty one none."""
    found = []
    for sentence in _SENTENCE.split(task.strip()):
        question = sentence.rstrip().endswith("?")
        for clause in _CLAUSE.split(sentence):
            ask = _ask(clause.strip(" ,.?!"), question)
            if ask is not None:
                found.append(ask)
    if not found and words_of(task):
        found.append(Ask(task.strip(), TEXT, _mentions(task)))
    return tuple(found)


def asks_for_change(task: str) -> bool:
    """Whether the request asks to change something on a server: a sentence or clause that opens with a verb
    that changes ("Add a row ...", "..., then delete it"), or such a verb after "want/need to" or "please"."""
    return _CHANGE.search(task) is not None


def words_of(text: str) -> list[str]:
    """The lower-case words and numbers of a text, in order."""
    return [w.lower() for w in _WORD.findall(text)]


def _ask(clause: str, question: bool) -> Ask | None:
    """The ask a clause makes, or None for a statement ("I live in Oslo")."""
    unconditioned = _CONDITION.sub("", clause) if question else clause
    tokens = words_of(unconditioned)
    while tokens and tokens[0] in _LEAD_INS:
        tokens = tokens[1:]
    if not tokens:
        return None
    kind: str | None = None
    if tokens[0] in _ASK_VERBS:
        kind = _ASK_VERBS[tokens[0]]
    wh = next((i for i, w in enumerate(tokens) if w in _WH), None)
    if wh is not None and (question or wh == 0 or kind is not None):
        kind = _wh_kind(tokens[wh:], clause)
    elif kind is None and question:
        kind = _yes_no_kind(tokens, clause)
    if kind is None:
        return None
    return Ask(clause, kind, _mentions(clause))


def _wh_kind(tokens: list[str], clause: str) -> str:
    """The kind a wh-question wants, from its wh-word and the words after it."""
    word, rest = tokens[0], tokens[1:]
    after = rest[0] if rest else ""
    if word == "how":
        return TEXT if not after or after in _HOW_NOT_NUMBER else NUMBER
    if word == "when" or (word in ("what", "which") and singular(after) in _TIME_NOUNS):
        return DATE
    if word in ("who", "whom", "whose", "where"):
        return NAME
    if word == "why":
        return TEXT
    if _offers_a_choice(clause):
        return CHOICE
    nouns = [w for w in rest[:4] if w not in _LINKS]
    if word == "what" and nouns and nouns[0] in _QUANTITY_NOUNS:
        return NUMBER
    if word == "what" and nouns and nouns[0] == "name":
        return NAME
    if word in ("what", "which") and (
        after in ("are", "were") or any(singular(w) != w and w not in _FILLER | DATE_WORDS for w in rest[:3])
    ):
        return LIST
    return NAME if word == "which" else TEXT


def _yes_no_kind(tokens: list[str], clause: str) -> str:
    """A question without a wh-word: yes/no when an auxiliary opens it, a choice when it offers one."""
    if _offers_a_choice(clause):
        return CHOICE
    return YES_NO if tokens[0] in _AUXILIARIES else TEXT


def _offers_a_choice(clause: str) -> bool:
    """Whether the clause names alternatives ("Rome or Lisbon"): its answer may be one of its own words."""
    return re.search(r"\bor\b", clause, re.I) is not None and not re.search(r"\bor\s+not\b", clause, re.I)


def _mentions(clause: str) -> frozenset[str]:
    """The clause's own content words and numbers (not its question words, links and prepositions)."""
    return frozenset(w for w in words_of(clause) if w not in _FILLER)
