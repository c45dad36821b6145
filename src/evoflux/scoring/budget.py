"""Budgets a user can set and trust: model calls, tokens, tool calls, wall seconds, iterations.

A meter reads what was spent from the model ledger and the executions; it decides nothing else.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from evoflux.llm import UsageLedger


@dataclass(frozen=True)
class Budget:
    """Upper limits for one task; defaults suit the 1.5B local model on a 2-core CPU."""

    model_calls: int = 12
    tokens: int = 30_000
    tool_calls: int = 120
    seconds: float = 300.0
    iterations: int = 5

    def reserve(self, model_calls: int, tokens: int, seconds: float = 0.0) -> Budget:
        """What is left for the search after keeping `model_calls`, `tokens` and `seconds` for the answer."""
        return replace(
            self,
            model_calls=max(0, self.model_calls - model_calls),
            tokens=max(0, self.tokens - tokens),
            seconds=max(0.0, self.seconds - seconds),
        )

    def scaled(self, factor: float) -> Budget:
        return Budget(
            model_calls=max(1, int(self.model_calls * factor)),
            tokens=max(1, int(self.tokens * factor)),
            tool_calls=max(1, int(self.tool_calls * factor)),
            seconds=self.seconds * factor,
            iterations=max(1, int(self.iterations * factor)),
        )


@dataclass
class BudgetMeter:
    """What one search has spent so far, against its budget."""

    budget: Budget
    ledger: UsageLedger
    started: float = field(default_factory=time.perf_counter)
    tool_calls: int = 0
    iterations: int = 0

    def __post_init__(self) -> None:
        self._first_record = len(self.ledger.records)

    @property
    def model_calls(self) -> int:
        return len(self.ledger.records) - self._first_record

    @property
    def tokens(self) -> int:
        records = self.ledger.records[self._first_record :]
        return sum(r.prompt_tokens + r.completion_tokens for r in records)

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started

    def can_call_model(self, expected_tokens: int = 0) -> bool:
        """Room for one more model call that may use `expected_tokens` more tokens and as many seconds as a
        typical call so far: a call cut off at the deadline is spent for nothing, and a local model server
        may go on working on it while the next call waits."""
        return (
            self.model_calls < self.budget.model_calls
            and self.tokens + expected_tokens <= self.budget.tokens
            and self.seconds < self.budget.seconds
            and self.budget.seconds - self.seconds >= self.typical_call_seconds()
        )

    def typical_call_seconds(self) -> float:
        """The median duration of this meter's finished, live model calls; 0 before the first."""
        durations = sorted(
            r.seconds for r in self.ledger.records[self._first_record :] if r.error is None and not r.replayed
        )
        return durations[len(durations) // 2] if durations else 0.0

    def can_execute(self, calls: int) -> bool:
        """Room to run a workflow of `calls` steps; tool calls end within their own deadlines."""
        return self.tool_calls + calls <= self.budget.tool_calls

    def seconds_left(self) -> float:
        """The deadline for the next model call, so that no call runs past the time budget."""
        return max(0.1, self.budget.seconds - self.seconds)

    def can_iterate(self) -> bool:
        return self.iterations < self.budget.iterations and self.seconds < self.budget.seconds

    def exhausted(self) -> str | None:
        """Which limit is reached, if any."""
        if self.model_calls >= self.budget.model_calls:
            return "model calls"
        if self.tokens >= self.budget.tokens:
            return "tokens"
        if self.tool_calls >= self.budget.tool_calls:
            return "tool calls"
        if self.seconds >= self.budget.seconds:
            return "seconds"
        if self.iterations >= self.budget.iterations:
            return "iterations"
        return None

    def spent(self) -> dict[str, float]:
        return {
            "model_calls": self.model_calls,
            "tokens": self.tokens,
            "tool_calls": self.tool_calls,
            "seconds": round(self.seconds, 2),
            "iterations": self.iterations,
        }
