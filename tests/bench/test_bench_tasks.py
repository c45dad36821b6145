"""The native task file format: valid files load, and every kind of mistake is reported with its line number."""

import json

import pytest

from evoflux.bench.matchers import MatchKind
from evoflux.bench.tasks import BUNDLED_REFERENCES, BUNDLED_SUITE, Task, load_references, load_tasks
from evoflux.errors import UserError

VALID = """\
# A comment, then a blank line.

{"id": "yen", "query": "How much is the cheapest espresso machine in Japanese yen?", "servers": ["shop"], \
"expected": {"match": "number", "value": 32355, "tolerance": 1}, "tags": ["shop", "steps:2", "easy"], "steps": 2}
   # an indented comment
{"id": "rome", "query": "Book me a flight to Rome.", "tags": ["impossible"]}
{"id": "json", "query": "Weather in Dubai as JSON?", "expected": {"match": "json_subset", "value": {"condition": "fog"}}}
"""


def write(tmp_path, text: str, name: str = "tasks.jsonl"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_file_loads_with_comments_and_blank_lines(tmp_path):
    tasks = load_tasks(write(tmp_path, VALID))
    assert [t.id for t in tasks] == ["yen", "rome", "json"]
    yen = tasks[0]
    assert yen.servers == ("shop",) and yen.steps == 2 and yen.tags == ("shop", "steps:2", "easy")
    assert (yen.expected.match, yen.expected.value, yen.expected.tolerance) == (MatchKind.NUMBER, 32355, 1)
    assert tasks[1] == Task("rome", "Book me a flight to Rome.", tags=("impossible",))
    assert tasks[1].expected is None and tasks[1].steps is None


def test_tasks_round_trip_through_json(tmp_path):
    tasks = load_tasks(write(tmp_path, VALID))
    lines = "\n".join(json.dumps(t.to_json()) for t in tasks)
    assert load_tasks(write(tmp_path, lines, "again.jsonl")) == tasks


GOOD = '{"id": "ok", "query": "q"}'


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (
            [GOOD, '{"id": "a", "query": "q"'],
            "tasks.jsonl:2: not valid JSON (column 25: Expecting ',' delimiter)",
        ),
        (['{"id": "a", "query": "q",}'], "tasks.jsonl:1: not valid JSON (column 26: Expecting property name"),
        (["[1, 2]"], "tasks.jsonl:1: expected a JSON object, got list"),
        (['{"query": "q"}'], "tasks.jsonl:1: missing required field 'id'"),
        (['{"id": "a"}'], "tasks.jsonl:1: missing required field 'query'"),
        (
            ['{"id": "", "query": "q"}'],
            "tasks.jsonl:1: id must be a non-empty string without surrounding spaces",
        ),
        (['{"id": 7, "query": "q"}'], "tasks.jsonl:1: id must be a non-empty string"),
        (
            ['{"id": "a", "query": "q", "expect": {}}'],
            "tasks.jsonl:1: unknown field 'expect' (did you mean 'expected'?)",
        ),
        (
            ['{"id": "a", "query": "q", "owner": "me"}'],
            "tasks.jsonl:1: unknown field 'owner' (known fields: id, query",
        ),
        (
            [GOOD, "", "# comment", '{"id": "a", "query": "q", "expected": {"match": "numbr", "value": 1}}'],
            "tasks.jsonl:4: expected.match must be one of number, exact, contains, regex, set, json_subset, got 'numbr'",
        ),
        (
            ['{"id": "a", "query": "q", "expected": {"match": "regex", "value": "(x"}}'],
            "tasks.jsonl:1: expected.value is not a valid regular expression",
        ),
        (
            ['{"id": "a", "query": "q", "expected": {"match": "number", "value": 1, "tolerance": -1}}'],
            "tasks.jsonl:1: expected.tolerance must be a non-negative number, got -1",
        ),
        (['{"id": "a", "query": "q", "expected": "42"}'], "tasks.jsonl:1: expected must be an object"),
        (['{"id": "a", "query": "q", "steps": 0}'], "tasks.jsonl:1: steps must be a positive integer, got 0"),
        (
            ['{"id": "a", "query": "q", "steps": true}'],
            "tasks.jsonl:1: steps must be a positive integer, got True",
        ),
        (
            ['{"id": "a", "query": "q", "tags": "easy"}'],
            "tasks.jsonl:1: tags must be a list of non-empty strings",
        ),
        (['{"id": "a", "query": "q", "servers": []}'], "tasks.jsonl:1: servers must not be empty"),
        ([GOOD, "# comment", GOOD], "tasks.jsonl:3: duplicate id 'ok' (first on line 1)"),
        (["# only a comment", ""], "tasks.jsonl: no entries (every line is blank or a # comment)"),
    ],
)
def test_each_problem_names_file_and_line(tmp_path, lines, message):
    path = write(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(UserError) as caught:
        load_tasks(path)
    assert message.replace("tasks.jsonl", str(path), 1) in str(caught.value)


def test_all_problems_are_reported_together(tmp_path):
    path = write(
        tmp_path, "\n".join([GOOD, "{oops", '{"id": "ok"}', '{"id": "b", "query": "q", "steps": -2}'])
    )
    with pytest.raises(UserError) as caught:
        load_tasks(path)
    assert str(caught.value).splitlines() == [
        f"{path}:2: not valid JSON (column 2: Expecting property name enclosed in double quotes)",
        f"{path}:3: missing required field 'query'",
        f"{path}:3: duplicate id 'ok' (first on line 1)",
        f"{path}:4: steps must be a positive integer, got -2",
    ]


def test_unreadable_files_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="cannot read"):
        load_tasks(tmp_path / "missing.jsonl")
    (tmp_path / "latin1.jsonl").write_bytes(b'{"id": "caf\xe9", "query": "q"}')
    with pytest.raises(UserError, match="not a UTF-8 text file"):
        load_tasks(tmp_path / "latin1.jsonl")


def test_references_load_as_workflows(tmp_path):
    workflow = {
        "nodes": [
            {"id": "n1", "tool": "geo:get_country", "args": {"country_code": "IS"}},
            {"id": "answer", "answer": "{n1.calling_code}"},
        ]
    }
    path = write(tmp_path, json.dumps({"id": "iceland", "workflow": workflow}), "refs.jsonl")
    references = load_references(path)
    assert list(references) == ["iceland"]
    assert [n.tool_key for n in references["iceland"].tool_nodes] == ["geo:get_country"]


def test_reference_problems_name_the_line(tmp_path):
    path = write(tmp_path, '{"id": "a", "workflow": {"nodes": "none"}}\n{"id": "b"}\n', "refs.jsonl")
    with pytest.raises(UserError) as caught:
        load_references(path)
    assert str(caught.value).splitlines() == [
        f"{path}:1: workflow: 'nodes' must be a list of node objects, got a string",
        f"{path}:2: missing required field 'workflow'",
    ]


def test_bundled_files_load():
    tasks = load_tasks(BUNDLED_SUITE)
    assert set(load_references(BUNDLED_REFERENCES)) <= {t.id for t in tasks}
