"""Tool retrieval: rank a catalog's tools for a task, so the planner sees a few, not hundreds.

Lexical and built from the catalog alone, so it works the same on servers it has never seen:
- BM25 (bm25s) over each tool's server, name, description and parameter names/descriptions/enums,
  plus a bonus for tools whose name words the text uses (names are the most telling words a tool has);
- a request of several sentences asks for several steps: the ranking of the whole request is fused
  with the best ranking the tool gets for any one sentence (reciprocal-rank fusion), so that a step
  named in one sentence is not drowned by the words of the others;
- server hints: tools of the hinted servers come first, each hinted server's best tool at the top,
  the rest by score with a discount per better tool of the same server (so no server fills the list);
  without hints, each tool gains its server's best score instead (tasks use a server's tools together);
- a request that asks for no change ranks every tool that changes a server's state after those that only
  look: a write tool that shares the request's nouns (`add_footnote_to_document` for a question about a
  document) is the wrong step for a question; ties go to tools that need fewer arguments;
- producers: a chosen tool that needs an id brings in, right after it, the tool of its server that
  yields that id (read from output schemas and descriptions, or else the tool that is about the id's
  noun, e.g. `search_models` for `model_id`).
Knows nothing of models.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import bm25s
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.lexicon import ID_WORDS, name_words
from evoflux.lexicon.vocabulary import CHANGE_VERBS, TOOL_FILLER
from evoflux.request.asks import asks_for_change

_LETTERS = re.compile(r"[A-Za-z]+")
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n+")
_STOP = frozenset(STOPWORDS_EN) | TOOL_FILLER
_STEMMER = Stemmer.Stemmer("english")
# How much a field counts, by repeating its words in the tool's document.
_NAME_WEIGHT = 3
_SERVER_WEIGHT = 2
_MAX_ENUM_VALUES = 30
# A tool whose name words all occur in the text gains this share of the text's best BM25 score.
_NAME_BONUS = 0.5
# Reciprocal-rank fusion: a tool ranked r-th (from 0) in a ranking earns 1 / (_RANK_CONSTANT + r + 1).
_RANK_CONSTANT = 10
# With server hints, each further tool of a server counts this much less than the one before it.
_SERVER_DECAY = 0.9
# Choosing the producer of an id by the words of the tool that needs it: those count this much
# against the words of the id's noun.
_NEEDER_WORDS_WEIGHT = 0.5


def tokens(text: str) -> list[str]:
    """Lower-case stemmed words, with camelCase and snake_case split apart.

    A word written in mixed case is kept whole too, so that "arXiv" also matches "arxiv".
    """
    words = name_words(text, lone_letters=False)
    words += [run.lower() for run in _LETTERS.findall(text) if len(name_words(run, lone_letters=False)) > 1]
    return _STEMMER.stemWords([w for w in words if w not in _STOP and len(w) > 1])


def tool_document(tool: ToolSpec) -> str:
    parts = [tool.server] * _SERVER_WEIGHT + [tool.name] * _NAME_WEIGHT + [tool.description]
    for name, prop in tool.properties.items():
        parts.append(name)
        if isinstance(prop, dict):
            parts.append(str(prop.get("description", "")))
            enum = prop.get("enum") or (prop.get("items") or {}).get("enum") or []
            parts.extend(str(v) for v in enum[:_MAX_ENUM_VALUES])
    return " ".join(parts)


def changes_state(tool: ToolSpec) -> bool:
    """Whether a tool changes what its server holds: its annotations say so, or (unless they say it only
    reads) its name opens with a verb that changes (`add_footnote`, `set_cell`, `createRecord`)."""
    marks = tool.annotations
    if marks.get("readOnlyHint") is True:
        return False
    if marks.get("readOnlyHint") is False or marks.get("destructiveHint") is True:
        return True
    words = name_words(tool.name, lone_letters=False)
    return bool(words) and words[0] in CHANGE_VERBS


def lookup_arguments(tool: ToolSpec) -> list[str]:
    """Required arguments whose values a caller must look up first: ids, keys, addresses."""
    return [name for name in tool.required if is_lookup_name(name)]


def is_lookup_name(name: str) -> bool:
    """Whether a name says its value is looked up, not chosen: an id, key, address."""
    return bool(set(name_words(name)) & ID_WORDS)


def produces(tool: ToolSpec, arg: str) -> bool:
    """Whether `tool` yields a value for argument `arg` without needing it: in its output schema (declared, else
    observed on a successful call), else its description."""
    base = _base_name(arg)
    if _requires(tool, base):
        return False
    if tool.result_schema:
        return base in {_base_name(field) for field in _field_names(tool.result_schema)}
    words = r"[\s_]+".join(re.escape(w) for w in base.split("_"))
    return re.search(rf"\b{words}s?\b", tool.description, re.IGNORECASE) is not None


def _requires(tool: ToolSpec, base: str) -> bool:
    return any(_base_name(name) == base for name in tool.required)


def _base_name(name: str) -> str:
    """`city_id_a` and `cityIdB` both name a city id: snake case, without a trailing one-letter or from/to tag."""
    words = name_words(name, lone_letters=False)
    while len(words) > 1 and (len(words[-1]) == 1 or words[-1] in ("from", "to", "src", "dst")):
        words.pop()
    return "_".join(words)


def _field_names(schema: object, depth: int = 0) -> set[str]:
    if not isinstance(schema, dict) or depth > 4:
        return set()
    names: set[str] = set()
    for name, sub in (schema.get("properties") or {}).items():
        names.add(name)
        names |= _field_names(sub, depth + 1)
    for key in ("items", "additionalProperties"):
        names |= _field_names(schema.get(key), depth + 1)
    for option in schema.get("anyOf") or ():
        names |= _field_names(option, depth + 1)
    for sub in (schema.get("$defs") or {}).values():
        names |= _field_names(sub, depth + 1)
    return names


@dataclass(frozen=True)
class ScoredTool:
    tool: ToolSpec
    score: float


@dataclass(frozen=True)
class _Need:
    """The tools of one tool's server that can yield one of its lookup arguments.

    `declared`: the tools that say they produce it (`produces`); the best-ranked few compete on cost.
    Else `about`: the one tool whose document speaks of the argument's noun, chosen from the catalog.
    """

    declared: tuple[int, ...]
    about: int | None

    @property
    def sources(self) -> tuple[int, ...]:
        return self.declared or ((self.about,) if self.about is not None else ())


def _share_present(weights: dict[str, float], present: set[str]) -> float:
    """The weighted share of `weights`' words that are `present` (0 for no words)."""
    total = sum(weights.values())
    return sum(w for word, w in weights.items() if word in present) / total if total else 0.0


def _reciprocal_ranks(scores: Sequence[float]) -> list[float]:
    """1 / (C + rank + 1) for each tool that matches at all (tied tools share the better rank), 0 for the others."""
    fused = [0.0] * len(scores)
    rank, previous = 0, math.inf
    for position, i in enumerate(sorted(range(len(scores)), key=lambda i: -scores[i])):
        if scores[i] <= 0:
            break
        if scores[i] < previous:
            rank, previous = position, scores[i]
        fused[i] = 1 / (_RANK_CONSTANT + rank + 1)
    return fused


def _hinted_first(
    order: list[int], scores: Sequence[float], server_of: list[str], hinted: list[str]
) -> list[int]:
    """Tools of the hinted servers first: every hinted server's best tool, then the others by score,
    each discounted by `_SERVER_DECAY` per better tool of its own server. Other servers' tools follow."""
    seen: Counter[str] = Counter()
    keyed: list[tuple[bool, float, int]] = []
    for i in order:
        server = server_of[i]
        if server in hinted:
            keyed.append((seen[server] > 0, -scores[i] * _SERVER_DECAY ** seen[server], i))
            seen[server] += 1
    keyed.sort(key=lambda entry: entry[:2])  # stable: ties keep the score order
    return [i for *_, i in keyed] + [i for i in order if server_of[i] not in hinted]


class ToolRetriever:
    """Lexical tool ranking over one catalog; build once, rank many tasks."""

    def __init__(self, catalog: ToolCatalog):
        self.catalog = catalog
        self.tools: list[ToolSpec] = list(catalog)
        documents = [tokens(tool_document(t)) or ["_"] for t in self.tools]
        self._index = bm25s.BM25()
        if self.tools:
            self._index.index(documents, show_progress=False)
        self._words = [frozenset(d) for d in documents]
        frequency = Counter(w for words in self._words for w in words)
        self._idf = {w: math.log(1 + (len(documents) - n + 0.5) / (n + 0.5)) for w, n in frequency.items()}
        self._name_words = [{w: self._idf[w] for w in tokens(t.name) if w in self._idf} for t in self.tools]
        self._needs = [self._needs_of(i) for i in range(len(self.tools))]
        # A server that marks its reading tools read-only leaves unmarked the ones that change things.
        marks_readers = {t.server for t in self.tools if t.annotations.get("readOnlyHint") is True}
        self._changes = [
            changes_state(t) or (t.server in marks_readers and t.annotations.get("readOnlyHint") is not True)
            for t in self.tools
        ]

    def rank(
        self, query: str, *, k: int = 8, servers: Iterable[str] | None = None, producers: bool = True
    ) -> list[ScoredTool]:
        """The `k` best tools for `query`; tools of hinted `servers` come before all others. Without
        hints, the servers whose tools match best come forward (`_with_server_evidence`).

        With `producers`, a chosen tool that needs an id no tool before it yields brings in, right
        after it, the tool of its server that yields it (a search or list tool).
        """
        if not self.tools:
            return []
        hinted = [s for s in dict.fromkeys(servers or ()) if s in self.catalog.servers]
        scores = self._scores(query) if hinted else self._with_server_evidence(self._scores(query))
        order = sorted(
            range(len(self.tools)), key=lambda i: (-scores[i], len(self.tools[i].required), self.tools[i].key)
        )
        if hinted:
            order = _hinted_first(order, scores, [t.server for t in self.tools], hinted)
        if not asks_for_change(query):
            order = [i for i in order if not self._changes[i]] + [i for i in order if self._changes[i]]
        if producers:
            order = self._with_producers(order)
        return [ScoredTool(self.tools[i], scores[i]) for i in order[:k]]

    def _scores(self, query: str) -> list[float]:
        """Reciprocal-rank fusion of the whole query's ranking and each tool's best ranking for one sentence."""
        whole = _reciprocal_ranks(self._lexical(query))
        by_sentence = [_reciprocal_ranks(self._lexical(part)) for part in _SENTENCE_END.split(query)]
        best_sentence = [max(ranks) for ranks in zip(*by_sentence, strict=True)]
        return [w + b for w, b in zip(whole, best_sentence, strict=True)]

    def _with_server_evidence(self, scores: Sequence[float]) -> list[float]:
        """Without hints, each tool gains its server's best score: tasks use a server's tools together."""
        best: dict[str, float] = {}
        for tool, score in zip(self.tools, scores, strict=True):
            best[tool.server] = max(best.get(tool.server, 0.0), score)
        return [score + best[tool.server] for tool, score in zip(self.tools, scores, strict=True)]

    def _lexical(self, text: str) -> list[float]:
        """BM25 of `text` against each tool, plus the name bonus."""
        words = [w for w in tokens(text) if w in self._index.vocab_dict]
        if not words:
            return [0.0] * len(self.tools)
        scores = self._bm25(words)
        present = set(words)
        bonus = _NAME_BONUS * max(scores)
        return [
            score + bonus * _share_present(name, present)
            for score, name in zip(scores, self._name_words, strict=True)
        ]

    def _bm25(self, words: list[str]) -> list[float]:
        return [float(s) for s in self._index.get_scores(words)]

    def _with_producers(self, order: list[int]) -> list[int]:
        """`order` with each tool's missing producers placed right after it (see `_Need`)."""
        position = {i: p for p, i in enumerate(order)}
        placed: list[int] = []
        done: set[int] = set()

        def place(i: int) -> None:
            if i in done:
                return
            done.add(i)
            placed.append(i)
            for need in self._needs[i]:
                if done.intersection(need.sources):
                    continue
                options = sorted((j for j in need.sources if j not in done), key=position.__getitem__)
                if options:
                    # The cheapest lookup among the best few: fewest required arguments of its own.
                    place(min(options[:3], key=lambda j: len(self.tools[j].required)))

        for i in order:
            place(i)
        return placed

    def _needs_of(self, i: int) -> list[_Need]:
        tool = self.tools[i]
        same_server = [j for j, other in enumerate(self.tools) if other.server == tool.server and j != i]
        needs = []
        for arg in lookup_arguments(tool):
            declared = tuple(j for j in same_server if produces(self.tools[j], arg))
            about = None if declared else self._about(tool, arg, same_server)
            needs.append(_Need(declared, about))
        return needs

    def _about(self, tool: ToolSpec, arg: str, same_server: list[int]) -> int | None:
        """The tool of `same_server` that most likely lists the values of `arg`, from the words alone:
        it speaks of the argument's noun ("model" for `model_id`) without requiring the argument, needs
        no lookup itself if some such tool does, and shares the most words with the noun and, at
        `_NEEDER_WORDS_WEIGHT`, with the name of the tool that needs it."""
        base = _base_name(arg)
        noun = [
            w for w in tokens(" ".join(w for w in base.split("_") if w not in ID_WORDS)) if w in self._idf
        ]
        candidates = [
            j for j in same_server if set(noun) & self._words[j] and not _requires(self.tools[j], base)
        ]
        if not candidates:
            return None
        entry_points = [j for j in candidates if not lookup_arguments(self.tools[j])]
        candidates = entry_points or candidates
        noun_scores = self._bm25(noun)
        needer = [w for w in tokens(tool.name) if w in self._idf and w not in noun]
        needer_scores = self._bm25(needer) if needer else [0.0] * len(self.tools)
        return max(candidates, key=lambda j: noun_scores[j] + _NEEDER_WORDS_WEIGHT * needer_scores[j])
