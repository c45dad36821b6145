"""Tool retrieval: rank a catalog's tools for a task with BM25, so the planner sees a few, not hundreds.

Indexes server, tool name, description and parameter names/descriptions/enums; knows nothing of models.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import bm25s
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

from evoflux.catalog.tools import ToolCatalog, ToolSpec

_WORD = re.compile(r"[A-Za-z][a-z]+|[A-Z]+(?![a-z])|\d+")
_STOP = frozenset(STOPWORDS_EN) | {"tool", "tools", "get", "use", "using", "given", "return", "returns"}
_STEMMER = Stemmer.Stemmer("english")
# How much a field counts, by repeating its words in the tool's document.
_NAME_WEIGHT = 3
_SERVER_WEIGHT = 2
_MAX_ENUM_VALUES = 30
_EXPANDED_HEAD = 4  # only the strongest picks pull in the tools that look up their ids


def tokens(text: str) -> list[str]:
    """Lower-case stemmed words, with camelCase and snake_case split apart."""
    words = [w.lower() for w in _WORD.findall(text)]
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


_LOOKUP_WORDS = frozenset({"id", "ids", "key", "address", "isbn", "uuid", "slug", "handle"})


def lookup_arguments(tool: ToolSpec) -> list[str]:
    """Required arguments whose values a caller must look up first: ids, keys, addresses."""
    return [name for name in tool.required if {w.lower() for w in _WORD.findall(name)} & _LOOKUP_WORDS]


def produces(tool: ToolSpec, arg: str) -> bool:
    """Whether `tool` yields a value for argument `arg` without needing it: in its output schema, else its description."""
    base = _base_name(arg)
    if any(_base_name(name) == base for name in tool.properties if name in tool.required):
        return False
    if tool.output_schema:
        return base in {_base_name(field) for field in _field_names(tool.output_schema)}
    words = r"[\s_]+".join(re.escape(w) for w in base.split("_"))
    return re.search(rf"\b{words}s?\b", tool.description, re.IGNORECASE) is not None


def _base_name(name: str) -> str:
    """`city_id_a` and `cityIdB` both name a city id: snake case, without a trailing one-letter or from/to tag."""
    words = [w.lower() for w in _WORD.findall(name)]
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


def _interleave_servers(order: list[int], server_of: list[str], hinted: list[str]) -> list[int]:
    """Hinted servers first, taking turns so that each hinted server is represented near the top."""
    queues: dict[str, list[int]] = {s: [] for s in hinted}
    rest = []
    for index, server in zip(order, server_of, strict=True):
        queues.get(server, rest).append(index)
    turns: list[int] = []
    while any(queues.values()):
        for server in hinted:
            if queues[server]:
                turns.append(queues[server].pop(0))
    return turns + rest


class ToolRetriever:
    """BM25 over one catalog; build once, rank many tasks."""

    def __init__(self, catalog: ToolCatalog, *, server_weight: float = 0.5):
        self.catalog = catalog
        self.tools: list[ToolSpec] = list(catalog)
        self.server_weight = server_weight
        self._index = bm25s.BM25()
        if self.tools:
            self._index.index([tokens(tool_document(t)) or ["_"] for t in self.tools], show_progress=False)

    def rank(
        self, query: str, *, k: int = 8, servers: Iterable[str] | None = None, producers: bool = True
    ) -> list[ScoredTool]:
        """The `k` best tools for `query`; tools of hinted `servers` come before all others.

        With `producers`, a chosen tool that needs an id no chosen tool yields brings in the
        best-scoring tool that yields it (a search or list tool), in place of the weakest pick.
        """
        if not self.tools:
            return []
        combined = self._with_server_evidence(self._scores(query))
        order = sorted(range(len(self.tools)), key=lambda i: (-combined[i], self.tools[i].key))
        hinted = [s for s in dict.fromkeys(servers or ()) if s in self.catalog.servers]
        if hinted:
            order = _interleave_servers(order, [self.tools[i].server for i in order], hinted)
        chosen = order[:k]
        if producers:
            chosen = self._with_producers(chosen, order, k)
        return [ScoredTool(self.tools[i], combined[i]) for i in chosen]

    def _with_producers(self, chosen: list[int], order: list[int], k: int) -> list[int]:
        picked = list(chosen)
        position = 0
        while position < min(len(picked), _EXPANDED_HEAD):
            tool = self.tools[picked[position]]
            for arg in lookup_arguments(tool):
                if any(produces(self.tools[i], arg) for i in picked if i != picked[position]):
                    continue
                sources = [
                    i for i in order
                    if i not in picked and self.tools[i].server == tool.server and produces(self.tools[i], arg)
                ]
                if sources:
                    # The cheapest lookup among the best few: fewest required arguments of its own.
                    picked.insert(position + 1, min(sources[:3], key=lambda i: len(self.tools[i].required)))
            position += 1
        return picked[:k]

    def _scores(self, query: str) -> list[float]:
        words = [w for w in tokens(query) if w in self._index.vocab_dict]
        if not words:
            return [0.0] * len(self.tools)
        return [float(s) for s in self._index.get_scores(words)]

    def _with_server_evidence(self, scores: Sequence[float]) -> list[float]:
        """A tool scores higher when its server's other tools also match: tasks use a server's tools together."""
        best: dict[str, list[float]] = {}
        for tool, score in zip(self.tools, scores, strict=True):
            best.setdefault(tool.server, []).append(score)
        server_score = {s: sum(sorted(v, reverse=True)[:3]) / 3 for s, v in best.items()}
        return [
            score + self.server_weight * server_score[tool.server]
            for tool, score in zip(self.tools, scores, strict=True)
        ]
