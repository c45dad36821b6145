"""Reference syntax (paths, strings, objects) and resolving references against executed outputs."""

from __future__ import annotations

import pytest

from evoflux.workflow.graph import STAR, Ref, Template, format_path
from evoflux.workflow.refs import (
    ReferenceSyntaxError,
    UnresolvedReference,
    lift_refs,
    parse_path,
    parse_ref_object,
    parse_string,
    parse_template,
    resolve_value,
    stringify,
)

NONE: frozenset[str] = frozenset()


# ---------------------------------------------------------------- paths


@pytest.mark.parametrize(
    ("text", "steps"),
    [
        ("items[0].id", ("items", 0, "id")),
        ("items[*].price", ("items", STAR, "price")),
        ("[0]", (0,)),
        (".[0]", (0,)),
        ("data['key with space']", ("data", "key with space")),
        ('data["it\'s"]', ("data", "it's")),
        ("a.b[-1]", ("a", "b", -1)),
        ("a.b.-1", ("a", "b", "-1")),
        ("a.*.b", ("a", STAR, "b")),
        ("rows[ 2 ][ * ]", ("rows", 2, STAR)),
        (".city", ("city",)),
        ("x-y.z_1", ("x-y", "z_1")),
        ("", ()),
    ],
)
def test_parse_path(text, steps):
    assert parse_path(text) == steps


@pytest.mark.parametrize(
    "steps",
    [("items", 0, "id"), ("a", STAR, "b"), ("key with space", "0", "*"), (-1,), ("it's", ""), ("-1", "a.b")],
)
def test_format_path_round_trips(steps):
    assert parse_path(format_path(steps)) == steps


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("a..b", ["position 2", "expected a key"]),
        ("a[0", ["'[' at position 1 is never closed"]),
        ("a[]", ["empty brackets", "[*]"]),
        ("a['x]", ["quoted key at position 2 is never closed"]),
        ("a['x'", ["expected ']'"]),
        ("a]", ["expected '.' or '[' at position 1"]),
        ("a.", ["expected a key at position 2, found the end"]),
    ],
)
def test_parse_path_errors_are_precise(text, words):
    with pytest.raises(ValueError) as caught:
        parse_path(text)
    for word in words:
        assert word in str(caught.value)


# ---------------------------------------------------------------- strings and objects


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("$n1", Ref("n1")),
        ("$n1.items[0].id", Ref("n1", ("items", 0, "id"))),
        ("$n1[0]", Ref("n1", (0,))),
        ("$n1.[0]", Ref("n1", (0,))),
        ("${n1.city}", Ref("n1", ("city",))),
        ("{n1.city}", Ref("n1", ("city",))),
        ("{{ step2.data['a b'] }}", Ref("step2", ("data", "a b"))),
        ("  $node_4.rows[*].x  ", Ref("node_4", ("rows", STAR, "x"))),
        ("$weather.temp", Ref("weather", ("temp",))),
    ],
)
def test_whole_string_reference_is_a_ref(text, ref):
    assert parse_string(text, frozenset({"weather"})) == ref


def test_interpolation_makes_a_template():
    assert parse_string("weather in {n1.city} on ${s2.day}.", NONE) == Template(
        ("weather in ", Ref("n1", ("city",)), " on ", Ref("s2", ("day",)), ".")
    )
    assert parse_string("costs $t1.price.", NONE) == Template(("costs ", Ref("t1", ("price",)), "."))
    assert parse_string("$n1-$n2", NONE) == Template((Ref("n1"), "-", Ref("n2")))


@pytest.mark.parametrize(
    "text",
    [
        "{city} and {x}",
        "price: $HOME or $5",
        "def f(): return {n}",
        '{"a": 1}',
        "{n1 is here}",
        "email me@n1.com",
    ],
)
def test_ordinary_text_is_not_a_reference(text):
    assert parse_string(text, NONE) == text


def test_known_ids_make_any_name_a_reference():
    assert parse_string("{city}", frozenset({"city"})) == Ref("city")
    assert parse_string("{city}", NONE) == "{city}"


def test_template_string_round_trips():
    template = parse_template("a {n1.items[0]['k y']} b {n2} c", NONE)
    assert parse_template(str(template), NONE) == template


def test_malformed_path_in_a_reference_is_an_error():
    with pytest.raises(ValueError, match=r"bad reference '\{n1.items\[\}'.*never closed"):
        parse_string("see {n1.items[}", NONE)


@pytest.mark.parametrize(
    ("value", "ref"),
    [
        ({"$ref": "n1", "path": "items[0].id"}, Ref("n1", ("items", 0, "id"))),
        ({"$ref": "n1.items[0].id"}, Ref("n1", ("items", 0, "id"))),
        ({"$ref": "$n1"}, Ref("n1")),
        ({"$ref": "lookup"}, Ref("lookup")),
        ({"ref": "n2", "path": "a"}, Ref("n2", ("a",))),
        ({"node": "n3", "path": ["rows", 0, "*"]}, Ref("n3", ("rows", 0, STAR))),
        ({"$ref": "n1", "path": "$.x"}, Ref("n1", ("x",))),
        ({"$ref": "n1", "path": ""}, Ref("n1")),
    ],
)
def test_reference_objects(value, ref):
    assert parse_ref_object(value, NONE) == ref


@pytest.mark.parametrize(
    "value",
    [
        {"ref": "main"},  # a git ref, not a node
        {"$ref": "#/$defs/Item"},
        {"$ref": "n1", "path": "a", "extra": 1},
        {"node": "n1"},
        {"$ref": 3},
    ],
)
def test_objects_that_are_not_references(value):
    assert parse_ref_object(value, NONE) is None


def test_lift_refs_reaches_nested_lists_and_dicts():
    value = {"a": ["$n1.x", {"b": "{n2.y} km", "c": {"$ref": "n3"}}, 4], "d": "plain"}
    assert lift_refs(value, NONE) == {
        "a": [Ref("n1", ("x",)), {"b": Template((Ref("n2", ("y",)), " km")), "c": Ref("n3")}, 4],
        "d": "plain",
    }


def test_lift_refs_error_names_the_argument_path():
    with pytest.raises(ReferenceSyntaxError) as caught:
        lift_refs({"rows": [1, {"$ref": "n1", "path": "a[0"}]}, NONE, ("args",))
    assert caught.value.where == ("args", "rows", 1)
    assert "args.rows[1]" in str(caught.value) and "never closed" in str(caught.value)


# ---------------------------------------------------------------- resolution

OUTPUTS = {
    "n1": {
        "items": [{"id": "a", "price": 1.0, "tags": ["x", "y"]}, {"id": "b", "price": 2.5, "tags": ["z"]}]
    },
    "n2": {"result": {"city": "Paris", "temp": 21.0}},
    "n3": '{"rows": [{"v": 7}]}',
    "n4": [{"name": "only"}],
    "n5": "plain text",
    "n6": {f"k{i}": i for i in range(15)},
}


@pytest.mark.parametrize(
    ("ref", "value"),
    [
        (Ref("n1", ("items", 0, "id")), "a"),
        (Ref("n1", ("items", -1, "price")), 2.5),
        (Ref("n1", ("items", STAR, "price")), [1.0, 2.5]),
        (Ref("n1", ("items", STAR, "tags", STAR)), ["x", "y", "z"]),
        (Ref("n1", ("items", "1", "id")), "b"),
        (Ref("n1", ("items", "-1", "id")), "b"),  # `items.-1.id` written with dots
        (Ref("n2", ("city",)), "Paris"),  # one-key object: descend into "result"
        (Ref("n2", ("result", "temp")), 21.0),
        (Ref("n3", ("rows", 0, "v")), 7),  # a string holding JSON is parsed
        (Ref("n4", ("name",)), "only"),  # a key on a one-item list applies to the item
        (Ref("n5"), "plain text"),
    ],
)
def test_resolve_ref(ref, value):
    assert resolve_value(ref, OUTPUTS) == value


def test_resolve_nested_value_with_templates():
    value = {
        "ids": [Ref("n1", ("items", 0, "id")), "lit"],
        "text": Template(
            ("price ", Ref("n1", ("items", 0, "price")), " / ", Ref("n1", ("items", 1, "price")))
        ),
        "obj": Template(("got ", Ref("n2"), " ", Ref("n1", ("items", 0, "tags")))),
    }
    assert resolve_value(value, OUTPUTS) == {
        "ids": ["a", "lit"],
        "text": "price 1 / 2.5",
        "obj": 'got {"result":{"city":"Paris","temp":21.0}} ["x","y"]',
    }


@pytest.mark.parametrize(
    ("value", "text"), [(3.0, "3"), (2.5, "2.5"), (True, "true"), (None, "null"), (7, "7")]
)
def test_stringify(value, text):
    assert stringify(value) == text


@pytest.mark.parametrize(
    ("ref", "words"),
    [
        (
            Ref("n1", ("items", 0, "cost")),
            ["$n1.items[0].cost", "at $n1.items[0]", "no key 'cost'", "id, price, tags"],
        ),
        (Ref("n1", ("items", 5)), ["index 5 is out of range", "a list of 2 items"]),
        (Ref("n1", ("items", "id")), ["key 'id'", "a list of 2 items", "items are an object with keys: id"]),
        (Ref("n5", ("x",)), ["at $n5", "the string 'plain text'"]),
        (Ref("n1", ("items", STAR, "missing")), ["at $n1.items[0]", "no key 'missing'"]),
        (Ref("n1", ("items", 0, "id", STAR)), ["[*] needs a list", "the string 'a'"]),
        (Ref("n9", ("x",)), ["node n9 has no output", "n1, n2"]),
    ],
)
def test_unresolved_reference_explains_where_and_what_is_there(ref, words):
    with pytest.raises(UnresolvedReference) as caught:
        resolve_value(ref, OUTPUTS)
    assert caught.value.ref == ref
    for word in words:
        assert word in str(caught.value)


def test_unresolved_reference_lists_at_most_ten_keys():
    with pytest.raises(UnresolvedReference) as caught:
        resolve_value(Ref("n6", ("nope",)), OUTPUTS)
    message = str(caught.value)
    assert "k0, k1" in message and "k9" in message and "k10" not in message and "(+5 more)" in message
