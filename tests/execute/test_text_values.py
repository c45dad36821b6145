"""Text results read as structure: JSON in its forms, Python reprs, tables, `key: value` lines; else text.

Samples are shaped like what third-party servers print: a DB-API `fetchall()` through `str()`, a markdown
table, a record as `key: value` lines, CSV from a spreadsheet tool.
"""

from __future__ import annotations

import json

import pytest

from evoflux.execute.results import output_value
from evoflux.execute.text_values import parse_text


def test_a_database_result_printed_as_a_python_list_of_tuples_becomes_rows():
    text = (
        "[(1, 'Ada Lovelace', Decimal('1843.50'), datetime.date(1815, 12, 10)), (2, \"O'Neil\", None, None)]"
    )
    assert parse_text(text) == [[1, "Ada Lovelace", 1843.5, "1815-12-10"], [2, "O'Neil", None, None]]


def test_a_python_dict_repr_with_tuples_becomes_plain_values():
    assert parse_text("{'tables': ('users', 'orders'), 'count': 2}") == {
        "tables": ["users", "orders"],
        "count": 2,
    }


def test_a_markdown_table_after_a_title_becomes_objects_keyed_by_its_header():
    text = "Query returned 2 rows\n\n| name | stock | active |\n|:-----|------:|--------|\n| Bolt M4 | 120 | true |\n| Nut M4 | 0 | false |"
    assert parse_text(text) == [
        {"name": "Bolt M4", "stock": 120, "active": True},
        {"name": "Nut M4", "stock": 0, "active": False},
    ]


@pytest.mark.parametrize(
    "text",
    [
        'sku,name,qty\nA-001,Widget,4\n00017,"Gadget, large",12\n',
        "sku\tname\tqty\nA-001\tWidget\t4\n00017\tGadget, large\t12",
    ],
)
def test_csv_and_tsv_with_a_header_become_rows_and_ids_keep_their_zeros(text):
    assert parse_text(text) == [
        {"sku": "A-001", "name": "Widget", "qty": 4},
        {"sku": "00017", "name": "Gadget, large", "qty": 12},
    ]


def test_key_value_lines_become_an_object_and_repeated_records_a_list():
    assert parse_text("Name: Ada Lovelace\nBorn: 1815\nURL: https://example.org/ada") == {
        "Name": "Ada Lovelace",
        "Born": 1815,
        "URL": "https://example.org/ada",
    }
    assert parse_text("path: a.txt\nsize: 12\npath: b.txt\nsize: 40") == [
        {"path": "a.txt", "size": 12},
        {"path": "b.txt", "size": 40},
    ]


def test_json_lines_several_blocks_and_json_after_a_title_line():
    assert parse_text('{"id": 1}\n{"id": 2}\n') == [{"id": 1}, {"id": 2}]
    assert parse_text('{\n  "id": 1\n}\n{\n  "id": 2\n}') == [{"id": 1}, {"id": 2}]
    assert parse_text('Found 2 matches:\n[{"id": 1}, {"id": 2}]') == [{"id": 1}, {"id": 2}]


def test_half_json_gets_a_best_effort_read():
    assert parse_text('{"rows": [{"id": 1, "name": "a"}, {"id": 2, "na') == {
        "rows": [{"id": 1, "name": "a"}, {"id": 2}]
    }
    assert parse_text('[{"id": 1, "name": "a"}, {"id": 2, "name": "b') == [
        {"id": 1, "name": "a"},
        {"id": 2, "name": "b"},
    ]


def test_a_huge_json_cut_mid_string_keeps_its_front_rows():
    rows = [{"id": i, "title": f"item {i} " + "x" * 200} for i in range(2000)]
    cut = json.dumps(rows)[:150_000]
    value = parse_text(cut)
    assert isinstance(value, list) and value[0] == rows[0] and value[10] == rows[10]


@pytest.mark.parametrize(
    "text",
    [
        "12.5 kilometer = 7.767 mile",
        "{not json",
        "[INFO] server started",
        "Hello, world\nHow are you today",
        "commit 3f2a9c1\nAuthor: Ada <ada@example.org>\nDate:   Mon Mar 4\n\n    Fix the parser",
        "Result: 42",
        "",
    ],
)
def test_text_without_structure_stays_the_text(text):
    assert parse_text(text) == text


def test_an_sdk_wrapped_text_result_is_read_too():
    assert output_value({"result": "| a | b |\n|---|---|\n| 1 | 2 |"}, "") == [{"a": 1, "b": 2}]
