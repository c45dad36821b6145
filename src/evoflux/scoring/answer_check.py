"""Whether an answer answers: what it states is found in the evidence, and each ask of the request
(`request.asks`) gets a value from a step that the request did not already state, that is no error text, no
copy of an argument the step was given, no whole record or document (`workflow.refs.bulk`), and, for an ask for
a list, not only a list's first item.

Reads an executed workflow's answer template (during the search) or any answer text (the synthesized one)
against the steps' arguments and outputs; never runs anything and never sees reference answers. A value
computed by a step (a transform's count) is a step output like any other.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from evoflux.execute.outcome import Execution, NodeOutcome, NodeStatus
from evoflux.lexicon import DATE_WORDS, NOT_NAMES, NOT_PLACES, stem
from evoflux.lexicon.vocabulary import NUMBER_WORDS
from evoflux.request.asks import CHOICE, DATE, LIST, NUMBER, YES_NO, Ask, asks, words_of
from evoflux.request.checks import leaves, same_number
from evoflux.request.text import salient_terms
from evoflux.scoring.fitness import looks_failed
from evoflux.workflow.graph import Ref, Workflow, value_to_json
from evoflux.workflow.refs import UnresolvedReference, bulk, resolve_ref, stringify

_CITATION = re.compile(r"\[\w+\]")
_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d])")
# A capitalized word that does not open a sentence (a name the answer states), names outside ASCII included.
_NAME = re.compile(r"(?<![.?!\n]\s)(?<=[\s(])([A-ZÀ-Þ][^\W_]*[^\W\d_][^\W_]*)")
_NOT_CLAIMS = NOT_NAMES | NOT_PLACES
# Asks in the order values are handed out: each kind accepts every value the kinds before it accept.
_STRICTNESS = {NUMBER: 0, DATE: 1, YES_NO: 3, CHOICE: 3}
_WANTED = {NUMBER: "a number", DATE: "a date or time"}


@dataclass(frozen=True)
class AnswerCheck:
    """How an answer fared: asks answered of all asks, and what it failed, in words for the model."""

    asks: int
    answered: int
    unanswered: tuple[str, ...] = ()  # an ask no value answers, and why
    unsupported: tuple[str, ...] = ()  # a number or name the answer states that nothing supports

    @property
    def failures(self) -> tuple[str, ...]:
        return self.unanswered + self.unsupported

    @property
    def passed(self) -> bool:
        return self.answered == self.asks and not self.unsupported

    @property
    def share(self) -> float:
        """Checks met of one per ask plus one for stating nothing the evidence lacks."""
        return round((self.answered + (not self.unsupported)) / (self.asks + 1), 4)


@dataclass(frozen=True)
class _Value:
    """One value the answer template reads from a step, as the check sees it."""

    shown: str  # the template's `{n1.name}`
    value: Any
    tokens: frozenset[str]  # stems of its words and numbers
    error: bool
    empty: bool
    bulk: str | None  # what a value too big to answer with is (`workflow.refs.bulk`)
    first_of: int  # how many items the list holds when the template reads only its first item, else 0
    echoes: str | None  # the argument of its step a single value only repeats (`range` given back), else None


def check_answer(task: str, workflow: Workflow, execution: Execution | None) -> AnswerCheck:
    """`workflow`'s answer template against `execution`: each ask answered by a value of its own, read from a
    step that succeeded, that the request does not already state and that is no error text; and nothing the
    rendered answer states missing from the evidence."""
    wanted = asks(task)
    answer = workflow.answer
    if execution is None or answer is None:
        return AnswerCheck(len(wanted), 0)
    done = {
        node.id: outcome
        for node in workflow.tool_nodes
        if (outcome := execution.outcomes.get(node.id)) is not None and outcome.ok
    }
    outputs = {node_id: outcome.output for node_id, outcome in done.items()}
    given = {node_id: outcome.args or {} for node_id, outcome in done.items()}
    values = list(_values(answer.text.refs, outputs, given))
    stated = frozenset(stem(w) for w in words_of(task))
    names = frozenset(stem(w) for term in salient_terms(task) for w in words_of(term)) | frozenset(
        stem(w) for w in words_of(task) if w[0].isdigit()
    )
    free = list(values)
    unanswered = []
    for ask in sorted(wanted, key=lambda a: _STRICTNESS.get(a.kind, 2)):
        chosen = next((v for v in free if _answers(v, ask, stated, names)), None)
        if chosen is None:
            unanswered.append(_why_unanswered(ask, values, stated))
        else:
            free.remove(chosen)
    rendered = execution.answer if isinstance(execution.answer, str) else ""
    return AnswerCheck(
        len(wanted),
        len(wanted) - len(unanswered),
        tuple(unanswered),
        unsupported_claims(rendered, task, execution),
    )


def unsupported_claims(text: str, task: str, execution: Execution | None) -> tuple[str, ...]:
    """The numbers and names `text` states that neither the request nor any successful step's arguments and
    outputs hold (citations like `[n3]` aside); a number may be rounded, also to a whole one."""
    if not text:
        return ()
    evidence = _evidence_text(task, execution)
    spelled = [number for word, number in NUMBER_WORDS.items() if word in words_of(task)]
    known = [*_numbers(evidence), *spelled, *_list_lengths(execution)]
    known_numbers = [float(n) for n in known]
    said = _CITATION.sub(" ", f". {text}")  # its first word opens a sentence
    found = [
        f"the answer states {number} but no step returned it and the request does not state it"
        for number in dict.fromkeys(_NUMBER.findall(said))
        if not any(_supports(float(number.replace(",", "")), other) for other in known_numbers)
    ]
    found += [
        f"the answer names {name!r} but no step's arguments or results mention it and the request does not"
        for name in dict.fromkeys(_NAME.findall(said))
        if name.lower() not in _NOT_CLAIMS and name.lower() not in evidence
    ]
    return tuple(found)


def numbers_missing(text: str, task: str) -> tuple[str, ...]:
    """What a written answer leaves out of a request that asks for a number ("how many", "what is the total"):
    the asks of kind number, when the text states no number at all (citations like `[n3]` aside)."""
    said = _CITATION.sub(" ", text or "")
    if _NUMBER.search(said) or any(word in NUMBER_WORDS for word in words_of(said)):
        return ()
    return tuple(
        f"the answer states no number, but the request asks {ask.text!r}"
        for ask in asks(task)
        if ask.kind == NUMBER
    )


def _values(
    refs: tuple[Ref, ...], outputs: dict[str, Any], given: dict[str, dict[str, Any]]
) -> Iterator[_Value]:
    """Each distinct reference of the template into a step that succeeded, with the value it reads; `given`
    holds each step's arguments as it was called."""
    for ref in dict.fromkeys(refs):
        if ref.node not in outputs:
            continue
        try:
            value = resolve_ref(ref, outputs)
        except UnresolvedReference:
            continue
        texts = [stringify(leaf) for leaf in leaves(value) if leaf is not None and leaf != ""]
        yield _Value(
            "{" + str(ref)[1:] + "}",
            value,
            frozenset(stem(w) for text in texts for w in words_of(text)),
            any(_error_text(text) for text in texts),
            not texts,
            bulk(value),
            _first_of(ref, outputs),
            _echoed(value, given.get(ref.node, {})) if ref.path else None,
        )


def _echoed(value: Any, args: dict[str, Any]) -> str | None:
    """The argument a text value is a copy of (the cell range or the unit the step was given), if one."""
    if not isinstance(value, str) or len(value) < 2:
        return None
    return next((name for name, arg in args.items() if stringify(arg) == stringify(value)), None)


def _first_of(ref: Ref, outputs: dict[str, Any]) -> int:
    """How many items the list `ref` reads the first item of holds (`{n1.sheets[0].name}`), or 0."""
    if 0 not in ref.path:
        return 0
    try:
        listed = resolve_ref(Ref(ref.node, ref.path[: ref.path.index(0)]), outputs)
    except UnresolvedReference:
        return 0
    return len(listed) if isinstance(listed, list) else 0


def _answers(value: _Value, ask: Ask, stated: frozenset[str], names: frozenset[str]) -> bool:
    """Whether `value` answers `ask`: no error text and nothing too big to answer with (nor, for a list, one item
    of several); for a yes/no question anything but the request's own
    names (an empty list says "none"); for a choice any value (it may be one of the options named); for the
    rest something the request does not state, of the kind asked for."""
    if value.error or value.bulk:
        return False
    if ask.kind == LIST and value.first_of > 1:
        return False
    if ask.kind == YES_NO:
        return value.empty or not value.tokens <= names
    if value.empty:
        return False
    if ask.kind == CHOICE:
        return True
    if value.echoes or value.tokens <= stated:
        return False
    if ask.kind == NUMBER:
        return any(t[0].isdigit() for t in value.tokens)
    if ask.kind == DATE:
        return any(t[0].isdigit() or t in DATE_WORDS for t in value.tokens)
    return True


def _why_unanswered(ask: Ask, values: list[_Value], stated: frozenset[str]) -> str:
    """Why no value answers `ask`, in words for the model."""
    lead = f"the answer does not answer {ask.text!r}"
    if not values:
        return f"{lead}: it reads no value a step returned"
    error = next((v for v in values if v.error), None)
    if error is not None:
        return f"{lead}: {error.shown} is an error message ({stringify(error.value)[:80]!r}), not an answer"
    echo = next((v for v in values if not v.empty and v.tokens <= stated), None)
    if echo is not None and ask.kind not in (YES_NO, CHOICE):
        repeated = sorted(echo.tokens & {stem(w) for w in ask.mentions}) or sorted(echo.tokens)
        return (
            f"{lead}: {echo.shown} is {stringify(echo.value)[:80]!r}, which only repeats the request's "
            f"{' '.join(repeated)!r}; read the field of a step that gives what is asked"
        )
    echoed = next((v for v in values if v.echoes), None)
    if echoed is not None and ask.kind not in (YES_NO, CHOICE):
        return (
            f"{lead}: {echoed.shown} is {stringify(echoed.value)[:80]!r}, what the step was given as its "
            f"{echoed.echoes!r}, not what it found; read the field that holds the result"
        )
    bulky = next((v for v in values if v.bulk), None)
    if bulky is not None:
        return f"{lead}: {bulky.shown} is {bulky.bulk}, not an answer; read the one field of it that answers"
    first = next((v for v in values if v.first_of > 1), None)
    if first is not None and ask.kind == LIST:
        return (
            f"{lead}: {first.shown} reads only the first of {first.first_of} items, but the request asks for a "
            "list: read every item with [*]"
        )
    if all(v.empty for v in values):
        return f"{lead}: {values[0].shown} is empty"
    if ask.kind in _WANTED:
        return f"{lead}: no value it reads from a step is {_WANTED[ask.kind]}"
    return f"{lead}: each part of the request needs its own value from a step, and the other parts took them"


def _error_text(text: str) -> bool:
    """A text that reports a failure, by the same test a step's result gets (`looks_failed`)."""
    return looks_failed(NodeOutcome("value", NodeStatus.OK, output=text))


def _evidence_text(task: str, execution: Execution | None) -> str:
    """The request and every successful step's arguments and output, as one lower-case text."""
    parts = [task]
    if execution is not None:
        for node in execution.workflow.tool_nodes:
            outcome = execution.outcomes.get(node.id)
            if outcome is not None and outcome.ok:
                args = outcome.args if outcome.args is not None else value_to_json(node.args)
                parts += [json.dumps(args, ensure_ascii=False, default=str), _dumped(outcome.output)]
    return " ".join(parts).lower()


def _dumped(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def _numbers(text: str) -> Iterator[float]:
    for number in _NUMBER.findall(text):
        yield float(number.replace(",", ""))


def _list_lengths(execution: Execution | None) -> Iterator[int]:
    """How many items each list a successful step returned holds: an answer may count them."""
    if execution is None:
        return
    for node in execution.workflow.tool_nodes:
        outcome = execution.outcomes.get(node.id)
        if outcome is not None and outcome.ok:
            yield from _lengths(outcome.output)


def _lengths(value: Any) -> Iterator[int]:
    if isinstance(value, list):
        yield len(value)
        for item in value:
            yield from _lengths(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _lengths(item)


def _supports(number: float, other: float) -> bool:
    """Whether a returned or stated number supports one the answer states, also rounded to a whole one."""
    if same_number(number, other):
        return True
    return number.is_integer() and not other.is_integer() and abs(number - other) <= 0.5
