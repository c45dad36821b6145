"""Geo MCP server: a gazetteer of ~60 world cities and 25 countries (capitals, currencies, languages)
with great-circle distances; city ids ("CTY-0001") must be looked up with search_cities first."""

from typing import Annotated, Literal

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field

from evoflux.servers._common import (
    KM_PER_MILE,
    CountryCode,
    CountryFilter,
    fold,
    haversine_km,
    load_data,
    new_server,
    not_found,
    tool,
)
from evoflux.servers._runner import run_server

Region = Literal["africa", "americas", "asia", "europe", "oceania"]
CityId = Annotated[
    str, Field(description="City id from search_cities, e.g. 'CTY-0001'", pattern=r"^CTY-\d{4}$")
]


class City(BaseModel):
    city_id: str
    name: str
    country_code: str
    lat: float = Field(description="Latitude in decimal degrees (north positive)")
    lon: float = Field(description="Longitude in decimal degrees (east positive)")
    population: int
    timezone: str = Field(description="IANA time zone name")


class CitySearchResult(BaseModel):
    cities: list[City] = Field(description="Matches, exact name matches first, then by population")


class Country(BaseModel):
    country_code: str
    name: str
    region: Region
    capital_city_id: str = Field(description="city_id of the capital; use with get_city or distance_between")
    capital_name: str
    currency: str = Field(description="ISO 4217 currency code")
    languages: list[str]
    population: int
    calling_code: str


class CountrySummary(BaseModel):
    country_code: str
    name: str
    region: Region
    currency: str


class CountryList(BaseModel):
    countries: list[CountrySummary]


class Distance(BaseModel):
    from_city_id: str
    from_city: str
    to_city_id: str
    to_city: str
    distance: float = Field(description="Great-circle (haversine) distance, rounded to 0.1")
    unit: Literal["kilometer", "mile"]


class NearbyCity(BaseModel):
    city_id: str
    name: str
    country_code: str
    distance_km: float


class NearbyCities(BaseModel):
    origin_city_id: str
    cities: list[NearbyCity] = Field(description="Closest first")


def build_server() -> MCPServer:
    """Create a fresh geo server."""
    server = new_server("geo", "World cities and countries. Look up city ids with search_cities first.")
    cities = {c["city_id"]: City(**c) for c in load_data("cities.json")["cities"]}
    countries = {c["country_code"]: c for c in load_data("countries.json")["countries"]}

    def city(city_id: str) -> City:
        if city_id not in cities:
            raise not_found("city_id", city_id, cities, "Find city ids with search_cities(name=...).")
        return cities[city_id]

    def country(code: str) -> dict:
        if code not in countries:
            raise not_found("country_code", code, countries, "Use list_countries to see covered countries.")
        return countries[code]

    def km_between(a: City, b: City) -> float:
        return haversine_km(a.lat, a.lon, b.lat, b.lon)

    @tool(server)
    def search_cities(
        name: Annotated[str, Field(description="City name or its beginning, accents optional", min_length=1)],
        country_code: CountryFilter = None,
    ) -> CitySearchResult:
        """Find cities by name (case- and accent-insensitive), optionally within one country.

        Returns city_id, country_code, coordinates, population and time zone for each match.
        """
        query = fold(name)
        if country_code is not None:
            country(country_code)
        ranked = []
        for c in cities.values():
            folded = fold(c.name)
            if country_code not in (None, c.country_code) or query not in folded:
                continue
            rank = 0 if folded == query else 1 if folded.startswith(query) else 2
            ranked.append((rank, -c.population, c.city_id, c))
        if not ranked:
            where = f" in {country_code}" if country_code else ""
            raise ToolError(
                f"No city matching {name!r}{where}. The gazetteer covers {len(cities)} major cities."
            )
        return CitySearchResult(cities=[entry[-1] for entry in sorted(ranked)])

    @tool(server)
    def get_city(city_id: CityId) -> City:
        """Get one city by its city_id (coordinates, population, country, time zone)."""
        return city(city_id)

    @tool(server)
    def distance_between(
        city_id_a: CityId,
        city_id_b: CityId,
        unit: Annotated[Literal["kilometer", "mile"], Field(description="Unit of the result")] = "kilometer",
    ) -> Distance:
        """Great-circle distance between two cities, rounded to 0.1 kilometer or mile."""
        a, b = city(city_id_a), city(city_id_b)
        km = km_between(a, b)
        value = km if unit == "kilometer" else km / KM_PER_MILE
        return Distance(
            from_city_id=a.city_id,
            from_city=a.name,
            to_city_id=b.city_id,
            to_city=b.name,
            distance=round(value, 1),
            unit=unit,
        )

    @tool(server)
    def get_country(country_code: CountryCode) -> Country:
        """Country facts: name, region, capital (with its city_id), ISO 4217 currency, languages, population."""
        data = country(country_code)
        return Country(**data, capital_name=cities[data["capital_city_id"]].name)

    @tool(server)
    def nearest_cities(
        city_id: CityId,
        limit: Annotated[int, Field(description="How many neighbours to return", ge=1, le=20)] = 5,
    ) -> NearbyCities:
        """The cities closest to a given city (excluding itself), nearest first, with distances in km."""
        origin = city(city_id)
        others = sorted(
            (round(km_between(origin, c), 1), c.city_id, c) for c in cities.values() if c.city_id != city_id
        )
        return NearbyCities(
            origin_city_id=city_id,
            cities=[
                NearbyCity(city_id=c.city_id, name=c.name, country_code=c.country_code, distance_km=km)
                for km, _, c in others[:limit]
            ],
        )

    @tool(server)
    def list_countries(
        region: Annotated[Region | None, Field(description="Only countries in this region")] = None,
    ) -> CountryList:
        """List covered countries (code, name, region, currency), optionally filtered by region."""
        return CountryList(
            countries=[
                CountrySummary(**{k: c[k] for k in ("country_code", "name", "region", "currency")})
                for c in sorted(countries.values(), key=lambda c: c["country_code"])
                if region in (None, c["region"])
            ]
        )

    return server


if __name__ == "__main__":
    run_server(build_server)
