"""Helpers shared by the test modules (importable as `tests.support`; pyproject puts the project root on
pytest's path). The fake chat model is not here: it is `evoflux.llm.ScriptedChat`, public for users' tests."""

from tests.support.offline import solve_offline
from tests.support.servers import bundled_catalog, bundled_config
from tests.support.soundness import assert_sound
from tests.support.specs import catalog_of, spec
from tests.support.steps import distance_steps, station_read, station_search

__all__ = [
    "assert_sound",
    "bundled_catalog",
    "bundled_config",
    "catalog_of",
    "distance_steps",
    "solve_offline",
    "spec",
    "station_read",
    "station_search",
]
