"""Conversions from live SDK objects: listed tools to ToolSpecs, result content to text."""

from __future__ import annotations

import base64

import mcp_types as types

from evoflux.catalog.live import content_text, tool_spec


def test_tool_spec_keeps_schemas_and_camel_case_annotations() -> None:
    tool = types.Tool(
        name="add",
        description="Add numbers.",
        input_schema={"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]},
        output_schema={"type": "object", "properties": {"result": {"type": "integer"}}},
        annotations=types.ToolAnnotations(read_only_hint=True, destructive_hint=False),
    )
    spec = tool_spec("math", tool)
    assert spec.key == "math:add"
    assert spec.description == "Add numbers."
    assert spec.required == ("a",)
    assert spec.output_schema == {"type": "object", "properties": {"result": {"type": "integer"}}}
    assert spec.annotations == {"readOnlyHint": True, "destructiveHint": False}
    assert spec.cacheable


def test_tool_spec_defaults() -> None:
    spec = tool_spec("s", types.Tool(name="t", input_schema={"type": "object"}))
    assert spec.description == ""
    assert spec.output_schema is None
    assert spec.annotations == {}


def test_content_text_summarizes_non_text() -> None:
    png = base64.b64encode(b"\x89PNG" + b"\0" * 1230).decode()
    content = [
        types.TextContent(type="text", text="first"),
        types.ImageContent(type="image", data=png, mime_type="image/png"),
        types.AudioContent(type="audio", data=base64.b64encode(b"abc").decode(), mime_type="audio/wav"),
        types.ResourceLink(type="resource_link", name="r", uri="file:///tmp/r.txt"),
        types.EmbeddedResource(
            type="resource", resource=types.TextResourceContents(uri="file:///a.txt", text="embedded text")
        ),
        types.EmbeddedResource(
            type="resource",
            resource=types.BlobResourceContents(
                uri="file:///b.bin", blob=base64.b64encode(b"12345").decode()
            ),
        ),
    ]
    assert content_text(content).split("\n") == [
        "first",
        "[image image/png 1234 bytes]",
        "[audio audio/wav 3 bytes]",
        "[resource link file:///tmp/r.txt]",
        "embedded text",
        "[resource file:///b.bin application/octet-stream 5 bytes]",
    ]
