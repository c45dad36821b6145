"""The CLI's `solve` without a model or servers: the library's assembly calls a stand-in `solve_with`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from evoflux import assemble
from evoflux.solver import SolveResult


def solve_offline(monkeypatch: pytest.MonkeyPatch, solve_with: Callable[..., Awaitable[SolveResult]]) -> None:
    """Route the assembly to `solve_with`; the model client and the tool environment open as nothing."""

    @contextlib.asynccontextmanager
    async def opened(*_: object, **__: object) -> AsyncIterator[None]:
        yield None

    monkeypatch.setattr(assemble, "solve_with", solve_with)
    monkeypatch.setattr(assemble, "open_client", opened)
    monkeypatch.setattr(assemble, "ToolEnvironment", opened)
