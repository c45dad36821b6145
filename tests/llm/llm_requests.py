"""The requests the end-to-end test sends to the real local model; the cassette recorded from them
(tests/cassettes/llm_local_qwen1p5b.jsonl) is replayed by a fast offline test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CASSETTE = Path(__file__).resolve().parents[1] / "cassettes" / "llm_local_qwen1p5b.jsonl"

SYSTEM = (
    "You are a careful assistant that plans tool calls. Available tools:\n"
    "- search_files(pattern: string): list files whose name matches a glob pattern\n"
    "- read_file(path: string): return the text of one file\n"
    "- count_words(text: string): return the number of words in a text\n"
    "Always answer with a single JSON object and nothing else."
)

PLAN_SCHEMA: dict[str, Any] = {
    "title": "Plan",
    "type": "object",
    "properties": {
        "steps": {
            "type": "array",
            "minItems": 1,
            "maxItems": 4,
            "items": {
                "type": "object",
                "properties": {
                    "tool": {"type": "string", "enum": ["search_files", "read_file", "count_words"]},
                    "why": {"type": "string", "maxLength": 80},
                },
                "required": ["tool", "why"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["steps"],
    "additionalProperties": False,
}

VERDICT_SCHEMA: dict[str, Any] = {
    "title": "Verdict",
    "type": "object",
    "properties": {"ok": {"type": "boolean"}, "reason": {"type": "string", "maxLength": 80}},
    "required": ["ok", "reason"],
    "additionalProperties": False,
}

REQUESTS: list[dict[str, Any]] = [
    {
        "purpose": "plan",
        "schema": PLAN_SCHEMA,
        "max_tokens": 160,
        "messages": [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": "Plan how to count the words in the file notes.txt."},
        ],
    },
    {
        "purpose": "judge",
        "schema": VERDICT_SCHEMA,
        "max_tokens": 60,
        "messages": [
            {"role": "system", "content": SYSTEM},
            {
                "role": "user",
                "content": "Is calling read_file before search_files a sensible way to find README.md? "
                "Judge it.",
            },
        ],
    },
]
