"""What live MCP SDK objects become in evoflux: `ToolSpec`s from listed tools, plain text from result content.

Owns these conversions only; talking to servers is `pool.py`'s job.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import mcp_types as types

from evoflux.catalog.tools import ToolSpec


def tool_spec(server: str, tool: types.Tool) -> ToolSpec:
    """A listed tool as a `ToolSpec`; annotations keep their wire (camelCase) names, e.g. `readOnlyHint`."""
    annotations: dict[str, Any] = (
        tool.annotations.model_dump(by_alias=True, exclude_none=True) if tool.annotations is not None else {}
    )
    return ToolSpec(
        server=server,
        name=tool.name,
        description=tool.description or "",
        input_schema=dict(tool.input_schema) if tool.input_schema else {"type": "object", "properties": {}},
        output_schema=dict(tool.output_schema) if tool.output_schema is not None else None,
        annotations=annotations,
    )


def _base64_size(data: str) -> int:
    """Decoded size of base64 text, without decoding it."""
    return len(data) * 3 // 4 - data[-2:].count("=")


def _describe(block: Any) -> str:
    match block:
        case types.TextContent():
            return block.text
        case types.ImageContent():
            return f"[image {block.mime_type} {_base64_size(block.data)} bytes]"
        case types.AudioContent():
            return f"[audio {block.mime_type} {_base64_size(block.data)} bytes]"
        case types.ResourceLink():
            return f"[resource link {block.uri}]"
        case types.EmbeddedResource(resource=types.TextResourceContents() as resource):
            return resource.text
        case types.EmbeddedResource(resource=types.BlobResourceContents() as resource):
            mime = resource.mime_type or "application/octet-stream"
            return f"[resource {resource.uri} {mime} {_base64_size(resource.blob)} bytes]"
        case _:
            return f"[{getattr(block, 'type', type(block).__name__)} content]"


def content_text(content: Iterable[Any]) -> str:
    """A tool result's content as text: text blocks joined by newlines, other blocks summarized in brackets."""
    return "\n".join(_describe(block) for block in content)
