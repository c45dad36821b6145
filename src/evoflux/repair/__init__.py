"""Deterministic workflow repair driven by check issues and execution outcomes: rules first, no model.

`repair_workflow` runs the rules of `tools`, `arguments`, `binding`, `lookups`, `references` and `structure`.
"""

from evoflux.repair.engine import Repair, repair_workflow

__all__ = ["Repair", "repair_workflow"]
