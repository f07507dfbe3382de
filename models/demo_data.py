"""A deterministic demo world for an empty database: warehouses, lanes, catalogue, stock, buyers, logins."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

import peewee

from models.core.base import utc_now
from models.core.db import database
from models.core.errors import OMSError
from models.currency.demo_rates import seed_demo_rates
from models.inventory.tables import Lane, Product, Stock, Warehouse
from models.partners.accounts import create_user
from models.partners.tables import Partner
from models.planning.demo_history import seed_demo_history
from models.pricing.demo_prices import seed_demo_prices
from models.receivables.ledger import set_opening_balance
from models.reports.sales_rollup import rebuild_rollups
from models.supply.demo_purchases import seed_demo_purchases

SEED = 42
INSERT_CHUNK = 100
CENTS = Decimal("0.01")
GRAMS = Decimal("0.001")

WAREHOUSES = (  # code, name, region, address, city, postcode
    ("EAST", "East Distribution Centre", "east", "100 Harbor Way, Newark, NJ 07114", "Newark", "07114"),
    ("WEST", "West Distribution Centre", "west", "2500 Logistics Parkway, Ontario, CA 91761", "Ontario", "91761"),
    ("SOUTH", "South Distribution Centre", "south", "800 Freight Drive, Dallas, TX 75241", "Dallas", "75241"),
)
# Regions apart, by road: a lane's cost and lead time grow with it, so the home region is cheapest and fastest.
HOPS = {frozenset({"east", "south"}): 1, frozenset({"west", "south"}): 1, frozenset({"east", "west"}): 2}

SUPPLIERS = (  # code, name, email, lead time in days
    ("SUP-ACME", "Acme Industrial Supply", "orders@acme-industrial.example", 7),
    ("SUP-NORD", "Nordic Fasteners", "sales@nordic-fasteners.example", 14),
)
MATERIALS = (("ST", "Steel"), ("SS", "Stainless"), ("AL", "Aluminium"), ("BR", "Brass"), ("GV", "Galvanised"))
ITEMS = (("BRK", "bracket"), ("HNG", "hinge"), ("BLT", "bolt"), ("ANC", "anchor"), ("CLP", "clamp"),
         ("PLT", "plate"), ("WSH", "washer"), ("ROD", "rod"), ("HOK", "hook"), ("BRG", "bearing"))
SIZES_MM = (10, 20, 40, 60, 80, 100)

DISTRIBUTORS = (  # code, name, region, credit limit, payment terms
    ("DIST-NE", "Northeast Trade Partners", "east", Decimal("50000.00"), 30),
    ("DIST-SW", "Southwest Wholesale", "west", Decimal("80000.00"), 60),
)
CUSTOMER_NAMES = (
    "Harbor Fabrication", "Pinecrest Builders", "Redline Machining", "Bluewater Marine Works", "Summit Cabinetry",
    "Ironwood Structures", "Keystone Repairs", "Lakeside Hardware", "Northgate Mechanical", "Oakridge Fencing",
    "Prairie Agricultural", "Quarry Road Contractors", "Riverbend Plumbing", "Silverline Elevators",
    "Timberline Homes", "Union Street Garage", "Valley Solar Mounts", "Westbrook Shelving", "Yardley Gates",
    "Zenith Signage",
)
# None: no limit; 500.00 is tight enough that most orders need a credit controller.
CREDIT_LIMITS = (None, Decimal("500.00"), Decimal("5000.00"), Decimal("10000.00"), Decimal("25000.00"))
PAYMENT_TERMS = (30, 0, 60)
BLOCKED_CUSTOMER = 6  # index into CUSTOMER_NAMES: one buyer on stop, to show the credit hold


@dataclass(frozen=True)
class DemoSeed:
    warehouses: int
    lanes: int
    suppliers: int
    products: int
    stock_rows: int
    distributors: int
    customers: int
    users: int
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (email, role, password)
    history_orders: int = 0  # delivered orders of the shipped history the forecasts learn from
    purchase_orders: list[str] = field(default_factory=list)  # the first waits for the demo supplier to confirm


def demo_is_needed() -> bool:
    """True while the database has no partner at all."""
    return not Partner.select().exists()


def seed_demo(*, password: str = "demo-pass-123") -> DemoSeed:
    """Fill an empty database with the demo world in one transaction; the same every time."""
    rng = random.Random(SEED)
    with database.atomic():
        if not demo_is_needed():
            raise OMSError("the database already has partners; demo data only goes into an empty database")
        warehouses = _seed_warehouses()
        suppliers = _seed_partners([{"code": code, "name": name, "kind": "supplier", "email": email,
                                     "lead_time_days": days} for code, name, email, days in SUPPLIERS])
        products = _seed_products(rng, list(suppliers.values()))
        stock_rows = _seed_stock(rng, warehouses, products)
        distributors = _seed_partners([{"code": code, "name": name, "kind": "distributor", "region": region,
                                        "email": f"orders@{code.lower()}.example", "credit_limit": limit,
                                        "payment_terms_days": terms} for code, name, region, limit, terms
                                       in DISTRIBUTORS])
        rows = _customer_rows(rng, distributors)
        openings = {row["code"]: row.pop("outstanding_balance") for row in rows}
        customers = _seed_partners(rows)
        _seed_opening_balances(openings)
        history_orders = seed_demo_history(seed=SEED)
        logins = _seed_logins(password, supplier_code=SUPPLIERS[0][0], distributor_code=DISTRIBUTORS[0][0])
        purchase_orders = seed_demo_purchases(SUPPLIERS[0][0], today=utc_now().date())
        seed_demo_rates(today=utc_now().date())
        seed_demo_prices(distributor_code=DISTRIBUTORS[0][0], contract_customer="CUST-001", today=utc_now().date())
        rebuild_rollups()  # the history was written directly, not shipped through the pipeline
    return DemoSeed(warehouses=len(warehouses), lanes=Lane.select().count(), suppliers=len(suppliers),
                    products=len(products), stock_rows=stock_rows, distributors=len(distributors),
                    customers=len(customers), users=len(logins), logins=logins, history_orders=history_orders,
                    purchase_orders=purchase_orders)


def _insert(model: type[peewee.Model], rows: list[dict]) -> None:
    for chunk in peewee.chunked(rows, INSERT_CHUNK):
        model.insert_many(chunk).execute()


def _seed_warehouses() -> dict[str, int]:
    """Warehouses and a lane from each to every region; return warehouse ids by region."""
    _insert(Warehouse, [{"code": code, "name": name, "region": region, "address": address, "city": city,
                         "postcode": postcode, "country": "US"}
                        for code, name, region, address, city, postcode in WAREHOUSES])
    ids = dict(Warehouse.select(Warehouse.region, Warehouse.id).tuples())
    lanes = []
    for origin, warehouse_id in ids.items():
        for destination in ids:
            hops = 0 if origin == destination else HOPS[frozenset({origin, destination})]
            lanes.append({"warehouse": warehouse_id, "region": destination,
                          "cost": Decimal("4.50") + Decimal("3.75") * hops, "lead_time_days": 1 + 2 * hops})
    _insert(Lane, lanes)
    return ids


def _seed_partners(rows: list[dict]) -> dict[str, int]:
    """Insert partners; return their ids by code."""
    _insert(Partner, rows)
    codes = [row["code"] for row in rows]
    return dict(Partner.select(Partner.code, Partner.id).where(Partner.code.in_(codes)).tuples())


def _seed_products(rng: random.Random, supplier_ids: list[int]) -> dict[str, bool]:
    """Fifty SKUs, one per material and item; return whether each SKU is dropshipped."""
    rows = []
    for index, ((material_code, material), (item_code, item)) in enumerate(
            (material, item) for material in MATERIALS for item in ITEMS):
        size = rng.choice(SIZES_MM)
        rows.append({
            "sku": f"{item_code}-{material_code}-{size:03d}",
            "name": f"{material} {item} {size}mm",
            "unit_price": (Decimal(rng.randint(200, 50000)) / 100).quantize(CENTS),
            "weight_kg": (Decimal(rng.randint(20, 25000)) / 1000).quantize(GRAMS),
            "supplier": supplier_ids[index % len(supplier_ids)],
            "dropship": index % 8 == 5,  # a handful shipped straight from the supplier
            "reorder_point": rng.choice((0, 10, 20, 50)),
        })
    _insert(Product, rows)
    return {row["sku"]: row["dropship"] for row in rows}


def _seed_stock(rng: random.Random, warehouses: dict[str, int], products: dict[str, bool]) -> int:
    """Every SKU in every warehouse, some at zero; dropshipped SKUs are never held."""
    product_ids = dict(Product.select(Product.sku, Product.id).tuples())
    rows = []
    for sku, dropship in products.items():
        for warehouse_id in warehouses.values():
            on_hand = 0 if dropship or rng.random() < 0.15 else rng.randint(5, 400)
            rows.append({"warehouse": warehouse_id, "product": product_ids[sku], "on_hand": on_hand, "reserved": 0})
    _insert(Stock, rows)
    return len(rows)


def _customer_rows(rng: random.Random, distributors: dict[str, int]) -> list[dict]:
    """Twenty buyers across the regions with a spread of credit terms; some served by a distributor."""
    regions = [region for _, _, region, *_ in WAREHOUSES]
    distributor_for_region = {region: distributors[code] for code, _, region, _, _ in DISTRIBUTORS}
    rows = []
    for index, name in enumerate(CUSTOMER_NAMES):
        region = regions[index % len(regions)]
        credit_limit = CREDIT_LIMITS[index % len(CREDIT_LIMITS)]
        outstanding = Decimal("0.00")
        if credit_limit is not None and rng.random() < 0.5:
            # tight limits sit close to full, so the credit check has something to refuse
            share = Decimal("0.9") if credit_limit <= 500 else Decimal(rng.randint(5, 60)) / 100
            outstanding = (credit_limit * share).quantize(CENTS)
        slug = name.lower().replace(" ", "-")
        rows.append({
            "code": f"CUST-{index + 1:03d}", "name": name, "kind": "customer", "region": region,
            "email": f"purchasing@{slug}.example", "credit_limit": credit_limit,
            "payment_terms_days": PAYMENT_TERMS[(index // 2) % len(PAYMENT_TERMS)],
            "outstanding_balance": outstanding, "blocked": index == BLOCKED_CUSTOMER,
            "distributor": distributor_for_region.get(region) if index % 4 == 0 else None,
        })
    return rows


def _seed_opening_balances(openings: dict[str, Decimal]) -> None:
    """Each opening balance as the customer's opening invoice, which also sets its outstanding balance."""
    owing = [code for code, amount in openings.items() if amount > 0]
    for customer in list(Partner.select().where(Partner.code.in_(owing)).order_by(Partner.id)):
        set_opening_balance(customer, openings[customer.code])


def _seed_logins(password: str, *, supplier_code: str, distributor_code: str) -> list[tuple[str, str, str]]:
    accounts = (
        ("admin@relay.example", "ops_admin", None),
        ("agent@relay.example", "ops_agent", None),
        ("credit@relay.example", "credit_controller", None),
        ("sales@relay.example", "sales_manager", None),
        ("supplier@relay.example", "supplier", supplier_code),
        ("distributor@relay.example", "distributor", distributor_code),
    )
    logins = []
    for email, role, partner_code in accounts:
        user, _ = create_user(email, role, partner_code=partner_code, password=password)
        logins.append((user.email, role, password))
    return logins
