"""Multi-step workflows a planner is expected to build: every later call consumes values returned by
earlier ones, often across servers."""

import pytest

pytestmark = pytest.mark.anyio


async def test_oslo_temperature_in_fahrenheit(connect):
    weather, units = await connect("weather"), await connect("units")
    station = (await weather.ok("search_stations", city="Oslo"))["stations"][0]
    now = await weather.ok("current_conditions", station_id=station["station_id"])
    converted = await units.ok(
        "convert_temperature",
        value=now["temperature"],
        from_unit=now["temperature_unit"],
        to_unit="fahrenheit",
    )
    imperial = await weather.ok("current_conditions", station_id=station["station_id"], units="imperial")
    assert converted["result"] == pytest.approx(imperial["temperature"], abs=0.1)


async def test_cheapest_espresso_machine_in_yen(connect):
    shop = await connect("shop")
    candidates = (await shop.ok("search_products", query="espresso machine"))["products"]
    in_eur = {}
    for candidate in candidates:
        product = await shop.ok("get_product", product_id=candidate["product_id"])
        converted = await shop.ok(
            "convert_currency", amount=product["price"], from_currency=product["currency"], to_currency="EUR"
        )
        in_eur[product["product_id"]] = (converted["converted"], product)
    cheapest_eur, cheapest = min(in_eur.values(), key=lambda pair: pair[0])
    yen = await shop.ok(
        "convert_currency", amount=cheapest["price"], from_currency=cheapest["currency"], to_currency="JPY"
    )
    assert cheapest["product_id"] == "P-1009" and cheapest["currency"] == "GBP"
    assert cheapest_eur == 200.71
    assert yen["converted"] == 32355  # 169 GBP x 161.2 / 0.842


async def test_distance_from_lisbon_to_capital_of_germany_in_miles(connect):
    geo = await connect("geo")
    lisbon = (await geo.ok("search_cities", name="Lisbon"))["cities"][0]
    germany = await geo.ok("get_country", country_code="DE")
    distance = await geo.ok(
        "distance_between", city_id_a=lisbon["city_id"], city_id_b=germany["capital_city_id"], unit="mile"
    )
    assert (distance["to_city"], distance["distance"], distance["unit"]) == ("Berlin", 1436.7, "mile")


async def test_most_cited_graph_paper_and_its_first_authors_other_work(connect):
    library = await connect("library")
    hits = (await library.ok("search_papers", query="graph neural networks"))["papers"]
    papers = [await library.ok("get_paper", paper_id=hit["paper_id"]) for hit in hits]
    top = max(papers, key=lambda p: p["citation_count"])
    first_author = top["authors"][0]
    works = await library.ok("list_author_papers", author_id=first_author["author_id"])
    others = [p["title"] for p in works["papers"] if p["paper_id"] != top["paper_id"]]
    assert (top["paper_id"], top["citation_count"], first_author["name"]) == ("PAP-0010", 5, "Claire Dubois")
    assert others == [
        "Benchmarking Graph Transformers on Sparse Graphs",
        "Scalable Graph Sampling for Billion-Edge Networks",
        "Over-Smoothing in Deep Graph Networks: A Spectral View",
    ]


async def test_tokyo_meeting_end_in_new_york_time(connect):
    cal = await connect("calendar")
    tokyo = await cal.ok("get_timezone", city="Tokyo")
    new_york = await cal.ok("get_timezone", city="New York")
    end = await cal.ok("add_duration", datetime="2026-03-16T15:00", hours=3)
    converted = await cal.ok(
        "convert_time",
        datetime=end["result"],
        from_timezone=tokyo["timezone"],
        to_timezone=new_york["timezone"],
    )
    assert converted["converted_datetime"] == "2026-03-16T05:00:00-04:00"


async def test_is_the_espresso_handbook_available_at_the_central_branch(connect):
    library = await connect("library")
    [book] = (await library.ok("search_books", title="The Espresso Handbook"))["books"]
    branches = (await library.ok("list_branches"))["branches"]
    central = next(b for b in branches if b["name"] == "Central Library")
    status = await library.ok("check_availability", isbn=book["isbn"], branch_id=central["branch_id"])
    assert (status["status"], status["next_due_date"]) == ("all_on_loan", "2026-03-24")


async def test_price_in_the_local_currency_of_a_city(connect):
    geo, shop = await connect("geo"), await connect("shop")
    seoul = (await geo.ok("search_cities", name="Seoul"))["cities"][0]
    korea = await geo.ok("get_country", country_code=seoul["country_code"])
    machine = await shop.ok("get_product", product_id="P-1001")
    local = await shop.ok(
        "convert_currency",
        amount=machine["price"],
        from_currency=machine["currency"],
        to_currency=korea["currency"],
    )
    assert (local["to_currency"], local["converted"]) == ("KRW", 937805)  # 649 EUR x 1445


async def test_forecast_for_a_city_without_its_own_station(connect):
    geo, weather = await connect("geo"), await connect("weather")
    kyoto = (await geo.ok("search_cities", name="Kyoto"))["cities"][0]
    nearest = await weather.ok("nearest_station", lat=kyoto["lat"], lon=kyoto["lon"])
    forecast = await weather.ok("forecast", station_id=nearest["station"]["station_id"], days=2)
    assert nearest["station"]["city"] == "Osaka"
    assert [d["date"] for d in forecast["days"]] == ["2026-03-16", "2026-03-17"]


async def test_book_the_first_free_hour_in_tokyo(connect):
    cal = await connect("calendar")
    free = await cal.ok("find_free_slots", calendar_id="CAL-TOKYO", date="2026-03-17", duration_minutes=60)
    first = free["slots"][0]
    created = await cal.ok(
        "create_event",
        calendar_id="CAL-TOKYO",
        title="Vendor call",
        start=first["start"][:16],
        duration_minutes=60,
    )
    after = await cal.ok("find_free_slots", calendar_id="CAL-TOKYO", date="2026-03-17", duration_minutes=60)
    assert first["start"] == "2026-03-17T10:00:00+09:00"  # after the 09:30 briefing
    assert created["conflicts"] == []
    assert after["slots"][0]["start"] == "2026-03-17T11:00:00+09:00"
