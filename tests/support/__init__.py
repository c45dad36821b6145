"""Helpers shared by the test modules (importable as `tests.support`; pyproject puts the project root on
pytest's path). The fake chat model is not here: it is `evoflux.llm.ScriptedChat`, public for users' tests."""

from tests.support.servers import bundled_catalog, bundled_config

__all__ = ["bundled_catalog", "bundled_config"]
