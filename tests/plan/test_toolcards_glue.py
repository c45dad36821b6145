"""The glue tools' cards: one whole line each, with a tiny example the planner can copy."""

from __future__ import annotations

from evoflux.plan.toolcards import tool_cards
from evoflux.workflow.glue import GLUE_TOOLS


def test_each_glue_tool_is_one_untruncated_line_with_its_example():
    lines = tool_cards(GLUE_TOOLS.values()).splitlines()
    assert len(lines) == 2
    transform, extract = lines
    assert transform.startswith("evoflux:transform(input*: any, expression*: string (jmespath)) - ")
    assert transform.endswith('"expression": "length([?status == \'open\'])"}')
    assert extract.startswith("evoflux:extract(extract*: string, from*: any, schema: object) - ")
    assert extract.endswith('"schema": {"type": "string"}}')
