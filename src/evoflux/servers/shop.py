"""Shop MCP server: a 62-product catalog priced in several currencies, warehouses, coupons, a fixed
exchange-rate table (as of 2026-03-13), order totals and shipping quotes; random_product_pick is random."""

import math
import random
from datetime import timedelta
from typing import Annotated, Literal

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import BaseModel, Field

from evoflux.servers._common import (
    SIMULATED_NOW,
    CountryCode,
    fold,
    load_data,
    new_server,
    not_found,
    round_significant,
    stable_fraction,
    tool,
)
from evoflux.servers._runner import run_server

TAX_RATE = 0.21  # Dutch VAT: the shop ships from Amsterdam
MAX_PARCEL_KG = 30.0
# zone -> speed -> (base fee EUR, fee per kg EUR, delivery days)
SHIPPING_TARIFFS = {
    "domestic": {"standard": (4.95, 0.50, 2), "express": (9.95, 1.00, 1)},
    "europe": {"standard": (12.00, 1.50, 5), "express": (29.00, 3.00, 2)},
    "international": {"standard": (25.00, 4.00, 10), "express": (59.00, 8.00, 4)},
}
RANDOM_PICK = ToolAnnotations(readOnlyHint=True, idempotentHint=False, openWorldHint=False)

Category = Literal["audio", "cameras", "coffee", "computing", "fitness", "kitchen", "outdoor", "stationery"]
ProductId = Annotated[
    str, Field(description="Product id from search_products, e.g. 'P-1001'", pattern=r"^P-\d{4}$")
]
CurrencyCode = Annotated[
    str, Field(description="ISO 4217 currency code, e.g. 'EUR', 'JPY'", pattern=r"^[A-Z]{3}$")
]
WarehouseId = Annotated[
    str, Field(description="Warehouse id from list_warehouses, e.g. 'WH-AMS'", pattern=r"^WH-[A-Z]{3}$")
]


class ProductSummary(BaseModel):
    product_id: str
    name: str
    brand: str
    category: Category
    price: float
    currency: str = Field(description="ISO 4217 code the price is quoted in")
    rating: float


class SearchResult(BaseModel):
    total_matches: int
    products: list[ProductSummary]


class Product(ProductSummary):
    review_count: int
    weight_kg: float
    stock: int = Field(description="Units in stock across all warehouses")
    description: str
    tags: list[str]


class CategoryInfo(BaseModel):
    category: Category
    product_count: int


class CategoryList(BaseModel):
    categories: list[CategoryInfo]


class Warehouse(BaseModel):
    warehouse_id: str
    name: str
    city: str
    country_code: str


class WarehouseList(BaseModel):
    warehouses: list[Warehouse]


class Inventory(BaseModel):
    product_id: str
    warehouse_id: str
    quantity: int
    next_restock_date: str | None = Field(description="Expected restock (YYYY-MM-DD) when quantity is 0")


class Currency(BaseModel):
    code: str
    name: str
    per_eur: float = Field(description="Units of this currency per 1 EUR")


class CurrencyList(BaseModel):
    as_of: str
    currencies: list[Currency]


class ExchangeRate(BaseModel):
    base: str
    quote: str
    rate: float = Field(description="Units of quote per 1 unit of base (6 significant digits)")
    as_of: str


class CurrencyConversion(BaseModel):
    amount: float
    from_currency: str
    converted: float = Field(description="Rounded to the target currency's minor units")
    to_currency: str
    rate: float
    as_of: str


class OrderItem(BaseModel):
    product_id: ProductId
    quantity: Annotated[int, Field(ge=1, le=100)]


class OrderLine(BaseModel):
    product_id: str
    name: str
    quantity: int
    unit_price: float = Field(description="In the order currency")
    line_total: float


class OrderTotal(BaseModel):
    currency: str
    lines: list[OrderLine]
    subtotal: float
    coupon_code: str | None
    discount: float
    tax_rate: float
    tax: float = Field(description="VAT on (subtotal - discount)")
    total: float


class Coupon(BaseModel):
    code: str
    description: str
    percent_off: float | None
    amount_off_eur: float | None
    category: Category | None = Field(description="If set, the discount applies only to this category")
    min_subtotal_eur: float
    valid_from: str
    valid_until: str


class CouponList(BaseModel):
    coupons: list[Coupon]


class ShippingQuote(BaseModel):
    origin: str
    destination_country: str
    zone: Literal["domestic", "europe", "international"]
    speed: Literal["standard", "express"]
    weight_kg: float
    price: float
    currency: Literal["EUR"]
    delivery_days: int
    estimated_delivery_date: str


def build_server() -> MCPServer:
    """Create a fresh shop server."""
    server = new_server(
        "shop",
        "Online shop shipping from Amsterdam. Find product ids with search_products; prices use mixed currencies.",
    )
    data = load_data("shop.json")
    products = {p["product_id"]: p for p in data["products"]}
    currencies = {c["code"]: c for c in data["currencies"]}
    warehouses = {w["warehouse_id"]: w for w in data["warehouses"]}
    coupons = {c["code"]: c for c in data["coupons"]}
    regions = {c["country_code"]: c["region"] for c in load_data("countries.json")["countries"]}
    as_of = data["rates_as_of"]
    today = SIMULATED_NOW.date()

    def product(product_id: str) -> dict:
        if product_id not in products:
            raise not_found(
                "product_id", product_id, products, "Find product ids with search_products(query=...)."
            )
        return products[product_id]

    def currency_info(code: str) -> dict:
        if code not in currencies:
            raise not_found(
                "currency code", code, currencies, "Supported currencies are listed by list_currencies."
            )
        return currencies[code]

    def convert(amount: float, from_code: str, to_code: str) -> float:
        """Exact conversion through EUR, not yet rounded."""
        return amount / currency_info(from_code)["per_eur"] * currency_info(to_code)["per_eur"]

    def money(amount: float, code: str) -> float:
        return round(amount, currency_info(code)["minor_units"]) + 0.0

    def summary(p: dict) -> ProductSummary:
        return ProductSummary(**{k: p[k] for k in ProductSummary.model_fields})

    def stock_split(p: dict) -> dict[str, int]:
        """Distribute a product's total stock over the warehouses (deterministic)."""
        weights = {w: 0.2 + stable_fraction(p["product_id"], w) for w in warehouses}
        total = sum(weights.values())
        split = {w: math.floor(p["stock"] * weight / total) for w, weight in weights.items()}
        split[max(weights, key=weights.__getitem__)] += p["stock"] - sum(split.values())
        return split

    @tool(server)
    def search_products(
        query: Annotated[
            str | None,
            Field(description="Words that must all appear (name, brand, description, tags); omit to browse"),
        ] = None,
        category: Annotated[Category | None, Field(description="Only this category")] = None,
        max_price: Annotated[
            float | None,
            Field(description="Maximum price in EUR (other currencies converted at list rates)", gt=0),
        ] = None,
        sort: Annotated[
            Literal["relevance", "price_asc", "price_desc", "rating"], Field(description="Result order")
        ] = "relevance",
        limit: Annotated[int, Field(description="Maximum number of results", ge=1, le=50)] = 10,
    ) -> SearchResult:
        """Search the catalog; returns product ids with name, brand, category, price (in its own currency), rating.

        price_asc/price_desc compare prices converted to EUR. Use get_product for weight, stock and details.
        """
        words = fold(query or "").split()
        hits = []
        for p in products.values():
            text = fold(" ".join([p["name"], p["brand"], p["category"], p["description"], *p["tags"]]))
            if category not in (None, p["category"]) or not all(w in text for w in words):
                continue
            price_eur = convert(p["price"], p["currency"], "EUR")
            if max_price is not None and price_eur > max_price:
                continue
            name_hits = sum(w in fold(p["name"]) for w in words)
            hits.append((p, price_eur, name_hits))
        order = {
            "relevance": lambda h: (-h[2], h[0]["product_id"]),
            "price_asc": lambda h: (h[1], h[0]["product_id"]),
            "price_desc": lambda h: (-h[1], h[0]["product_id"]),
            "rating": lambda h: (-h[0]["rating"], h[0]["product_id"]),
        }[sort]
        hits.sort(key=order)
        return SearchResult(total_matches=len(hits), products=[summary(p) for p, _, _ in hits[:limit]])

    @tool(server)
    def get_product(product_id: ProductId) -> Product:
        """Full product record: price and currency, brand, rating, weight_kg, total stock, description."""
        return Product(**product(product_id))

    @tool(server)
    def list_categories() -> CategoryList:
        """All product categories with the number of products in each."""
        names = sorted({p["category"] for p in products.values()})
        counts = [
            CategoryInfo(category=c, product_count=sum(p["category"] == c for p in products.values()))
            for c in names
        ]
        return CategoryList(categories=counts)

    @tool(server)
    def list_warehouses() -> WarehouseList:
        """The warehouses holding stock (ids like 'WH-AMS'), with their city and country."""
        return WarehouseList(warehouses=[Warehouse(**w) for w in warehouses.values()])

    @tool(server)
    def get_inventory(product_id: ProductId, warehouse_id: WarehouseId) -> Inventory:
        """Units of one product in stock at one warehouse, with a restock date when out of stock."""
        p = product(product_id)
        if warehouse_id not in warehouses:
            raise not_found("warehouse_id", warehouse_id, warehouses, "See list_warehouses.")
        quantity = stock_split(p)[warehouse_id]
        restock = None
        if quantity == 0:
            restock = today + timedelta(
                days=7 + int(14 * stable_fraction(product_id, warehouse_id, "restock"))
            )
        return Inventory(
            product_id=product_id,
            warehouse_id=warehouse_id,
            quantity=quantity,
            next_restock_date=restock.isoformat() if restock else None,
        )

    @tool(server)
    def list_currencies() -> CurrencyList:
        """Supported ISO 4217 currencies with their fixed rate per 1 EUR (rate table as of 2026-03-13)."""
        return CurrencyList(
            as_of=as_of,
            currencies=[
                Currency(**{k: c[k] for k in ("code", "name", "per_eur")}) for c in currencies.values()
            ],
        )

    @tool(server)
    def get_exchange_rate(base: CurrencyCode, quote: CurrencyCode) -> ExchangeRate:
        """Exchange rate: how many units of quote one unit of base buys (fixed table as of 2026-03-13)."""
        return ExchangeRate(
            base=base, quote=quote, rate=round_significant(convert(1.0, base, quote)), as_of=as_of
        )

    @tool(server)
    def convert_currency(
        amount: Annotated[float, Field(description="Amount in from_currency", ge=0, allow_inf_nan=False)],
        from_currency: CurrencyCode,
        to_currency: CurrencyCode,
    ) -> CurrencyConversion:
        """Convert an amount between currencies at the fixed 2026-03-13 rates, rounded to the target's minor units."""
        return CurrencyConversion(
            amount=amount,
            from_currency=from_currency,
            converted=money(convert(amount, from_currency, to_currency), to_currency),
            to_currency=to_currency,
            rate=round_significant(convert(1.0, from_currency, to_currency)),
            as_of=as_of,
        )

    @tool(server)
    def compute_order_total(
        items: Annotated[
            list[OrderItem], Field(description="Products and quantities", min_length=1, max_length=20)
        ],
        coupon_code: Annotated[str | None, Field(description="Optional coupon from list_coupons")] = None,
        currency: Annotated[CurrencyCode, Field(description="Currency of the totals")] = "EUR",
    ) -> OrderTotal:
        """Price an order: converted line prices, subtotal, coupon discount, 21% VAT and total in one currency.

        Fails if a product lacks stock or the coupon is unknown, expired or not applicable.
        """
        currency_info(currency)
        lines, eligible = [], 0.0
        coupon = coupons.get(coupon_code) if coupon_code else None
        if coupon_code and coupon is None:
            raise not_found("coupon_code", coupon_code, coupons, "See list_coupons.")
        for item in items:
            p = product(item.product_id)
            if item.quantity > p["stock"]:
                raise ToolError(
                    f"Only {p['stock']} of {p['product_id']} ({p['name']}) in stock; requested {item.quantity}."
                )
            unit_price = money(convert(p["price"], p["currency"], currency), currency)
            line_total = money(unit_price * item.quantity, currency)
            lines.append(
                OrderLine(
                    product_id=p["product_id"],
                    name=p["name"],
                    quantity=item.quantity,
                    unit_price=unit_price,
                    line_total=line_total,
                )
            )
            if coupon and coupon["category"] in (None, p["category"]):
                eligible += line_total
        subtotal = money(sum(line.line_total for line in lines), currency)
        discount = 0.0
        if coupon:
            if not coupon["valid_from"] <= today.isoformat() <= coupon["valid_until"]:
                raise ToolError(
                    f"Coupon {coupon_code} is not valid today ({today}); valid "
                    f"{coupon['valid_from']} to {coupon['valid_until']}."
                )
            if convert(subtotal, currency, "EUR") < coupon["min_subtotal_eur"]:
                raise ToolError(
                    f"Coupon {coupon_code} needs a subtotal of at least EUR {coupon['min_subtotal_eur']}."
                )
            if eligible == 0:
                raise ToolError(
                    f"Coupon {coupon_code} applies only to {coupon['category']} products; none in this order."
                )
            if coupon["percent_off"] is not None:
                discount = money(eligible * coupon["percent_off"] / 100, currency)
            else:
                discount = money(min(convert(coupon["amount_off_eur"], "EUR", currency), subtotal), currency)
        taxable = subtotal - discount
        tax = money(taxable * TAX_RATE, currency)
        return OrderTotal(
            currency=currency,
            lines=lines,
            subtotal=subtotal,
            coupon_code=coupon_code,
            discount=discount,
            tax_rate=TAX_RATE,
            tax=tax,
            total=money(taxable + tax, currency),
        )

    @tool(server)
    def get_shipping_quote(
        weight_kg: Annotated[float, Field(description="Total parcel weight in kilograms", gt=0, le=1000)],
        destination_country: CountryCode,
        speed: Annotated[Literal["standard", "express"], Field(description="Delivery speed")] = "standard",
    ) -> ShippingQuote:
        """Shipping price in EUR from Amsterdam (NL) to a country, with the estimated delivery date.

        Parcels are limited to 30 kg. Delivery days are calendar days from today (2026-03-16).
        """
        if destination_country not in regions:
            raise not_found(
                "destination_country", destination_country, regions, "The shop ships to these countries only."
            )
        if weight_kg > MAX_PARCEL_KG:
            raise ToolError(
                f"Parcel of {weight_kg} kg exceeds the {MAX_PARCEL_KG:g} kg limit; split the order."
            )
        zone = (
            "domestic"
            if destination_country == "NL"
            else "europe"
            if regions[destination_country] == "europe"
            else "international"
        )
        base, per_kg, days = SHIPPING_TARIFFS[zone][speed]
        return ShippingQuote(
            origin="Amsterdam, NL",
            destination_country=destination_country,
            zone=zone,
            speed=speed,
            weight_kg=weight_kg,
            price=round(base + per_kg * weight_kg, 2),
            currency="EUR",
            delivery_days=days,
            estimated_delivery_date=(today + timedelta(days=days)).isoformat(),
        )

    @tool(server)
    def list_coupons() -> CouponList:
        """Published coupon codes with their discount, category restriction, minimum and validity dates."""
        return CouponList(coupons=[Coupon(**c) for c in coupons.values()])

    @tool(server, annotations=RANDOM_PICK)
    def random_product_pick(
        category: Annotated[Category | None, Field(description="Pick within this category")] = None,
    ) -> ProductSummary:
        """A random staff pick from the catalog. NON-DETERMINISTIC: each call may return a different product."""
        pool = [p for p in products.values() if category in (None, p["category"])]
        return summary(random.choice(pool))

    return server


if __name__ == "__main__":
    run_server(build_server)
