"""evoflux: plan, check, run and repair MCP tool workflows with small language models.

The public API is small: `solve`, `SolveResult`, `Strategy`, `Workflow`, `parse_workflow`,
`check_workflow`. They load on first use, so `python -m evoflux.servers.NAME` stays light.
"""

from importlib import import_module
from typing import Any

_EXPORTS = {
    "solve": "evoflux.assemble",
    "SolveResult": "evoflux.solver",
    "Strategy": "evoflux.solver",
    "Workflow": "evoflux.workflow",
    "parse_workflow": "evoflux.workflow",
    "check_workflow": "evoflux.workflow",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'evoflux' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
