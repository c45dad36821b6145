"""The options and arguments tools declare, the options a request names, and what steps give as evidence.

Owns matching option words in the request and the steps; the checks that use them are `checks`' and
`scoring.fitness`'.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from evoflux.catalog.tools import ToolSpec
from evoflux.lexicon.units import plain_unit
from evoflux.lexicon.vocabulary import IRREGULAR_PLURALS
from evoflux.workflow.schema_read import resolve_local

_PLURAL_TAIL = r"(?:s|es)?"


def named_options(task: str, options: Iterable[Any]) -> list[str]:
    """The string options (enum values) the task names as words, in order of appearance.

    `nautical miles` names `nautical_mile`; the shorter `mile` it contains is not counted as named too, so
    pass every option that could be named (`enum_options` of the whole catalog) and keep the ones
    of interest. A unit option is also named by its unit's full name however the server abbreviates it
    (`kilometres` names `km`; `miles per hour` names `mph`), unless the option may mean something else (`C`, `min`).
    """
    return list(_named(task, tuple(dict.fromkeys(o for o in options if isinstance(o, str)))))


@lru_cache(maxsize=256)
def _named(task: str, options: tuple[str, ...]) -> tuple[str, ...]:
    spans: list[tuple[int, int, str]] = []
    for option in options:
        for pattern in _patterns(option):
            spans += [(m.start(), m.end(), option) for m in re.finditer(pattern, task, re.IGNORECASE)]
    named = [
        option
        for start, end, option in sorted(spans)
        if not any(s <= start and end <= e and (e - s) > (end - start) for s, e, _ in spans)
    ]
    return tuple(dict.fromkeys(named))


def _patterns(option: str) -> list[str]:
    """How a request may write an option: its words, the last one possibly plural, and for a unit option of
    no other meaning also its unit's full name (`km` -> `kilometer`)."""
    spellings = [option]
    unit = plain_unit(option)
    if unit is not None:
        spellings.append(unit)
    patterns = []
    for spelling in spellings:
        words = [w.lower() for w in re.findall(r"[A-Za-z]+|\d+", spelling)]
        if not words or (len("".join(words)) < 3 and spelling == option):
            continue
        last = _spelling(words[-1])
        plural = IRREGULAR_PLURALS.get(words[-1])
        last = f"(?:{last}|{plural})" if plural else last + _PLURAL_TAIL
        patterns.append(r"\b" + r"[\s_-]*".join([*(re.escape(w) for w in words[:-1]), last]) + r"\b")
    return list(dict.fromkeys(patterns))


def _spelling(word: str) -> str:
    """A word as a pattern that also takes the British `-re` for `-er` (`kilometre`, `litre`)."""
    if word.endswith("er") and len(word) > 4:
        return re.escape(word[:-2]) + "(?:er|re)"
    return re.escape(word)


def declared_args(args: Mapping[str, Any], spec: ToolSpec | None) -> Mapping[str, Any]:
    """The arguments the tool declares (all of them when the tool is unknown): others it never reads."""
    return args if spec is None else {k: v for k, v in args.items() if k in spec.properties}


def evidence_text(workflow_args: Iterable[Mapping[str, Any]], outputs: Iterable[Any]) -> str:
    """Steps' arguments and executed outputs as one lower-case text, to look for what the request names."""
    parts = [json.dumps(args, default=str, ensure_ascii=False) for args in workflow_args]
    parts += [json.dumps(output, default=str, ensure_ascii=False) for output in outputs]
    return " ".join(parts).lower()


def option_mentioned(option: str, evidence: str) -> bool:
    """Whether an enum option (`nautical_mile`) occurs in `evidence_text`, with `_` or as words."""
    return option.lower() in evidence or option.lower().replace("_", " ") in evidence


def argument_schema(spec: ToolSpec | None, name: str) -> Mapping[str, Any] | None:
    """The resolved input schema of one top-level argument, or None when the tool or the argument is unknown."""
    if spec is None or name not in spec.properties:
        return None
    found = resolve_local(spec.properties[name], spec.input_schema)
    return found if isinstance(found, Mapping) else None


def enum_options(tools: Iterable[ToolSpec]) -> tuple[str, ...]:
    """Every string option of the tools' top-level enum arguments, each once, in order of appearance."""
    return tuple(
        dict.fromkeys(
            option
            for tool in tools
            for name in tool.properties
            for option in ((argument_schema(tool, name) or {}).get("enum") or ())
            if isinstance(option, str)
        )
    )
