"""Running glue steps in-process: a transform is evaluated here, an extraction goes to the run's extractor.

Owns the `Extractor` protocol (what the executor needs from whoever can call a model) and one glue step's
result; never calls a model itself (execute/ does not import llm/): without an extractor an extraction fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from evoflux.workflow.glue import (
    EXTRACT,
    GlueResult,
    argument_error,
    evaluate_transform,
    schema_error,
    source_text,
    wanted_schema,
)

NO_EXTRACTOR = "no model to extract with: this run was given no extractor"


class Extractor(Protocol):
    """Pulls the value `what` describes out of `source`, as `schema` types it, or says why it cannot."""

    async def __call__(self, what: str, source: str, schema: Mapping[str, Any]) -> GlueResult: ...


async def run_glue(tool: str, args: Mapping[str, Any], extractor: Extractor | None) -> GlueResult:
    """One glue step on resolved arguments; never raises."""
    if tool != EXTRACT:
        return evaluate_transform(args)
    bad = argument_error(EXTRACT, args)
    if bad is not None:
        return GlueResult(error=bad)
    schema = wanted_schema(args)
    bad = schema_error(schema)
    if bad is not None:
        return GlueResult(error=bad)
    source = source_text(args["from"])
    if not source.strip():
        return GlueResult(error=f"nothing to extract {args['extract']!r} from: the input is empty")
    if extractor is None:
        return GlueResult(error=NO_EXTRACTOR)
    return await extractor(args["extract"], source, schema)
