"""Units server: exact factors, text-only versus structured results, temperature offsets."""

import pytest

pytestmark = pytest.mark.anyio


async def test_text_only_conversions(connect):
    units = await connect("units")
    assert await units.text("convert_length", value=12.5, from_unit="kilometer", to_unit="mile") == (
        "12.5 kilometer = 7.76714 mile"
    )
    assert await units.text("convert_data_size", value=1, from_unit="gibibyte", to_unit="byte") == (
        "1 gibibyte = 1073741824 byte"
    )
    assert await units.text("convert_speed", value=10, from_unit="knot", to_unit="kilometer_per_hour") == (
        "10 knot = 18.52 kilometer_per_hour"
    )
    assert (
        await units.text("convert_volume", value=1, from_unit="gallon", to_unit="liter")
        == "1 gallon = 3.78541 liter"
    )


async def test_structured_conversions(connect):
    units = await connect("units")
    mass = await units.ok("convert_mass", value=2, from_unit="pound", to_unit="gram")
    assert mass == {"value": 2.0, "from_unit": "pound", "result": 907.185, "to_unit": "gram"}
    pressure = await units.ok(
        "convert_pressure", value=1013.25, from_unit="hectopascal", to_unit="atmosphere"
    )
    assert pressure["result"] == 1.0
    energy = await units.ok("convert_energy", value=1, from_unit="kilowatt_hour", to_unit="joule")
    assert energy["result"] == 3_600_000


@pytest.mark.parametrize(
    ("value", "source", "target", "expected"),
    [
        (98.6, "fahrenheit", "celsius", 37.0),
        (-40, "celsius", "fahrenheit", -40.0),
        (0, "kelvin", "celsius", -273.15),
    ],
)
async def test_temperature(connect, value, source, target, expected):
    result = await (await connect("units")).ok(
        "convert_temperature", value=value, from_unit=source, to_unit=target
    )
    assert result["result"] == pytest.approx(expected)


async def test_invalid_inputs(connect):
    units = await connect("units")
    assert "absolute zero" in await units.error(
        "convert_temperature", value=-300, from_unit="celsius", to_unit="kelvin"
    )
    message = await units.error("convert_length", value=1, from_unit="meters", to_unit="mile")
    assert "'meter'" in message and "meters" in message


async def test_list_units(connect):
    units = await connect("units")
    speed = await units.ok("list_units", category="speed")
    assert speed["tool"] == "convert_speed" and speed["base_unit"] == "meter_per_second"
    assert [u["unit"] for u in speed["units"]][:4] == [
        "meter_per_second",
        "kilometer_per_hour",
        "mile_per_hour",
        "knot",
    ]
    temperature = await units.ok("list_units", category="temperature")
    assert [u["unit"] for u in temperature["units"]] == ["celsius", "fahrenheit", "kelvin"]
