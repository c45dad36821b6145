"""Weather MCP server: 39 stations in 30 cities (ids like "WX-OSL-01", found via search_stations) with
current conditions, forecasts, history, climate normals and alerts, all derived deterministically."""

import calendar as calendar_module
import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field

from evoflux.servers._common import (
    KM_PER_MILE,
    NOW_ISO,
    SIMULATED_NOW,
    CountryCode,
    CountryFilter,
    IsoDate,
    fold,
    haversine_km,
    load_data,
    new_server,
    not_found,
    parse_date,
    stable_fraction,
    tool,
)
from evoflux.servers._runner import run_server

RECORDS_START = date(1991, 1, 1)
TODAY = SIMULATED_NOW.date()
COMPASS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")

Condition = Literal["clear", "partly_cloudy", "cloudy", "fog", "drizzle", "rain", "thunderstorm", "snow"]
Units = Literal["metric", "imperial"]
UnitsArg = Annotated[
    Units,
    Field(
        description="metric: celsius, kilometer_per_hour, millimeter; imperial: fahrenheit, mile_per_hour, inch"
    ),
]
StationId = Annotated[
    str,
    Field(description="Station id from search_stations, e.g. 'WX-OSL-01'", pattern=r"^WX-[A-Z]{3}-\d{2}$"),
]


class Station(BaseModel):
    station_id: str
    name: str
    city: str
    country_code: str
    lat: float
    lon: float
    elevation_m: int
    timezone: str = Field(description="IANA time zone of the station")


class StationList(BaseModel):
    stations: list[Station]


class NearestStation(BaseModel):
    station: Station
    distance_km: float


class UnitLabels(BaseModel):
    """Exact unit names (as used by the units server) for the numbers in a report."""

    temperature_unit: Literal["celsius", "fahrenheit"]
    wind_speed_unit: Literal["kilometer_per_hour", "mile_per_hour"]
    precipitation_unit: Literal["millimeter", "inch"]


class CurrentConditions(UnitLabels):
    station_id: str
    observed_at: str = Field(description="UTC observation time (the simulated now)")
    local_time: str = Field(description="Observation time in the station's time zone")
    temperature: float
    humidity_pct: int
    wind_speed: float
    wind_direction: str = Field(description="Compass direction the wind blows from")
    pressure_hpa: float = Field(description="Mean sea-level pressure in hectopascal")
    condition: Condition


class DailyWeather(BaseModel):
    date: str
    temp_max: float
    temp_min: float
    precipitation: float
    precipitation_probability_pct: int
    humidity_pct: int
    wind_speed: float
    pressure_hpa: float
    condition: Condition


class Forecast(UnitLabels):
    station_id: str
    issued_at: str
    days: list[DailyWeather] = Field(description="One entry per day, starting today (local date 2026-03-16)")


class HistoricalDay(UnitLabels):
    station_id: str
    day: DailyWeather


class ClimateNormals(UnitLabels):
    station_id: str
    month: int
    period: str
    mean_temp: float
    mean_daily_max: float
    mean_daily_min: float
    precipitation: float = Field(description="Mean monthly total")
    wet_days: int = Field(description="Mean number of days with precipitation")


class Alert(BaseModel):
    alert_id: str
    area: str
    event: str
    severity: Literal["minor", "moderate", "severe", "extreme"]
    headline: str
    effective: str
    expires: str
    station_ids: list[str]


class AlertList(BaseModel):
    country_code: str
    as_of: str
    alerts: list[Alert] = Field(description="Alerts in effect at as_of; empty when there are none")


@dataclass(frozen=True)
class Day:
    """One metric daily record, before unit conversion."""

    date: date
    temp_max: float
    temp_min: float
    precipitation_mm: float
    precipitation_probability_pct: int
    humidity_pct: int
    wind_kmh: float
    pressure_hpa: float
    condition: Condition


def wet_day_probability(precip_mm: float) -> float:
    return min(precip_mm / (precip_mm + 90), 0.85)


def normal_temperature(temps: list[float], day: date) -> float:
    """Monthly means treated as mid-month values, linearly interpolated to ``day``."""
    month = day.month - 1
    offset = (day.day - 15) / 30
    neighbour = (month + (1 if offset >= 0 else -1)) % 12
    return temps[month] + (temps[neighbour] - temps[month]) * abs(offset)


def wet_condition(mean_temp: float, precipitation_mm: float, temp_max: float) -> Condition:
    if mean_temp <= 1.0:
        return "snow"
    if precipitation_mm < 1.5:
        return "drizzle"
    if precipitation_mm > 15 and temp_max >= 24:
        return "thunderstorm"
    return "rain"


def dry_condition(cloudiness: float) -> Condition:
    """Map a cloudiness draw in [0, 1) to a dry-day condition."""
    for limit, condition in ((0.35, "clear"), (0.7, "partly_cloudy"), (0.93, "cloudy")):
        if cloudiness < limit:
            return condition
    return "fog"


def simulate_day(station: dict, climate: dict, day: date) -> Day:
    """The deterministic weather of one station on one day, shaped by the city's climate normals."""
    city, month = station["city"], day.month - 1

    def noise(kind: str, when: date = day) -> float:
        return stable_fraction(city, when.isoformat(), kind)

    anomaly = 7 * sum(noise("temp", day + timedelta(days=k)) for k in (-1, 0, 1)) / 3 - 3.5
    mean = normal_temperature(climate["temp_c"], day) + anomaly + station["offset_c"]
    half_range = (
        climate["diurnal_range_c"] / 2 * (0.8 + 0.4 * stable_fraction(station["station_id"], day, "range"))
    )
    temp_max, temp_min = round(mean + half_range, 1), round(mean - half_range, 1)

    monthly_precip = climate["precip_mm"][month]
    p_wet = wet_day_probability(monthly_precip)
    wet = noise("wet") < p_wet
    days_in_month = calendar_module.monthrange(day.year, day.month)[1]
    precipitation = 0.0
    if wet:
        precipitation = round(monthly_precip / (days_in_month * p_wet) * (0.2 + 1.6 * noise("amount")), 1)
    probability = 100 * (0.55 + 0.45 * noise("prob")) if wet else 100 * p_wet * noise("prob")

    condition = wet_condition(mean, precipitation, temp_max) if wet else dry_condition(noise("cloud"))
    return Day(
        date=day,
        temp_max=temp_max,
        temp_min=temp_min,
        precipitation_mm=precipitation,
        precipitation_probability_pct=round(probability),
        humidity_pct=round(min(100.0, 40 + 45 * p_wet + 15 * noise("humidity") + (10 if wet else 0))),
        wind_kmh=round(4 + 18 * noise("wind") + (6 if wet else 0), 1),
        pressure_hpa=round(1016 - (9 if wet else 0) + 16 * (noise("pressure") - 0.5), 1),
        condition=condition,
    )


def diurnal_fraction(local_hour: float) -> float:
    """0 at the 06:00 daily minimum, 1 at the 15:00 maximum, cosine-shaped in between."""
    if 6 <= local_hour <= 15:
        return (1 - math.cos(math.pi * (local_hour - 6) / 9)) / 2
    since_max = (local_hour - 15) % 24
    return (1 + math.cos(math.pi * since_max / 15)) / 2


def labels(units: Units) -> dict[str, str]:
    if units == "metric":
        return {
            "temperature_unit": "celsius",
            "wind_speed_unit": "kilometer_per_hour",
            "precipitation_unit": "millimeter",
        }
    return {
        "temperature_unit": "fahrenheit",
        "wind_speed_unit": "mile_per_hour",
        "precipitation_unit": "inch",
    }


def temperature(celsius: float, units: Units) -> float:
    return round(celsius if units == "metric" else celsius * 9 / 5 + 32, 1) + 0.0  # no -0.0


def speed(kmh: float, units: Units) -> float:
    return round(kmh if units == "metric" else kmh / KM_PER_MILE, 1)


def precipitation(mm: float, units: Units) -> float:
    return round(mm, 1) if units == "metric" else round(mm / 25.4, 2)


def present_day(day: Day, units: Units) -> DailyWeather:
    return DailyWeather(
        date=day.date.isoformat(),
        temp_max=temperature(day.temp_max, units),
        temp_min=temperature(day.temp_min, units),
        precipitation=precipitation(day.precipitation_mm, units),
        precipitation_probability_pct=day.precipitation_probability_pct,
        humidity_pct=day.humidity_pct,
        wind_speed=speed(day.wind_kmh, units),
        pressure_hpa=day.pressure_hpa,
        condition=day.condition,
    )


def build_server() -> MCPServer:
    """Create a fresh weather server."""
    server = new_server(
        "weather",
        f"Weather stations worldwide. Find a station_id with search_stations first. Now is {NOW_ISO}.",
    )
    data = load_data("weather.json")
    stations = {s["station_id"]: s for s in data["stations"]}
    climates, alerts = data["climates"], data["alerts"]
    countries = sorted({s["country_code"] for s in stations.values()})

    def station(station_id: str) -> dict:
        if station_id not in stations:
            raise not_found(
                "station_id", station_id, stations, "Find station ids with search_stations(city=...)."
            )
        return stations[station_id]

    def public(s: dict) -> Station:
        return Station(**{k: v for k, v in s.items() if k != "offset_c"})

    def weather_on(s: dict, day: date) -> Day:
        return simulate_day(s, climates[s["city"]], day)

    @tool(server)
    def search_stations(
        city: Annotated[
            str, Field(description="City name, e.g. 'Oslo' (case- and accent-insensitive)", min_length=1)
        ],
        country_code: CountryFilter = None,
    ) -> StationList:
        """Find weather stations in a city; returns station ids (e.g. 'WX-OSL-01') needed by every other tool.

        Large cities may have two stations (city centre and airport).
        """
        query = fold(city)
        found = [
            public(s)
            for s in stations.values()
            if query in fold(s["city"]) and country_code in (None, s["country_code"])
        ]
        if not found:
            covered = ", ".join(sorted(climates))
            raise ToolError(
                f"No weather station in {city!r}{f' ({country_code})' if country_code else ''}. "
                f"Covered cities: {covered}. For other places use nearest_station(lat, lon)."
            )
        return StationList(stations=found)

    @tool(server)
    def get_station(station_id: StationId) -> Station:
        """Get one station's name, city, country, coordinates, elevation and time zone."""
        return public(station(station_id))

    @tool(server)
    def nearest_station(
        lat: Annotated[float, Field(description="Latitude in decimal degrees", ge=-90, le=90)],
        lon: Annotated[float, Field(description="Longitude in decimal degrees", ge=-180, le=180)],
    ) -> NearestStation:
        """The weather station closest to a coordinate (e.g. a city's lat/lon from the geo server)."""
        distance, nearest = min(
            (haversine_km(lat, lon, s["lat"], s["lon"]), s["station_id"]) for s in stations.values()
        )
        return NearestStation(station=public(stations[nearest]), distance_km=round(distance, 1))

    @tool(server)
    def current_conditions(station_id: StationId, units: UnitsArg = "metric") -> CurrentConditions:
        """Current observed weather at a station as of now (2026-03-16T09:00:00Z, the simulated clock).

        Temperature, humidity, wind, sea-level pressure in hPa and a condition such as 'rain' or 'clear'.
        """
        s = station(station_id)
        local = SIMULATED_NOW.astimezone(ZoneInfo(s["timezone"]))
        today = weather_on(s, local.date())
        fraction = diurnal_fraction(local.hour + local.minute / 60)
        celsius = today.temp_min + (today.temp_max - today.temp_min) * fraction
        return CurrentConditions(
            station_id=station_id,
            observed_at=NOW_ISO,
            local_time=local.isoformat(),
            temperature=temperature(celsius, units),
            humidity_pct=min(100, round(today.humidity_pct + 12 * (0.5 - fraction))),
            wind_speed=speed(today.wind_kmh, units),
            wind_direction=COMPASS[int(stable_fraction(station_id, local.date(), "dir") * len(COMPASS))],
            pressure_hpa=today.pressure_hpa,
            condition=today.condition,
            **labels(units),
        )

    @tool(server)
    def forecast(
        station_id: StationId,
        days: Annotated[int, Field(description="Number of days, starting today", ge=1, le=7)] = 3,
        units: UnitsArg = "metric",
    ) -> Forecast:
        """Daily forecast (max/min temperature, precipitation and its probability, wind, condition) for 1-7 days.

        The first entry is today, 2026-03-16 (simulated clock).
        """
        s = station(station_id)
        entries = [present_day(weather_on(s, TODAY + timedelta(days=k)), units) for k in range(days)]
        return Forecast(station_id=station_id, issued_at=NOW_ISO, days=entries, **labels(units))

    @tool(server)
    def historical_daily(
        station_id: StationId,
        date: Annotated[IsoDate, Field(description="A past date, 1991-01-01 up to yesterday (2026-03-15)")],
        units: UnitsArg = "metric",
    ) -> HistoricalDay:
        """Observed weather at a station on one past day (records cover 1991-01-01 to 2026-03-15)."""
        s, day = station(station_id), parse_date(date)
        if not RECORDS_START <= day < TODAY:
            raise ToolError(
                f"No record for {date}: history covers {RECORDS_START} to {TODAY - timedelta(days=1)}. "
                "Use forecast for today and later."
            )
        return HistoricalDay(
            station_id=station_id, day=present_day(weather_on(s, day), units), **labels(units)
        )

    @tool(server)
    def climate_normals(
        station_id: StationId,
        month: Annotated[int, Field(description="Month number, 1 = January", ge=1, le=12)],
        units: UnitsArg = "metric",
    ) -> ClimateNormals:
        """1991-2020 climate normals for one month at a station: mean temperatures, precipitation, wet days."""
        s = station(station_id)
        climate = climates[s["city"]]
        mean = climate["temp_c"][month - 1] + s["offset_c"]
        half_range = climate["diurnal_range_c"] / 2
        monthly_precip = climate["precip_mm"][month - 1]
        days_in_month = calendar_module.monthrange(2026, month)[1]
        return ClimateNormals(
            station_id=station_id,
            month=month,
            period="1991-2020",
            mean_temp=temperature(mean, units),
            mean_daily_max=temperature(mean + half_range, units),
            mean_daily_min=temperature(mean - half_range, units),
            precipitation=precipitation(monthly_precip, units),
            wet_days=round(days_in_month * wet_day_probability(monthly_precip)),
            **labels(units),
        )

    @tool(server)
    def weather_alerts(country_code: CountryCode) -> AlertList:
        """Official weather warnings in effect now (2026-03-16T09:00:00Z) for a country; may be empty."""
        if country_code not in countries:
            raise not_found("country_code", country_code, countries, "No weather service coverage there.")
        active = [
            Alert(**{k: v for k, v in a.items() if k != "country_code"})
            for a in alerts
            if a["country_code"] == country_code and a["effective"] <= NOW_ISO < a["expires"]
        ]
        return AlertList(country_code=country_code, as_of=NOW_ISO, alerts=active)

    return server


if __name__ == "__main__":
    run_server(build_server)
