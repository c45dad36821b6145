"""Fixtures for the catalog tests: the anyio backend."""

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
