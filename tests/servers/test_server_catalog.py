"""Properties shared by all bundled servers: tool counts, descriptions, annotations, schema strictness,
the stdio config helper, cross-server data consistency and import isolation."""

import subprocess
import sys

import pytest

from evoflux.servers import BUNDLED_SERVERS, bundled_servers_config
from evoflux.servers._common import load_data

pytestmark = pytest.mark.anyio

TOOL_COUNTS = {"weather": 8, "units": 9, "shop": 12, "calendar": 12, "library": 11, "geo": 6}
SIDE_EFFECTING = {("calendar", "create_event")}
NON_DETERMINISTIC = {("shop", "random_product_pick")}
TEXT_ONLY = {
    ("units", "convert_length"),
    ("units", "convert_speed"),
    ("units", "convert_volume"),
    ("units", "convert_data_size"),
    ("library", "format_citation"),
}


def test_registry_lists_every_server_and_enough_tools():
    assert set(BUNDLED_SERVERS) == set(TOOL_COUNTS)
    assert sum(TOOL_COUNTS.values()) >= 40


def test_bundled_servers_config_launches_modules_with_given_python():
    config = bundled_servers_config("/opt/py/bin/python")
    assert config["mcpServers"]["geo"] == {
        "command": "/opt/py/bin/python",
        "args": ["-m", "evoflux.servers.geo"],
    }
    assert set(config["mcpServers"]) == set(BUNDLED_SERVERS)


@pytest.mark.parametrize("name", sorted(TOOL_COUNTS))
async def test_tool_listing(connect, name):
    tools = await (await connect(name)).tools()
    assert len(tools) == TOOL_COUNTS[name]
    for tool_name, tool in tools.items():
        assert tool_name.islower() and " " not in tool_name
        assert tool.description and len(tool.description) > 40, tool_name
        assert "\n    " not in tool.description, f"{tool_name}: description keeps docstring indentation"
        for prop_name, prop in tool.input_schema.get("properties", {}).items():
            assert prop.get("description"), f"{name}.{tool_name}.{prop_name} has no description"
        annotations = tool.annotations
        assert annotations is not None, tool_name
        key = (name, tool_name)
        if key in SIDE_EFFECTING:
            hints = (annotations.read_only_hint, annotations.destructive_hint, annotations.idempotent_hint)
            assert hints == (False, False, False), tool_name
        else:
            assert annotations.read_only_hint is True, tool_name
            assert annotations.idempotent_hint is (key not in NON_DETERMINISTIC), tool_name
        assert (tool.output_schema is None) == (key in TEXT_ONLY), tool_name


async def test_input_schemas_carry_patterns_enums_and_ranges(connect):
    weather = await (await connect("weather")).tools()
    station_id = weather["current_conditions"].input_schema["properties"]["station_id"]
    assert station_id["pattern"] == r"^WX-[A-Z]{3}-\d{2}$"
    assert weather["current_conditions"].input_schema["properties"]["units"]["enum"] == ["metric", "imperial"]
    days = weather["forecast"].input_schema["properties"]["days"]
    assert (days["minimum"], days["maximum"]) == (1, 7)
    assert weather["historical_daily"].input_schema["properties"]["date"]["pattern"] == r"^\d{4}-\d{2}-\d{2}$"

    shop = await (await connect("shop")).tools()
    assert shop["get_exchange_rate"].input_schema["properties"]["base"]["pattern"] == "^[A-Z]{3}$"
    assert shop["get_product"].input_schema["properties"]["product_id"]["pattern"] == r"^P-\d{4}$"
    item_schema = shop["compute_order_total"].input_schema["$defs"]["OrderItem"]["properties"]["quantity"]
    assert item_schema["minimum"] == 1

    units = await (await connect("units")).tools()
    assert "kilometer" in units["convert_length"].input_schema["properties"]["from_unit"]["enum"]
    assert units["convert_temperature"].input_schema["properties"]["to_unit"]["enum"] == [
        "celsius",
        "fahrenheit",
        "kelvin",
    ]

    library = await (await connect("library")).tools()
    assert library["get_book"].input_schema["properties"]["isbn"]["pattern"] == r"^97[89]\d{10}$"
    assert library["format_citation"].input_schema["properties"]["style"]["enum"] == ["apa", "mla", "bibtex"]


async def test_schema_violations_are_tool_errors(connect):
    weather = await connect("weather")
    message = await weather.error("current_conditions", station_id="oslo")
    assert "station_id" in message and "pattern" in message
    assert "less than or equal to 7" in await weather.error("forecast", station_id="WX-OSL-01", days=10)


async def test_same_input_same_output_across_fresh_servers(connect):
    first, second = await connect("weather"), await connect("weather")
    for tool, args in [
        ("current_conditions", {"station_id": "WX-TYO-01"}),
        ("forecast", {"station_id": "WX-CPT-01", "days": 7}),
    ]:
        assert await first.ok(tool, **args) == await second.ok(tool, **args)


def test_cross_server_data_is_consistent():
    cities = {(c["name"], c["country_code"]) for c in load_data("cities.json")["cities"]}
    countries = load_data("countries.json")["countries"]
    currencies = {c["code"] for c in load_data("shop.json")["currencies"]}
    stations = load_data("weather.json")["stations"]
    assert {(s["city"], s["country_code"]) for s in stations} <= cities
    assert {c["currency"] for c in countries} <= currencies
    assert {c["country_code"] for c in countries} >= {s["country_code"] for s in stations}
    assert set(load_data("calendar.json")["holidays_2026"]) <= {c["country_code"] for c in countries}


def test_servers_package_imports_nothing_else_from_evoflux():
    code = (
        "import sys, evoflux.servers as s, importlib\n"
        "[importlib.import_module(m) for m in s.BUNDLED_SERVERS.values()]\n"
        "print(sorted(m for m in sys.modules if m.startswith('evoflux.') and not m.startswith('evoflux.servers')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
