"""Accounting of model calls: a thread-safe ledger of CallRecords shared by all callers of one solve.
Sums tokens, seconds, replayed and failed calls in total and per purpose."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from evoflux.llm.reply import Purpose


@dataclass(frozen=True)
class CallRecord:
    """One model call. `replayed` calls came from a cassette; `error` names the exception of a failed call."""

    purpose: Purpose
    model: str
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    cached_prompt_tokens: int = 0
    replayed: bool = False
    error: str | None = None


@dataclass(frozen=True)
class UsageTotals:
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_prompt_tokens: int = 0
    seconds: float = 0.0
    replayed_calls: int = 0
    failed_calls: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def add(self, record: CallRecord) -> UsageTotals:
        return UsageTotals(
            calls=self.calls + 1,
            prompt_tokens=self.prompt_tokens + record.prompt_tokens,
            completion_tokens=self.completion_tokens + record.completion_tokens,
            cached_prompt_tokens=self.cached_prompt_tokens + record.cached_prompt_tokens,
            seconds=self.seconds + record.seconds,
            replayed_calls=self.replayed_calls + int(record.replayed),
            failed_calls=self.failed_calls + int(record.error is not None),
        )


@dataclass
class UsageLedger:
    """Append-only list of call records; safe to share between tasks and threads."""

    _records: list[CallRecord] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, record: CallRecord) -> None:
        with self._lock:
            self._records.append(record)

    @property
    def records(self) -> tuple[CallRecord, ...]:
        with self._lock:
            return tuple(self._records)

    def total(self) -> UsageTotals:
        totals = UsageTotals()
        for record in self.records:
            totals = totals.add(record)
        return totals

    def by_purpose(self) -> dict[Purpose, UsageTotals]:
        """Totals per purpose, in the order purposes were first used."""
        out: dict[Purpose, UsageTotals] = {}
        for record in self.records:
            out[record.purpose] = out.get(record.purpose, UsageTotals()).add(record)
        return out
