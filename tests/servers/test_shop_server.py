"""Shop server: catalog search, fixed exchange rates, order totals with coupons and VAT, shipping."""

import pytest

pytestmark = pytest.mark.anyio


async def test_search_filters_and_sorts_across_currencies(connect):
    shop = await connect("shop")
    found = await shop.ok("search_products", query="espresso machine", sort="price_asc")
    ids = [p["product_id"] for p in found["products"]]
    assert ids == ["P-1009", "P-1002", "P-1001", "P-1004"]  # 169 GBP < 34800 JPY < 649 EUR < 1499 EUR
    assert found["total_matches"] == 4
    cheap = await shop.ok("search_products", query="headphones", max_price=200)
    assert {p["product_id"] for p in cheap["products"]} == {"P-1104", "P-1108"}  # 279 USD is above EUR 200
    audio = await shop.ok("search_products", category="audio", sort="rating", limit=2)
    assert [p["rating"] for p in audio["products"]] == [4.7, 4.6] and audio["total_matches"] == 8


async def test_product_and_catalog_listing(connect):
    shop = await connect("shop")
    product = await shop.ok("get_product", product_id="P-1009")
    assert product["price"] == 169.0 and product["currency"] == "GBP"
    assert product["weight_kg"] == 5.3 and product["stock"] == 52
    categories = (await shop.ok("list_categories"))["categories"]
    assert len(categories) == 8 and sum(c["product_count"] for c in categories) == 62
    assert "search_products" in await shop.error("get_product", product_id="P-9999")


async def test_exchange_rates_and_conversion(connect):
    shop = await connect("shop")
    assert (await shop.ok("get_exchange_rate", base="EUR", quote="JPY"))["rate"] == 161.2
    assert (await shop.ok("get_exchange_rate", base="GBP", quote="JPY"))["rate"] == 191.449
    usd = await shop.ok("convert_currency", amount=100, from_currency="USD", to_currency="EUR")
    assert (usd["converted"], usd["as_of"]) == (92.17, "2026-03-13")
    yen = await shop.ok("convert_currency", amount=10, from_currency="EUR", to_currency="JPY")
    assert yen["converted"] == 1612  # no minor units
    message = await shop.error("convert_currency", amount=1, from_currency="XYZ", to_currency="EUR")
    assert "XYZ" in message and "NOK" in message


async def test_inventory_adds_up_to_stock(connect):
    shop = await connect("shop")
    warehouses = [w["warehouse_id"] for w in (await shop.ok("list_warehouses"))["warehouses"]]
    quantities = [
        (await shop.ok("get_inventory", product_id="P-1001", warehouse_id=w))["quantity"] for w in warehouses
    ]
    assert sum(quantities) == 35
    sold_out = await shop.ok("get_inventory", product_id="P-1706", warehouse_id="WH-AMS")
    assert sold_out["quantity"] == 0 and sold_out["next_restock_date"] > "2026-03-16"


async def test_order_total_with_category_coupon_and_vat(connect):
    shop = await connect("shop")
    order = await shop.ok(
        "compute_order_total",
        items=[{"product_id": "P-1001", "quantity": 1}, {"product_id": "P-1702", "quantity": 3}],
        coupon_code="COFFEE15",
    )
    assert order["subtotal"] == 715.0  # 649 + 3 x 22 EUR
    assert order["discount"] == 97.35  # 15% of the espresso machine only
    assert order["tax"] == 129.71  # 21% VAT on 617.65
    assert order["total"] == 747.36


async def test_order_total_converts_and_applies_fixed_coupon(connect):
    shop = await connect("shop")
    order = await shop.ok(
        "compute_order_total",
        items=[{"product_id": "P-1002", "quantity": 2}, {"product_id": "P-1101", "quantity": 1}],
        coupon_code="SAVE20",
        currency="JPY",
    )
    assert [line["unit_price"] for line in order["lines"]] == [34800, 41451]  # 279 USD at 161.2/1.085
    assert order["subtotal"] == 111051 and order["discount"] == 3224  # EUR 20
    assert order["total"] == round((111051 - 3224) * 1.21)


@pytest.mark.parametrize(
    ("items", "coupon", "expected"),
    [
        ([{"product_id": "P-1702", "quantity": 1}], "WINTER25", "2026-02-28"),
        ([{"product_id": "P-1702", "quantity": 1}], "SAVE20", "at least EUR 150"),
        ([{"product_id": "P-1702", "quantity": 1}], "COFFEE15", "only to coffee"),
        ([{"product_id": "P-1702", "quantity": 1}], "FREE100", "list_coupons"),
        ([{"product_id": "P-1706", "quantity": 1}], None, "Only 0 of P-1706"),
    ],
)
async def test_order_errors_explain_themselves(connect, items, coupon, expected):
    message = await (await connect("shop")).error("compute_order_total", items=items, coupon_code=coupon)
    assert expected in message


async def test_shipping_quotes(connect):
    shop = await connect("shop")
    japan = await shop.ok("get_shipping_quote", weight_kg=8.4, destination_country="JP", speed="express")
    assert (japan["zone"], japan["price"], japan["estimated_delivery_date"]) == (
        "international",
        126.2,
        "2026-03-20",
    )
    home = await shop.ok("get_shipping_quote", weight_kg=2, destination_country="NL")
    assert (home["zone"], home["price"], home["delivery_days"]) == ("domestic", 5.95, 2)
    assert "30 kg" in await shop.error("get_shipping_quote", weight_kg=48, destination_country="DE")
    assert "ZZ" in await shop.error("get_shipping_quote", weight_kg=1, destination_country="ZZ")


async def test_random_pick_respects_category(connect):
    shop = await connect("shop")
    picks = {(await shop.ok("random_product_pick", category="kitchen"))["product_id"] for _ in range(20)}
    assert picks and all(p.startswith("P-15") for p in picks)
