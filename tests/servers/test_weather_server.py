"""Weather server: station lookup, unit systems, forecast/history windows, normals and alerts."""

import pytest

pytestmark = pytest.mark.anyio


async def test_search_stations_by_city_accent_and_country(connect):
    weather = await connect("weather")
    oslo = (await weather.ok("search_stations", city="oslo"))["stations"]
    assert [s["station_id"] for s in oslo] == ["WX-OSL-01", "WX-OSL-02"]
    assert oslo[0]["timezone"] == "Europe/Oslo"
    sao = (await weather.ok("search_stations", city="Sao Paulo", country_code="BR"))["stations"]
    assert [s["station_id"] for s in sao] == ["WX-SAO-01"]
    message = await weather.error("search_stations", city="Atlantis")
    assert "Atlantis" in message and "Oslo" in message and "nearest_station" in message


async def test_current_conditions_metric_and_imperial_agree(connect):
    weather = await connect("weather")
    metric = await weather.ok("current_conditions", station_id="WX-OSL-01", units="metric")
    imperial = await weather.ok("current_conditions", station_id="WX-OSL-01", units="imperial")
    assert metric["observed_at"] == "2026-03-16T09:00:00Z"
    assert metric["local_time"] == "2026-03-16T10:00:00+01:00"
    assert (metric["temperature_unit"], imperial["temperature_unit"]) == ("celsius", "fahrenheit")
    assert imperial["temperature"] == pytest.approx(metric["temperature"] * 9 / 5 + 32, abs=0.11)
    assert imperial["wind_speed"] == pytest.approx(metric["wind_speed"] / 1.609344, abs=0.11)
    assert metric["pressure_hpa"] == imperial["pressure_hpa"]
    assert metric["condition"] in {
        "clear",
        "partly_cloudy",
        "cloudy",
        "fog",
        "drizzle",
        "rain",
        "thunderstorm",
        "snow",
    }


async def test_forecast_starts_today_and_is_consistent(connect):
    weather = await connect("weather")
    forecast = await weather.ok("forecast", station_id="WX-SYD-01", days=7)
    dates = [d["date"] for d in forecast["days"]]
    assert dates == [f"2026-03-{day}" for day in range(16, 23)]
    assert all(d["temp_min"] <= d["temp_max"] for d in forecast["days"])
    assert all(0 <= d["precipitation_probability_pct"] <= 100 for d in forecast["days"])
    # late-summer Sydney is warm; the values follow the bundled climate normals
    assert 15 < forecast["days"][0]["temp_max"] < 35


async def test_history_covers_only_the_past(connect):
    weather = await connect("weather")
    day = await weather.ok("historical_daily", station_id="WX-LON-02", date="2026-03-15")
    assert day["day"]["date"] == "2026-03-15"
    assert "2026-03-15" in await weather.error("historical_daily", station_id="WX-LON-02", date="2026-03-16")
    assert "not a real calendar date" in await weather.error(
        "historical_daily", station_id="WX-LON-02", date="2025-02-30"
    )
    assert "1991-01-01" in await weather.error("historical_daily", station_id="WX-LON-02", date="1980-06-01")


async def test_climate_normals_follow_the_table(connect):
    weather = await connect("weather")
    normals = await weather.ok("climate_normals", station_id="WX-MUC-01", month=7)
    # Munich July mean 18.8 °C, airport station 0.6 °C cooler, 9 °C diurnal range
    assert (normals["mean_temp"], normals["mean_daily_max"], normals["mean_daily_min"]) == (18.2, 22.7, 13.7)
    assert normals["precipitation"] == 125.0
    imperial = await weather.ok("climate_normals", station_id="WX-MUC-01", month=7, units="imperial")
    assert imperial["precipitation"] == pytest.approx(125 / 25.4, abs=0.01)


async def test_nearest_station_to_coordinates(connect):
    weather = await connect("weather")
    nearest = await weather.ok("nearest_station", lat=35.0116, lon=135.7681)  # Kyoto
    assert nearest["station"]["station_id"] == "WX-OSA-01"
    assert 30 < nearest["distance_km"] < 60


async def test_alerts_only_in_effect_now(connect):
    weather = await connect("weather")
    norway = await weather.ok("weather_alerts", country_code="NO")
    assert [a["alert_id"] for a in norway["alerts"]] == ["ALRT-26-0342"]  # the expired wind alert is gone
    assert norway["alerts"][0]["station_ids"] == ["WX-OSL-01", "WX-OSL-02"]
    assert (await weather.ok("weather_alerts", country_code="CA"))["alerts"] == []  # starts tomorrow
    assert (await weather.ok("weather_alerts", country_code="GB"))["alerts"] == []
    assert "NO" in await weather.error("weather_alerts", country_code="XX")


async def test_unknown_station_names_the_lookup_tool(connect):
    message = await (await connect("weather")).error("get_station", station_id="WX-OSL-09")
    assert "'WX-OSL-09'" in message and "search_stations" in message
