"""Units MCP server: exact unit conversion over fixed factor tables. Text-only tools (plain "12.5 kilometer =
7.76714 mile"): convert_length, convert_speed, convert_volume, convert_data_size. Structured tools (output
schema): convert_mass, convert_pressure, convert_energy, convert_temperature, list_units."""

from typing import Annotated, Literal, NamedTuple

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field

from evoflux.servers._common import SIGNIFICANT_DIGITS, new_server, round_significant, tool
from evoflux.servers._runner import run_server


class Unit(NamedTuple):
    symbol: str
    factor: float
    """How many base units one of this unit is."""


LINEAR_UNITS: dict[str, tuple[str, dict[str, Unit]]] = {
    "length": (
        "meter",
        {
            "millimeter": Unit("mm", 0.001),
            "centimeter": Unit("cm", 0.01),
            "meter": Unit("m", 1.0),
            "kilometer": Unit("km", 1000.0),
            "inch": Unit("in", 0.0254),
            "foot": Unit("ft", 0.3048),
            "yard": Unit("yd", 0.9144),
            "mile": Unit("mi", 1609.344),
            "nautical_mile": Unit("nmi", 1852.0),
        },
    ),
    "mass": (
        "kilogram",
        {
            "milligram": Unit("mg", 1e-6),
            "gram": Unit("g", 0.001),
            "kilogram": Unit("kg", 1.0),
            "tonne": Unit("t", 1000.0),
            "ounce": Unit("oz", 0.028349523125),
            "pound": Unit("lb", 0.45359237),
            "stone": Unit("st", 6.35029318),
            "short_ton": Unit("tn", 907.18474),
        },
    ),
    "pressure": (
        "pascal",
        {
            "pascal": Unit("Pa", 1.0),
            "hectopascal": Unit("hPa", 100.0),
            "kilopascal": Unit("kPa", 1000.0),
            "megapascal": Unit("MPa", 1e6),
            "bar": Unit("bar", 1e5),
            "millibar": Unit("mbar", 100.0),
            "psi": Unit("psi", 6894.757293168),
            "atmosphere": Unit("atm", 101325.0),
            "millimeter_of_mercury": Unit("mmHg", 133.322387415),
            "inch_of_mercury": Unit("inHg", 3386.389),
        },
    ),
    "speed": (
        "meter_per_second",
        {
            "meter_per_second": Unit("m/s", 1.0),
            "kilometer_per_hour": Unit("km/h", 1 / 3.6),
            "mile_per_hour": Unit("mph", 0.44704),
            "knot": Unit("kn", 1852 / 3600),
            "foot_per_second": Unit("ft/s", 0.3048),
        },
    ),
    "volume": (
        "liter",
        {
            "milliliter": Unit("mL", 0.001),
            "liter": Unit("L", 1.0),
            "cubic_meter": Unit("m³", 1000.0),
            "teaspoon": Unit("tsp", 0.00492892159375),
            "tablespoon": Unit("tbsp", 0.01478676478125),
            "fluid_ounce": Unit("fl oz", 0.0295735295625),
            "cup": Unit("cup", 0.2365882365),
            "pint": Unit("pt", 0.473176473),
            "quart": Unit("qt", 0.946352946),
            "gallon": Unit("gal", 3.785411784),
            "imperial_gallon": Unit("imp gal", 4.54609),
            "cubic_foot": Unit("ft³", 28.316846592),
        },
    ),
    "energy": (
        "joule",
        {
            "joule": Unit("J", 1.0),
            "kilojoule": Unit("kJ", 1000.0),
            "megajoule": Unit("MJ", 1e6),
            "calorie": Unit("cal", 4.184),
            "kilocalorie": Unit("kcal", 4184.0),
            "watt_hour": Unit("Wh", 3600.0),
            "kilowatt_hour": Unit("kWh", 3.6e6),
            "british_thermal_unit": Unit("BTU", 1055.05585262),
            "electronvolt": Unit("eV", 1.602176634e-19),
        },
    ),
    "data_size": (
        "byte",
        {
            "bit": Unit("b", 0.125),
            "kilobit": Unit("kb", 125.0),
            "megabit": Unit("Mb", 125e3),
            "gigabit": Unit("Gb", 125e6),
            "byte": Unit("B", 1.0),
            "kilobyte": Unit("kB", 1e3),
            "megabyte": Unit("MB", 1e6),
            "gigabyte": Unit("GB", 1e9),
            "terabyte": Unit("TB", 1e12),
            "kibibyte": Unit("KiB", 1024.0),
            "mebibyte": Unit("MiB", 1024.0**2),
            "gibibyte": Unit("GiB", 1024.0**3),
            "tebibyte": Unit("TiB", 1024.0**4),
        },
    ),
}
TEXT_ONLY_CATEGORIES = frozenset({"length", "speed", "volume", "data_size"})
TEMPERATURE_UNITS = {"celsius": "°C", "fahrenheit": "°F", "kelvin": "K"}
Category = Literal["length", "mass", "temperature", "pressure", "speed", "volume", "energy", "data_size"]
TemperatureUnit = Literal["celsius", "fahrenheit", "kelvin"]

Value = Annotated[float, Field(description="The quantity to convert", allow_inf_nan=False)]


class Conversion(BaseModel):
    value: float
    from_unit: str
    result: float = Field(
        description=f"Converted value, rounded to {SIGNIFICANT_DIGITS} significant digits (whole digits kept)"
    )
    to_unit: str


class UnitInfo(BaseModel):
    unit: str = Field(description="Exact unit name accepted by the convert_* tools")
    symbol: str
    base_units: float | None = Field(
        description="Size in base units (null for temperature, which has offsets)"
    )


class UnitList(BaseModel):
    category: Category
    tool: str = Field(description="The tool that converts this category")
    base_unit: str
    units: list[UnitInfo]


def format_number(value: float) -> str:
    """Shortest text for an already-rounded number: 7.76714, 1000000000, 1e-09."""
    return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)


def to_kelvin(value: float, unit: str) -> float:
    if unit == "celsius":
        return value + 273.15
    if unit == "fahrenheit":
        return (value - 32) * 5 / 9 + 273.15
    return value


def from_kelvin(kelvin: float, unit: str) -> float:
    if unit == "celsius":
        return kelvin - 273.15
    if unit == "fahrenheit":
        return (kelvin - 273.15) * 9 / 5 + 32
    return kelvin


def register_linear(server: MCPServer, category: str, units: dict[str, Unit]) -> None:
    """Register ``convert_<category>``: text-only or structured depending on TEXT_ONLY_CATEGORIES."""
    text_only = category in TEXT_ONLY_CATEGORIES
    unit_name = Literal[tuple(units)]  # the exact unit names become the schema enum
    label = category.replace("_", " ")
    article = "an" if label[0] in "aeiou" else "a"
    unit_arg = Annotated[unit_name, Field(description=f"A {label} unit (see the enum)")]

    def convert(value: Value, from_unit: unit_arg, to_unit: unit_arg):
        result = round_significant(value * units[from_unit].factor / units[to_unit].factor)
        if text_only:
            return f"{format_number(value)} {from_unit} = {format_number(result)} {to_unit}"
        return Conversion(value=value, from_unit=from_unit, result=result, to_unit=to_unit)

    convert.__name__ = convert.__qualname__ = f"convert_{category}"
    convert.__annotations__["return"] = str if text_only else Conversion
    shape = "plain text like '1 mile = 1609.34 meter'" if text_only else "a structured result"
    tool(
        server,
        name=f"convert_{category}",
        text_only=text_only,
        description=(
            f"Convert {article} {label} value between units ({', '.join(units)}). Returns {shape}, "
            f"rounded to {SIGNIFICANT_DIGITS} significant digits (whole digits are kept)."
        ),
    )(convert)


def build_server() -> MCPServer:
    """Create a fresh units server."""
    server = new_server(
        "units", "Exact unit conversions. Unit names are singular snake_case, e.g. 'kilometer'."
    )
    for category, (_base_unit, units) in LINEAR_UNITS.items():
        register_linear(server, category, units)

    @tool(server)
    def convert_temperature(
        value: Value,
        from_unit: Annotated[TemperatureUnit, Field(description="Unit of value")],
        to_unit: Annotated[TemperatureUnit, Field(description="Unit to convert to")],
    ) -> Conversion:
        """Convert a temperature between celsius, fahrenheit and kelvin (structured result).

        Values below absolute zero are rejected.
        """
        kelvin = to_kelvin(value, from_unit)
        if kelvin < 0:
            raise ToolError(f"{value} {from_unit} is below absolute zero (0 kelvin = -273.15 celsius).")
        result = round_significant(from_kelvin(kelvin, to_unit))
        return Conversion(value=value, from_unit=from_unit, result=result, to_unit=to_unit)

    @tool(server)
    def list_units(category: Annotated[Category, Field(description="Which kind of quantity")]) -> UnitList:
        """List the exact unit names (and symbols) accepted for one category, and which tool converts it."""
        if category == "temperature":
            infos = [UnitInfo(unit=u, symbol=s, base_units=None) for u, s in TEMPERATURE_UNITS.items()]
            return UnitList(category=category, tool="convert_temperature", base_unit="kelvin", units=infos)
        base_unit, units = LINEAR_UNITS[category]
        infos = [UnitInfo(unit=name, symbol=u.symbol, base_units=u.factor) for name, u in units.items()]
        return UnitList(category=category, tool=f"convert_{category}", base_unit=base_unit, units=infos)

    return server


if __name__ == "__main__":
    run_server(build_server)
