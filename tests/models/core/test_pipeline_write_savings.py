"""Migrations 0040 and 0041: on PostgreSQL review's pricing of an order's lines and a shipment's carrier stay on
the row's page (a HOT update, no new index entries), and the reservations' times are summarized by block range."""
import importlib

from models.core.db import database
from models.intake.entry import place_order
from models.orders.tables import OrderLine
from models.review.step import review_orders
from schemas.orders import order_schema
from tests.factories import allow_repeat_orders, make_world, order_body

MIGRATION = importlib.import_module("models.core.migrations.0040_priced_lines_on_their_page")
TIMES = importlib.import_module("models.core.migrations.0041_reservation_times_summarized")


def _pages(table: str) -> dict[int, int]:
    """Row id -> the heap page its current version is on."""
    cursor = database.execute_sql(f'SELECT id, (ctid::text::point)[0]::int FROM "{table}"')
    return dict(cursor.fetchall())


def test_a_page_of_lines_keeps_room_for_their_priced_versions(pg_db):
    make_world()
    allow_repeat_orders()
    lines = [{"sku": "WIDGET", "quantity": 2}, {"sku": "GADGET", "quantity": 1}]
    ids = [place_order(order_schema.load(order_body(f"PAGE-{n}", lines=lines)), actor="test")[0].id
           for n in range(60)]
    placed = _pages("order_line")
    assert len(placed) == 120 and len(set(placed.values())) > 1  # more than one page to fill
    review_orders(ids, actor="test")
    assert OrderLine.select().where(OrderLine.price_note_text.is_null()).count() == 0  # every line priced
    assert _pages("order_line") == placed


def test_the_fill_factors_are_set(pg_db):
    options = dict(database.execute_sql(
        "SELECT relname, reloptions::text FROM pg_class WHERE relname = ANY(%s)", (list(MIGRATION.FILL_FACTORS),)))
    for table, fill_factor in MIGRATION.FILL_FACTORS.items():
        assert options[table] == f"{{fillfactor={fill_factor}}}"


def test_the_reservations_times_are_summarized_by_block_range_on_postgresql(pg_db):
    methods = dict(database.execute_sql(
        "SELECT c.relname, a.amname FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE c.relname = ANY(%s)",
        (list(TIMES.INDEXES),)))
    assert methods == dict.fromkeys(TIMES.INDEXES, "brin")
