"""A book of N orders for `oms bench portal`, written by the database itself in chunks: ~2,000 customers with
realistic names under 20 distributors, statuses spread like a real book (mostly shipped and delivered, a few
thousand working or on hold), created over about a year."""
from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import product
from pathlib import Path

from models.core.db import bind_database, database, is_sqlite
from models.partners.tables import Partner

CHUNK = 200_000
DISTRIBUTORS = 20
PLACES = ("Harbor", "Northwind", "Summit", "Blue Ridge", "Cedar", "Pioneer", "Atlas", "Evergreen", "Redwood",
          "Lakeside", "Granite", "Prairie", "Riverside", "Oakmont", "Silverline", "Coastal", "Highland", "Meadow",
          "Ironwood", "Westfield", "Sunrise", "Bayview", "Maple", "Keystone", "Frontier", "Willow", "Stonebridge",
          "Canyon", "Lighthouse", "Fairview", "Crescent", "Aspen", "Brookside", "Copper", "Hillcrest", "Juniper",
          "Marlow", "Orchard", "Pinecrest", "Valley")
TRADES = ("Supply", "Traders", "Hardware", "Wholesale", "Distribution", "Building Materials", "Farm Store",
          "Marine", "Electric", "Tools")
FORMS = ("Co", "Ltd", "Inc", "& Sons", "Group")
# Per mille of the book, in the order of the CASE below (1000 in all).
STATUS_SPREAD = (("received", 1), ("reviewing", 2), ("on_hold", 3), ("approved", 2), ("partially_allocated", 2),
                 ("backordered", 4), ("allocated", 6), ("rejected", 10), ("cancelled", 30), ("shipped", 250),
                 ("delivered", 690))
REFERENCE_BASE = 10_000_000  # order g is "SO-" + (REFERENCE_BASE + g)


def customer_names(count: int) -> list[str]:
    names = [f"{place} {trade} {form}" for place, trade, form in product(PLACES, TRADES, FORMS)]
    return names[:count]


def seed_partners(customer_count: int) -> None:
    """Distributors D-01…, then customers C-00001… served by them in turn."""
    Partner.insert_many([{"code": f"D-{n:02d}", "name": f"{PLACES[n % len(PLACES)]} Regional Distribution",
                          "kind": "distributor", "region": f"R{n % 5}"} for n in range(1, DISTRIBUTORS + 1)]).execute()
    distributors = [pid for (pid,) in Partner.select(Partner.id).where(Partner.kind == "distributor")
                    .order_by(Partner.id).tuples()]
    rows = [{"code": f"C-{n + 1:05d}", "name": name, "kind": "customer", "region": f"R{n % 5}",
             "distributor": distributors[n % len(distributors)]} for n, name in enumerate(customer_names(customer_count))]
    for start in range(0, len(rows), 500):
        Partner.insert_many(rows[start:start + 500]).execute()


def _status_case() -> str:
    parts, bound = [], 0
    for status, share in STATUS_SPREAD[:-1]:
        bound += share
        parts.append(f"WHEN s.h < {bound} THEN '{status}'")
    return f"CASE {' '.join(parts)} ELSE '{STATUS_SPREAD[-1][0]}' END"


def _insert_sql() -> str:
    if is_sqlite():
        numbers = "RECURSIVE n(g) AS (SELECT ? UNION ALL SELECT g + 1 FROM n WHERE g < ?), "
        source = "n"
        created = "datetime('2025-01-01', '+' || (s.g * 30) || ' seconds')"
    else:
        numbers, source = "", "generate_series(CAST(<first> AS BIGINT), CAST(<last> AS BIGINT)) AS n(g)"
        created = "TIMESTAMP '2025-01-01 00:00:00' + s.g * INTERVAL '30 seconds'"
    sql = f"""
WITH {numbers}c AS (SELECT id, region, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k FROM partner
                    WHERE kind = 'customer'),
s AS (SELECT g, (g * 2654435761) % 1000 AS h, (g * 7919) % (SELECT COUNT(*) FROM c) AS k FROM {source})
INSERT INTO "order" (channel, external_ref, intake_scope, customer_id, currency, subtotal, shipping_total, total,
                     status, priority, ship_to_name, ship_to_phone, ship_to_email, ship_to_address, ship_to_city,
                     ship_to_region, ship_to_postcode, ship_to_country, notes, status_reason, submitted_by,
                     created_at, status_changed_at)
SELECT CASE WHEN s.g % 10 < 6 THEN 'api' WHEN s.g % 10 < 8 THEN 'file' WHEN s.g % 10 < 9 THEN 'portal'
            ELSE 'email' END,
       'SO-' || CAST({REFERENCE_BASE} + s.g AS VARCHAR(20)), 'ops:customer:' || CAST(c.id AS VARCHAR(20)), c.id, 'USD',
       CAST((s.g * 7907) % 500000 AS NUMERIC) / 100, 0, CAST((s.g * 7907) % 500000 AS NUMERIC) / 100,
       {_status_case()}, 0, 'Receiving dock', '+1 555 0100', '', CAST(1 + s.g % 90 AS VARCHAR(4)) || ' Dock Road',
       'Springfield', c.region, '10001', 'US', '', '', 'bench', {created}, {created}
FROM s JOIN c ON c.k = s.k
"""
    if is_sqlite():
        return sql
    return sql.replace("%", "%%").replace("<first>", "%s").replace("<last>", "%s")  # psycopg2's placeholders


def seed_orders(count: int, *, echo=lambda line: None) -> None:
    """Orders 1…count (by g, the reference number), one statement per CHUNK, each its own transaction."""
    sql = _insert_sql()
    for start in range(1, count + 1, CHUNK):
        end = min(count, start + CHUNK - 1)
        with database.atomic():
            database.execute_sql(sql, (start, end))
        echo(f"  {end:,} orders")


@contextmanager
def seeded_book(prefix: str, order_count: int, customer_count: int, *, echo) -> Iterator[tuple[object, float]]:
    """The bench's empty database (OMS_DATABASE_URL, else SQLite in a temporary folder) bound, migrated and seeded
    with customers and orders: yields its settings and when seeding started; the folder goes afterwards."""
    from models.core.migrate import upgrade_database
    from portal.bench_settings import (
        bench_environment,
        bench_settings,
        require_empty_database,
        where,
    )

    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        settings = bench_settings(bench_environment(folder))
        echo(f"database {where(settings).split(', broker')[0]}")
        bind_database(settings.database_url)
        database.connect(reuse_if_open=True)
        require_empty_database()
        upgrade_database()
        started = time.perf_counter()
        seed_partners(customer_count)
        seed_orders(order_count, echo=echo)
        yield settings, started
        database.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
