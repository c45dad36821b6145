"""Read the structure a tool's text result holds: JSON, Python literal reprs, tables and `key: value` lines.

Servers that declare no output schema answer in text: `json.dumps` of rows, `str()` of a list of tuples,
a markdown or CSV table, a block of `key: value` lines. `parse_text` turns each into plain values (a table
into a list of objects keyed by its header) so references can read `rows[0].name`; text that holds none of
these, or that cannot be read, stays the text. Never raises.
"""

from __future__ import annotations

import ast
import csv
import json
import re
from typing import Any

import json_repair

from evoflux.lexicon import spells_number

_JSON = json.JSONDecoder()
_MAX_PREFIX = 120  # a title line before the data ("Query results:", "Found 3 tables")
_MAX_KEY = 40
# Python stdlib reprs `str()` of a row prints (DB-API rows carry these): made literals before literal_eval.
_DECIMAL = re.compile(r"Decimal\('([-+0-9.eE]+)'\)")
_DATETIME = re.compile(r"datetime\.(date|datetime|time)\(([\d,\s]+)\)")
_KEY_LINE = re.compile(rf"^\s*(?:[-*]\s+)?([A-Za-z][\w .()/#%-]{{0,{_MAX_KEY}}}?)\s*:\s*(.*)$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_HEADER_CELL = re.compile(rf"^[A-Za-z_#%][\w .()/#%-]{{0,{_MAX_KEY}}}$")
_NUMBER = re.compile(r"^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$")


def parse_text(text: str) -> Any:
    """The value `text` holds, or `text` itself when it holds no structure this can read."""
    stripped = text.strip()
    if not stripped:
        return text
    for read in (_json_values, _python_literal, _after_prefix, _markdown_table, _delimited, _key_values):
        found = read(stripped)
        if found is not None:
            return found
    repaired = _half_json(stripped)
    return text if repaired is None else repaired


def scalar(cell: str) -> Any:
    """A table cell or a `key: value` value as JSON would hold it: numbers, booleans and null typed, the
    rest a string (an id with leading zeros stays a string)."""
    cell = cell.strip()
    if _NUMBER.match(cell):
        return json.loads(cell)
    return {"true": True, "false": False, "null": None, "none": None}.get(cell.casefold(), cell)


def _json_values(text: str) -> Any:
    """One JSON value, or several objects/arrays in a row (JSON lines, or several content blocks)."""
    if not text or not (text[0] in '{["' or text in ("true", "false", "null") or spells_number(text)):
        return None
    values, at = [], 0
    while at < len(text):
        try:
            value, at = _JSON.raw_decode(text, at)
        except ValueError:
            return None
        values.append(value)
        while at < len(text) and text[at].isspace():
            at += 1
    if len(values) == 1:
        return values[0]
    return values if all(isinstance(v, dict | list) for v in values) else None


def _python_literal(text: str) -> Any:
    """A Python repr of lists, tuples, dicts and scalars (`[(1, 'Ada')]`), through `ast.literal_eval` only."""
    if not text or text[0] not in "[({":
        return None
    text = _DECIMAL.sub(r"\1", text)
    text = _DATETIME.sub(_iso_literal, text)
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return _plain(value)


def _iso_literal(match: re.Match[str]) -> str:
    parts = [int(p) for p in match.group(2).split(",") if p.strip()]
    if match.group(1) == "time":
        return repr(":".join(f"{p:02d}" for p in parts[:3]))
    date = f"{parts[0]:04d}-{parts[1]:02d}-{parts[2]:02d}" if len(parts) >= 3 else ""
    clock = ":".join(f"{p:02d}" for p in parts[3:6])
    return repr(f"{date}T{clock}" if clock else date)


def _plain(value: Any) -> Any:
    """A literal as JSON values: tuples and sets become lists, keys strings, bytes text."""
    if isinstance(value, dict):
        return {k if isinstance(k, str) else str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((_plain(v) for v in value), key=str)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, complex):
        return str(value)
    return value


def _after_prefix(text: str) -> Any:
    """JSON or a Python literal after one short title line (`Tables:\\n[...]`)."""
    first, _, rest = text.partition("\n")
    rest = rest.strip()
    if len(first) > _MAX_PREFIX or not rest or rest[0] not in "[{":
        return None
    found = _json_values(rest)
    return _python_literal(rest) if found is None else found


def _markdown_table(text: str) -> list[dict[str, Any]] | None:
    """A markdown table (header, `|---|` rule, rows) as a list of objects; at most two title lines before it."""
    lines = [line for line in text.splitlines() if line.strip()]
    start = next((i for i in range(1, len(lines)) if _TABLE_RULE.match(lines[i]) and "|" in lines[i]), None)
    if start is None or start > 3:
        return None
    header = _cells(lines[start - 1])
    rows = lines[start + 1 :]
    if not _good_header(header) or not rows or not all(line.lstrip().startswith("|") for line in rows):
        return None
    table = [_cells(line) for line in rows]
    if any(len(row) != len(header) for row in table):
        return None
    return [{name: scalar(cell) for name, cell in zip(header, row, strict=True)} for row in table]


def _cells(line: str) -> list[str]:
    line = line.strip()
    return [cell.strip() for cell in line.removeprefix("|").removesuffix("|").split("|")]


def _delimited(text: str) -> list[dict[str, Any]] | None:
    """CSV or TSV with a header row of names, every row as wide as the header."""
    lines = text.splitlines()
    if len(lines) < 2:
        return None
    delimiter = "\t" if "\t" in lines[0] else ","
    try:
        table = list(csv.reader(lines, delimiter=delimiter))
    except csv.Error:
        return None
    header = [cell.strip() for cell in table[0]]
    rows = [row for row in table[1:] if row]
    if len(header) < 2 or not _good_header(header) or not rows or any(len(r) != len(header) for r in rows):
        return None
    return [{name: scalar(cell) for name, cell in zip(header, row, strict=True)} for row in rows]


def _good_header(header: list[str]) -> bool:
    """Column names: distinct, short, not numbers, not prose."""
    return (
        len(set(header)) == len(header)
        and all(_HEADER_CELL.match(cell) and len(cell.split()) <= 4 for cell in header)
        and not all(spells_number(cell) for cell in header)
    )


def _key_values(text: str) -> dict[str, Any] | list[dict[str, Any]] | None:
    """`key: value` lines (two or more) as an object; a key seen again, or a blank line, starts the next
    record, so several records become a list of objects."""
    records: list[dict[str, Any]] = [{}]
    lines = 0
    for line in text.splitlines():
        if not line.strip():
            if records[-1]:
                records.append({})
            continue
        match = _KEY_LINE.match(line)
        if match is None:
            return None
        key, value = match.group(1).strip(), match.group(2)
        if key in records[-1]:
            records.append({})
        records[-1][key] = scalar(value)
        lines += 1
    records = [r for r in records if r]
    if lines < 2:
        return None
    return records[0] if len(records) == 1 else records


def _half_json(text: str) -> Any:
    """A best-effort read of JSON that was cut off or is slightly broken; None when it does not look like
    JSON (`[INFO] started`, `{not json`)."""
    opening = text[:1]
    after = text[1:].lstrip()[:1]
    plausible = (opening == "{" and after in "\"'}") or (opening == "[" and after in "{[\"'-0123456789]tfn")
    if not plausible or not after:
        return None
    try:
        value = json_repair.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict | list) and value else None
