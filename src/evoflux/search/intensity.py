"""Adaptive exploration: the chance of a random edit rises while the best fitness stalls.

Tracks G <- 0.9 G + 0.1 (delta/scale)^2 over ABSOLUTE improvement of the best fitness value, so
that a real improvement moves it, and I = low + span / (1 + sqrt(G)); nothing else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class AdaptiveIntensity:
    low: float = 0.1
    span: float = 0.6
    scale: float = 0.05  # an improvement of this much fitness counts as one unit
    enabled: bool = True
    fixed: float = 0.3  # the exploration chance when adaptation is switched off
    energy: float = 1.0  # G: starts as if a unit improvement just happened
    stalled: int = 0  # iterations in a row without improvement

    @property
    def exploration(self) -> float:
        if not self.enabled:
            return self.fixed
        return self.low + self.span / (1 + math.sqrt(self.energy))

    def observe(self, before: float, after: float) -> None:
        """Record one iteration's change of the best fitness value."""
        delta = max(0.0, after - before)
        self.energy = 0.9 * self.energy + 0.1 * (delta / self.scale) ** 2
        self.stalled = 0 if delta > 1e-9 else self.stalled + 1
