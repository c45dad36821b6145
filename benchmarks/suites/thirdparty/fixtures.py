"""Build the third-party suite's fixtures from fixed data: `python fixtures.py OUT_DIR` (run by setup.py).

Runs in the suite's own venv (duckdb, openpyxl, python-docx, fpdf2). Every value is written here or drawn
from `random.Random(SEED)`, so a rebuild gives the same answers to every task.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
import sys
from pathlib import Path

import docx
import duckdb
import openpyxl
from fpdf import FPDF

SEED = 20250317

CUSTOMERS = [
    ("C001", "Ana Ribeiro", "Lisbon", "Portugal", "2023-02-11", "gold"),
    ("C002", "Jonas Weber", "Berlin", "Germany", "2023-05-30", "silver"),
    ("C003", "Marta Nowak", "Krakow", "Poland", "2023-09-02", "bronze"),
    ("C004", "Liam O'Brien", "Dublin", "Ireland", "2024-01-15", "gold"),
    ("C005", "Sofia Rossi", "Milan", "Italy", "2024-03-08", "silver"),
    ("C006", "Erik Lund", "Oslo", "Norway", "2024-04-21", "bronze"),
    ("C007", "Chloe Martin", "Lyon", "France", "2024-06-12", "gold"),
    ("C008", "Pablo Garcia", "Madrid", "Spain", "2024-08-03", "bronze"),
    ("C009", "Hanna Virtanen", "Helsinki", "Finland", "2024-10-19", "silver"),
    ("C010", "Tomas Novak", "Prague", "Czechia", "2025-01-07", "bronze"),
    ("C011", "Eva Schmidt", "Berlin", "Germany", "2025-02-14", "silver"),
    ("C012", "Nuno Costa", "Lisbon", "Portugal", "2025-03-01", "bronze"),
]
PRODUCTS = [
    ("TNT-2P", "Trail Tent 2P", "camping", 189.0),
    ("SLB-03", "Down Sleeping Bag", "camping", 149.5),
    ("STV-01", "Pocket Stove", "cooking", 39.9),
    ("POT-11", "Titanium Pot", "cooking", 44.0),
    ("HDL-300", "Headlamp 300", "lighting", 29.5),
    ("LNT-05", "Camp Lantern", "lighting", 34.0),
    ("BPK-40", "Daypack 40L", "bags", 99.0),
    ("BPK-65", "Expedition Pack 65L", "bags", 229.0),
    ("FLT-01", "Water Filter", "water", 59.0),
    ("BTL-75", "Steel Bottle 750ml", "water", 24.5),
]
WAREHOUSES = [
    ("PRT", "Porto", "Ines Duarte", 5000),
    ("HAM", "Hamburg", "Karl Brandt", 8000),
    ("GDN", "Gdansk", "Piotr Zielinski", 6000),
]
CARRIERS = ("DHL", "UPS", "GLS")
STATUSES = ("delivered", "delivered", "delivered", "shipped", "cancelled")

BOOKS = [
    (1, "The Salt Road", "Maria Okafor", 2011, "history", 3),
    (2, "Cold Harbour", "Ian Marsh", 2018, "crime", 2),
    (3, "Mountains of Light", "Maria Okafor", 2016, "travel", 4),
    (4, "The Quiet Engine", "Leo Brandt", 2020, "science", 1),
    (5, "River Maps", "Sara Lind", 2014, "travel", 2),
    (6, "Glass Orchard", "Ian Marsh", 2022, "crime", 3),
    (7, "Counting Stars", "Ada Finch", 2019, "science", 2),
    (8, "Bread and Stone", "Sara Lind", 2009, "history", 1),
]
MEMBERS = [
    (101, "Olivia Hart", "2021-04-02"),
    (102, "Noah Reyes", "2022-09-15"),
    (103, "Mia Novak", "2023-01-20"),
    (104, "Lucas Berg", "2024-06-05"),
    (105, "Zoe Clarke", "2025-02-11"),
]
LOANS = [
    (1, 1, 101, "2025-01-04", "2025-01-20"),
    (2, 2, 102, "2025-01-10", "2025-01-31"),
    (3, 3, 101, "2025-02-01", None),
    (4, 6, 103, "2025-02-03", "2025-02-17"),
    (5, 2, 104, "2025-02-10", None),
    (6, 5, 105, "2025-02-12", "2025-03-01"),
    (7, 7, 102, "2025-02-20", None),
    (8, 1, 103, "2025-03-02", None),
    (9, 6, 101, "2025-03-05", "2025-03-19"),
    (10, 3, 104, "2025-03-09", None),
    (11, 8, 105, "2025-03-11", None),
]
REGIONS = [  # region, Q1..Q4 revenue (EUR thousand), annual target
    ("North", 412.5, 398.0, 455.25, 501.0, 1700),
    ("South", 287.0, 310.5, 342.0, 330.75, 1300),
    ("East", 198.25, 221.0, 240.5, 262.0, 900),
    ("West", 355.0, 347.5, 366.0, 402.5, 1500),
    ("Central", 150.0, 162.75, 171.0, 169.5, 640),
]
STAFF = [  # name, department, role, start date, office
    ("Ines Duarte", "Operations", "Warehouse manager", "2019-03-04", "Porto"),
    ("Karl Brandt", "Operations", "Warehouse manager", "2017-11-13", "Hamburg"),
    ("Piotr Zielinski", "Operations", "Warehouse manager", "2021-06-01", "Gdansk"),
    ("Rosa Lima", "Sales", "Account executive", "2020-02-17", "Lisbon"),
    ("Felix Wagner", "Sales", "Sales director", "2016-09-05", "Berlin"),
    ("Agnes Kowalska", "Finance", "Controller", "2018-01-08", "Gdansk"),
    ("Tom Hughes", "Sales", "Account executive", "2022-05-23", "Dublin"),
    ("Lena Fischer", "Finance", "Accountant", "2023-10-02", "Hamburg"),
    ("Marco Bianchi", "Support", "Support lead", "2021-03-15", "Milan"),
    ("Julie Moreau", "Support", "Support agent", "2024-04-08", "Lyon"),
]
PER_DIEM = [("Berlin", 48), ("Lisbon", 42), ("Oslo", 65), ("Madrid", 45), ("Vienna", 50), ("Dublin", 55)]
INVOICES = [  # number, customer, date, lines (sku, qty)
    ("INV-1042", "C004", "2025-02-18", [("TNT-2P", 1), ("HDL-300", 2), ("BTL-75", 3)]),
    ("INV-1043", "C007", "2025-02-21", [("BPK-65", 1), ("FLT-01", 1)]),
    ("INV-1044", "C002", "2025-03-03", [("STV-01", 2), ("POT-11", 2), ("LNT-05", 1)]),
]
LOG_EVENTS = [
    ("2025-03-14 08:00:01", "INFO", "service started, version 2.4.1"),
    ("2025-03-14 08:02:17", "INFO", "sync job picked 120 orders"),
    ("2025-03-14 08:05:42", "WARN", "slow response from payment gateway (2.8 s)"),
    ("2025-03-14 08:11:09", "ERROR", "payment gateway timeout for order 5012"),
    ("2025-03-14 08:15:33", "INFO", "sync job finished"),
    ("2025-03-14 09:01:00", "WARN", "disk usage at 81%"),
    ("2025-03-14 09:20:45", "ERROR", "label printer PRN-2 offline"),
    ("2025-03-14 09:45:12", "INFO", "sync job picked 87 orders"),
    ("2025-03-14 10:02:58", "ERROR", "payment gateway timeout for order 5031"),
    ("2025-03-14 10:30:00", "INFO", "backup completed in 312 s"),
    ("2025-03-14 11:12:40", "WARN", "retrying webhook to carrier GLS"),
    ("2025-03-14 11:50:03", "ERROR", "webhook to carrier GLS failed after 3 retries"),
    ("2025-03-14 12:00:00", "INFO", "service stopped"),
]
READINGS_HEADER = "sensor,date,temperature_c,humidity_pct"
RELEASES = [
    ("2.4.1", "2025-03-10", ["Fix payment retries", "Faster order sync"]),
    ("2.4.0", "2025-02-24", ["New label printer driver", "Carrier webhooks", "Dark mode for the dashboard"]),
    ("2.3.2", "2025-01-30", ["Fix stock rounding"]),
    ("2.3.0", "2024-12-16", ["Multi-warehouse stock", "CSV export of orders"]),
]
CONTACTS = [
    ("Supplier", "Nordic Gear AB"),
    ("Account manager", "Freja Holm"),
    ("Phone", "+46 8 555 0142"),
    ("Email", "orders@nordicgear.example"),
    ("Payment terms", "30 days net"),
    ("Minimum order", "750 EUR"),
]
SUPPLIER_PRICES = [  # sku, supplier cost EUR, lead time days
    ("TNT-2P", 112.0, 21),
    ("SLB-03", 88.5, 28),
    ("BPK-65", 141.0, 35),
    ("FLT-01", 31.25, 14),
    ("HDL-300", 14.8, 10),
]


def price(sku: str) -> float:
    return next(p[3] for p in PRODUCTS if p[0] == sku)


def orders(rng: random.Random) -> tuple[list[tuple], list[tuple]]:
    """36 orders of 1-3 lines; totals are the sums of their lines."""
    heads, lines = [], []
    day = dt.date(2025, 1, 2)
    for n in range(36):
        order_id = 5001 + n
        customer = CUSTOMERS[rng.randrange(len(CUSTOMERS))][0]
        day += dt.timedelta(days=rng.randint(1, 3))
        picked = rng.sample(PRODUCTS, rng.randint(1, 3))
        total = 0.0
        for product in picked:
            qty = rng.randint(1, 4)
            lines.append((order_id, product[0], qty))
            total += qty * product[3]
        heads.append((order_id, customer, day.isoformat(), rng.choice(STATUSES), round(total, 2)))
    return heads, lines


def build_shop(path: Path, rng: random.Random) -> list[tuple]:
    path.unlink(missing_ok=True)
    heads, lines = orders(rng)
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE customers (customer_id VARCHAR PRIMARY KEY, full_name VARCHAR, city VARCHAR, "
        "country VARCHAR, signup_date DATE, loyalty_tier VARCHAR)"
    )
    con.executemany("INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?)", CUSTOMERS)
    con.execute(
        "CREATE TABLE products (sku VARCHAR PRIMARY KEY, product_name VARCHAR, category VARCHAR, list_price DOUBLE)"
    )
    con.executemany("INSERT INTO products VALUES (?, ?, ?, ?)", PRODUCTS)
    con.execute(
        "CREATE TABLE orders (order_id INTEGER PRIMARY KEY, customer_id VARCHAR, order_date DATE, "
        "status VARCHAR, total_eur DOUBLE)"
    )
    con.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?)", heads)
    con.execute("CREATE TABLE order_lines (order_id INTEGER, sku VARCHAR, quantity INTEGER)")
    con.executemany("INSERT INTO order_lines VALUES (?, ?, ?)", lines)
    con.close()
    return heads


def build_warehouse(path: Path, rng: random.Random, heads: list[tuple]) -> None:
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE warehouses (code VARCHAR, city VARCHAR, manager VARCHAR, capacity_units INTEGER)")
    con.executemany("INSERT INTO warehouses VALUES (?, ?, ?, ?)", WAREHOUSES)
    con.execute("CREATE TABLE stock_levels (warehouse_code VARCHAR, sku VARCHAR, on_hand INTEGER)")
    stock = [(w[0], p[0], rng.randint(0, 60)) for w in WAREHOUSES for p in PRODUCTS]
    con.executemany("INSERT INTO stock_levels VALUES (?, ?, ?)", stock)
    con.execute(
        "CREATE TABLE shipments (shipment_id VARCHAR, order_id INTEGER, warehouse_code VARCHAR, carrier VARCHAR, "
        "shipped_on DATE, delivered_on DATE, weight_kg DOUBLE)"
    )
    rows = []
    for order_id, _customer, day, status, _total in heads:
        if status == "cancelled":
            continue
        shipped = dt.date.fromisoformat(day) + dt.timedelta(days=rng.randint(0, 2))
        delivered = (shipped + dt.timedelta(days=rng.randint(1, 6))).isoformat() if status == "delivered" else None
        rows.append((f"SH-{order_id}", order_id, rng.choice(WAREHOUSES)[0], rng.choice(CARRIERS),
                     shipped.isoformat(), delivered, round(rng.uniform(0.5, 9.5), 1)))
    con.executemany("INSERT INTO shipments VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    con.close()


def build_library(path: Path) -> None:
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE books (book_id INTEGER PRIMARY KEY, title TEXT, author TEXT, year INTEGER, "
                "genre TEXT, copies INTEGER)")
    con.executemany("INSERT INTO books VALUES (?, ?, ?, ?, ?, ?)", BOOKS)
    con.execute("CREATE TABLE members (member_id INTEGER PRIMARY KEY, name TEXT, joined TEXT)")
    con.executemany("INSERT INTO members VALUES (?, ?, ?)", MEMBERS)
    con.execute("CREATE TABLE loans (loan_id INTEGER PRIMARY KEY, book_id INTEGER, member_id INTEGER, "
                "loaned_on TEXT, returned_on TEXT)")
    con.executemany("INSERT INTO loans VALUES (?, ?, ?, ?, ?)", LOANS)
    con.commit()
    con.close()


def _fixed(wb: openpyxl.Workbook) -> openpyxl.Workbook:
    stamp = dt.datetime(2025, 3, 1, 9, 0, 0)
    wb.properties.created = wb.properties.modified = stamp
    wb.properties.creator = "Finance team"
    return wb


def build_workbooks(out: Path) -> None:
    wb = openpyxl.Workbook()
    about = wb.active
    about.title = "About"
    about.append(["Sales 2025 by region"])
    about.append(["All figures in thousands of EUR, net of returns."])
    about.append(["Prepared by Agnes Kowalska, Finance."])
    regions = wb.create_sheet("By region")
    regions.append(["Region", "Q1", "Q2", "Q3", "Q4"])
    for row in REGIONS:
        regions.append(list(row[:5]))
    targets = wb.create_sheet("Targets")
    targets.append(["Region", "Annual target"])
    for row in REGIONS:
        targets.append([row[0], row[5]])
    _fixed(wb).save(out / "sales_2025.xlsx")

    wb = openpyxl.Workbook()
    team = wb.active
    team.title = "Team"
    team.append(["Name", "Department", "Role", "Start date", "Office"])
    for name, dept, role, start, office in STAFF:
        team.append([name, dept, role, dt.date.fromisoformat(start), office])
    _fixed(wb).save(out / "staff.xlsx")


def _fixed_doc(document: docx.Document) -> docx.Document:
    stamp = dt.datetime(2025, 3, 1, 9, 0, 0)
    document.core_properties.created = document.core_properties.modified = stamp
    document.core_properties.author = "Office team"
    return document


def build_documents(out: Path) -> None:
    policy = docx.Document()
    policy.add_heading("Travel policy 2025", 1)
    policy.add_heading("Booking", 2)
    policy.add_paragraph("Flights under 6 hours are booked in economy class; longer flights may be booked "
                         "in premium economy.")
    policy.add_paragraph("Hotels are capped at 140 EUR per night, breakfast included.")
    policy.add_heading("Per diem", 2)
    policy.add_paragraph("The daily allowance depends on the destination city:")
    table = policy.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "City", "Daily allowance (EUR)"
    for city, amount in PER_DIEM:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = city, str(amount)
    policy.add_heading("Approval", 2)
    policy.add_paragraph("Trips over 1,500 EUR in total need the approval of the department head.")
    policy.add_paragraph("Expense claims are filed within 30 days of return.")
    _fixed_doc(policy).save(out / "travel_policy.docx")

    minutes = docx.Document()
    minutes.add_heading("Board meeting, 12 March 2025", 1)
    minutes.add_paragraph("Attendees: Felix Wagner (chair), Agnes Kowalska, Karl Brandt, Rosa Lima.")
    minutes.add_heading("Decisions", 2)
    minutes.add_paragraph("1. The Gdansk warehouse capacity is raised to 7,500 units by June.")
    minutes.add_paragraph("2. Carrier GLS is put on review after repeated webhook failures.")
    minutes.add_paragraph("3. The marketing budget for the second quarter is set at 85,000 EUR.")
    minutes.add_heading("Next meeting", 2)
    minutes.add_paragraph("The next meeting is on 9 April 2025 in Hamburg.")
    _fixed_doc(minutes).save(out / "board_minutes.docx")


def _pdf() -> FPDF:
    pdf = FPDF()
    pdf.set_creation_date(dt.datetime(2025, 3, 1, 9, 0, 0, tzinfo=dt.UTC))
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    return pdf


def build_pdfs(out: Path) -> None:
    (out / "invoices").mkdir(exist_ok=True)
    names = {c[0]: c[1] for c in CUSTOMERS}
    for number, customer, day, lines in INVOICES:
        pdf = _pdf()
        pdf.cell(text=f"Invoice {number}", new_x="LMARGIN", new_y="NEXT")
        pdf.cell(text=f"Date: {day}", new_x="LMARGIN", new_y="NEXT")
        pdf.cell(text=f"Customer: {names[customer]} ({customer})", new_x="LMARGIN", new_y="NEXT")
        total = 0.0
        for sku, qty in lines:
            amount = qty * price(sku)
            total += amount
            pdf.cell(text=f"{sku}  qty {qty}  x {price(sku):.2f} EUR = {amount:.2f} EUR", new_x="LMARGIN",
                     new_y="NEXT")
        pdf.cell(text=f"Total due: {total:.2f} EUR", new_x="LMARGIN", new_y="NEXT")
        pdf.cell(text="Payment within 14 days.", new_x="LMARGIN", new_y="NEXT")
        pdf.output(str(out / "invoices" / f"{number}.pdf"))
    pdf = _pdf()
    pdf.cell(text="Nordic Gear AB - supplier price list, spring 2025", new_x="LMARGIN", new_y="NEXT")
    for sku, cost, lead in SUPPLIER_PRICES:
        pdf.cell(text=f"{sku}: {cost:.2f} EUR, lead time {lead} days", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(out / "supplier_prices.pdf"))


def build_text(out: Path, rng: random.Random) -> None:
    notes = out / "notes"
    notes.mkdir(exist_ok=True)
    (notes / "app.log").write_text("".join(f"{t} {level} {msg}\n" for t, level, msg in LOG_EVENTS))
    rows = [READINGS_HEADER]
    for sensor in ("greenhouse", "cellar", "attic"):
        for day in range(1, 8):
            rows.append(f"{sensor},2025-03-{day:02d},{rng.uniform(4, 26):.1f},{rng.randint(35, 90)}")
    (notes / "readings.csv").write_text("\n".join(rows) + "\n")
    release = ["# Release notes", ""]
    for version, day, items in RELEASES:
        release += [f"## {version} ({day})", "", *(f"- {item}" for item in items), ""]
    (notes / "release_notes.md").write_text("\n".join(release))
    (notes / "supplier_contact.txt").write_text("".join(f"{k}: {v}\n" for k, v in CONTACTS))


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    heads = build_shop(out / "shop.duckdb", rng)
    build_warehouse(out / "warehouse.duckdb", rng, heads)
    build_library(out / "library.db")
    build_workbooks(out)
    build_documents(out)
    build_pdfs(out)
    build_text(out, rng)
    print(f"fixtures in {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
