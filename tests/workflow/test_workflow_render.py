"""Text tree and Mermaid views of a workflow: every node and every dependency edge shows up."""

from __future__ import annotations

from evoflux.workflow import parse_workflow, render_mermaid, render_text

WORKFLOW = parse_workflow(
    {
        "nodes": [
            {"id": "answer", "answer": "It is {n2.value} miles; see {n3.title}"},
            {
                "id": "n3",
                "tool": "web:search",
                "args": {"query": '{n1.city} <news> "today"'},
                "after": ["n2"],
            },
            {
                "id": "n2",
                "tool": "units:convert_length",
                "args": {
                    "value": "$n1.km",
                    "from_unit": "kilometer",
                    "to_unit": "mile",
                    "extra": {"a": [1, "$n1.x"]},
                },
            },
            {"id": "n1", "tool": "maps:distance", "args": {"from": "Paris", "to": "A" * 80}},
            {"id": "end", "tool": "plain_tool", "args": {}},
        ]
    }
)


def test_text_tree_is_in_dependency_order_and_indented():
    lines = render_text(WORKFLOW).splitlines()
    assert [line.split()[0] for line in lines] == ["n1", "n2", "n3", "answer", "end"]
    assert lines[0].startswith("n1 maps:distance(")
    assert lines[1].startswith('  n2 units:convert_length(value=$n1.km, from_unit="kilometer"')
    assert lines[1].endswith("<- n1")
    assert lines[2].startswith("    n3 ") and lines[2].endswith("<- n1, n2")
    assert lines[3].startswith('      answer "It is {n2.value} miles') and lines[3].endswith("<- n2, n3")
    assert lines[4] == "end plain_tool()"


def test_text_tree_shows_values_compactly():
    text = render_text(WORKFLOW)
    assert "extra={a: [1, $n1.x]}" in text
    assert '"' + "A" * 47 + '…"' in text


def test_text_tree_marks_outcomes():
    lines = render_text(WORKFLOW, {"n1": "ok", "n2": "failed"}).splitlines()
    assert lines[0].startswith("[ok] n1 ")
    assert lines[1].startswith("  [failed] n2 ")
    assert lines[2].startswith("    [ ] n3 ")


def test_mermaid_has_every_node_and_edge():
    chart = render_mermaid(WORKFLOW)
    lines = chart.splitlines()
    assert lines[0] == "flowchart TD"
    declarations = [
        'answer(["answer"])',
        'n3["n3: web:search"]',
        'n2["n2: units:convert_length"]',
        'n1["n1: maps:distance"]',
        'node_end["end: plain_tool"]',
    ]  # `end` is reserved in Mermaid
    for declaration in declarations:
        assert f"    {declaration}" in lines
    for edge in ["n1 --> n2", "n1 --> n3", "n2 -.-> n3", "n2 --> answer", "n3 --> answer"]:
        assert f"    {edge}" in lines
    assert len([line for line in lines if "->" in line]) == 5


def test_mermaid_escapes_labels():
    chart = render_mermaid(parse_workflow([{"id": "a", "tool": 'srv:say "hi" <b> #1'}]))
    assert 'a["a: srv:say #quot;hi#quot; #lt;b#gt; #35;1"]' in chart
