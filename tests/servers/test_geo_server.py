"""Geo server: city search, countries, haversine distances and neighbours."""

import pytest

pytestmark = pytest.mark.anyio


async def test_search_cities_ranks_exact_then_population(connect):
    geo = await connect("geo")
    londons = (await geo.ok("search_cities", name="london"))["cities"]
    assert [(c["name"], c["country_code"]) for c in londons] == [("London", "GB"), ("London", "CA")]
    canada = (await geo.ok("search_cities", name="London", country_code="CA"))["cities"]
    assert [c["city_id"] for c in canada] == [londons[1]["city_id"]]
    assert (await geo.ok("search_cities", name="brasilia"))["cities"][0]["name"] == "Brasília"
    assert "Atlantis" in await geo.error("search_cities", name="Atlantis")


async def test_country_and_capital(connect):
    geo = await connect("geo")
    germany = await geo.ok("get_country", country_code="DE")
    assert (germany["capital_name"], germany["currency"], germany["region"]) == ("Berlin", "EUR", "europe")
    capital = await geo.ok("get_city", city_id=germany["capital_city_id"])
    assert capital["name"] == "Berlin" and capital["timezone"] == "Europe/Berlin"
    assert "list_countries" in await geo.error("get_country", country_code="XX")


async def test_distance_is_haversine_and_symmetric(connect):
    geo = await connect("geo")
    lisbon = (await geo.ok("search_cities", name="Lisbon"))["cities"][0]["city_id"]
    berlin = (await geo.ok("get_country", country_code="DE"))["capital_city_id"]
    km = await geo.ok("distance_between", city_id_a=lisbon, city_id_b=berlin, unit="kilometer")
    back = await geo.ok("distance_between", city_id_a=berlin, city_id_b=lisbon)
    miles = await geo.ok("distance_between", city_id_a=lisbon, city_id_b=berlin, unit="mile")
    assert km["distance"] == back["distance"] == pytest.approx(2312, abs=3)  # published great-circle distance
    assert miles["distance"] == pytest.approx(km["distance"] / 1.609344, abs=0.1)


async def test_nearest_cities_and_regions(connect):
    geo = await connect("geo")
    oslo = (await geo.ok("search_cities", name="Oslo"))["cities"][0]["city_id"]
    nearest = (await geo.ok("nearest_cities", city_id=oslo, limit=3))["cities"]
    assert [c["name"] for c in nearest] == ["Gothenburg", "Bergen", "Stockholm"]
    assert nearest == sorted(nearest, key=lambda c: c["distance_km"])
    oceania = (await geo.ok("list_countries", region="oceania"))["countries"]
    assert [c["country_code"] for c in oceania] == ["AU", "NZ"]
    assert "search_cities" in await geo.error("get_city", city_id="CTY-9999")
