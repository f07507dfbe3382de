"""Order file import on PostgreSQL: the COPY path writes what the INSERT path writes, and keeps refs unique."""
import csv
import io
import json
import re
import time
from datetime import datetime
from decimal import Decimal

import psycopg2
import pytest

from models.core import bulk_copy as copying
from models.core.audit import StatusChange
from models.core.db import database
from models.core.outbox import OutboxMessage
from models.intake.file_import import import_order_file, writing
from models.intake.tables import ImportBatch, ImportRowError
from models.orders.tables import Order, OrderLine
from schemas.order_rows import import_row_schema
from tests.conftest import settings_for
from tests.factories import make_world

COLUMNS = ("external_ref", "customer_code", "sku", "quantity", "unit_price", "currency", "ship_to_name",
           "ship_to_phone", "ship_to_address", "ship_to_city", "ship_to_region", "ship_to_postcode",
           "ship_to_country", "requested_delivery_date", "notes")
# Texts COPY's text format must escape, a literal \N that must not become NULL, and other scripts.
AWKWARD_NOTES = ("back\\slash", "tab\there", "two\nlines", "carriage\rreturn", "\\N", "北京 — ünïcode", "")


@pytest.fixture
def world(pg_rolled_back):
    return make_world()


@pytest.fixture
def settings(tmp_path):
    return settings_for(tmp_path)


def row(ref, *, customer="CUST1", sku="WIDGET", qty="2", price="10.00", phone="+1 555", date="2030-01-31",
        notes="", name="Ada Buyer"):
    return [ref, customer, sku, qty, price, "USD", name, phone, "12 Main St", "Springfield", "R1", "12345", "US",
            date, notes]


def csv_file(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue().encode()


def run(data: bytes, settings, distributor=None):
    return import_order_file(io.BytesIO(data), "orders.csv", settings=settings, submitted_by="ops@relay.test",
                             distributor=distributor, row_schema=import_row_schema)


def mixed_file() -> bytes:
    rows = [row(f"PO-{i}", notes=notes, price=["10.00", "", "1,234.50"][i % 3], phone="" if i % 2 else "+1 555",
                date="" if i % 2 else "2030/02/28") for i, notes in enumerate(AWKWARD_NOTES)]
    rows += [row("PO-0", sku="GADGET", qty="3", notes=AWKWARD_NOTES[0], price="", date="2030/02/28"),
             row("BAD-QTY", qty="0"), row("PO-9", customer="NOPE")]
    return csv_file(rows)


def snapshot(result) -> dict:
    """Everything the import wrote, with ids, batch numbers and clock readings replaced by what they name."""
    orders = list(Order.select().where(Order.source_batch == result.batch_id))
    ref_of = {order.id: order.external_ref for order in orders}
    stamps = {order.created_at for order in orders} | {order.status_changed_at for order in orders}
    batch = ImportBatch.get_by_id(result.batch_id)
    skip = {"id", "source_batch", "created_at", "status_changed_at"}
    return {
        "result": (result.orders_accepted, result.orders_rejected, result.orders_duplicate, result.lines_accepted,
                   [(e.row, e.external_ref, e.field, e.message) for e in result.errors]),
        "batch": (batch.status, batch.rows, batch.orders_accepted, batch.orders_rejected, batch.lines_accepted),
        "one_stamp": len(stamps),
        "orders": sorted(tuple(sorted((name, value) for name, value in order.__data__.items() if name not in skip))
                         for order in orders),
        "lines": sorted((ref_of[line.order_id], line.line_no, line.product_id, line.sku, line.quantity,
                         line.unit_price, line.line_total)
                        for line in OrderLine.select().where(OrderLine.order.in_(list(ref_of)))),
        "audit": sorted((ref_of[change.entity_id], change.entity, change.from_status or "", change.to_status,
                         change.actor, re.sub(r"batch \d+", "batch N", change.reason), change.at in stamps)
                        for change in StatusChange.select().where(StatusChange.entity_id.in_(list(ref_of)),
                                                                  StatusChange.entity == "order")),
        "outbox": sorted((message.queue_name, message.actor_name, tuple(sorted(ref_of[i] for i in json.loads(
            message.payload)[0]))) for message in OutboxMessage.select()),
        "row_errors": sorted((e.row, e.external_ref, e.field, e.message)
                             for e in ImportRowError.select().where(ImportRowError.batch == result.batch_id)),
    }


def imported_with(copies: bool, monkeypatch, settings, data: bytes) -> dict:
    """Import ``data`` by COPY or by INSERT, snapshot what it wrote, and undo it."""
    monkeypatch.setattr(writing, "copies", lambda: copies)
    with database.atomic() as undo:
        written = snapshot(run(data, settings))
        undo.rollback()
    return written


def test_copy_writes_exactly_what_insert_writes(world, settings, monkeypatch):
    copied = imported_with(True, monkeypatch, settings, mixed_file())
    inserted = imported_with(False, monkeypatch, settings, mixed_file())
    assert copied == inserted
    assert copied["result"][:4] == (len(AWKWARD_NOTES), 2, 0, len(AWKWARD_NOTES) + 1)
    assert copied["one_stamp"] == 1 and all(at_order_time for *_, at_order_time in copied["audit"])
    notes = {dict(order)["external_ref"]: dict(order)["notes"] for order in copied["orders"]}
    assert [notes[f"PO-{i}"] for i in range(len(AWKWARD_NOTES))] == list(AWKWARD_NOTES)
    po0, po1 = (dict(next(o for o in copied["orders"] if dict(o)["external_ref"] == ref)) for ref in ("PO-0", "PO-1"))
    assert (po1["ship_to_phone"], po1["requested_delivery_date"], po1["placed_by"]) == ("", None, None)
    assert (po1["total"], po0["total"]) == (Decimal("20.00"), Decimal("96.50"))  # 2 × 10.00; 20.00 + 3 × 25.50


def test_refs_stored_or_repeated_in_the_file_are_rejected_per_order_and_the_rest_land(world, settings):
    assert writing.copies()
    run(csv_file([row("PO-OLD")]), settings)
    result = run(csv_file([row("PO-OLD"), row("PO-NEW"),
                           row("PO-TWICE"), row("PO-TWICE", sku="GADGET", name="Someone Else"),  # one ref, two headers
                           row("PO-SKU"), row("PO-SKU"),  # one ref, the same SKU twice
                           row("PO-LAST", sku="GADGET")]), settings)
    assert (result.orders_accepted, result.orders_rejected, result.orders_duplicate, result.lines_accepted) == \
        (2, 2, 1, 2)
    assert {(e.external_ref, e.field) for e in result.errors} == {("PO-TWICE", "ship_to_name"), ("PO-SKU", "sku")}
    created = Order.select().where(Order.source_batch == result.batch_id)
    assert sorted((o.external_ref, o.lines.count(), o.total) for o in created) == \
        [("PO-LAST", 1, Decimal("20.00")), ("PO-NEW", 1, Decimal("20.00"))]
    assert Order.select().where(Order.external_ref == "PO-OLD").count() == 1


def test_a_used_ref_fails_the_chunks_copy_then_the_chunk_is_looked_up_and_lands_even_past_a_race(
        world, settings, monkeypatch):
    dist = world["distributor"]
    run(csv_file([row("PO-1")]), settings, distributor=dist)
    real_taken = writing._taken_refs
    calls = []

    def racing_upload_in_between(channel, keys):
        calls.append(sorted(ref for _, ref in keys))
        taken = real_taken(channel, keys)
        if len(calls) == 1:  # what another upload commits between our look-up and our COPY
            Order.create(channel="file", external_ref="PO-2", intake_scope=keys[0][0], customer=world["customer"],
                         placed_by=dist, currency="USD", ship_to_name="x", ship_to_address="x", ship_to_city="x",
                         ship_to_region="R1", ship_to_country="US")
        return taken

    monkeypatch.setattr(writing, "_taken_refs", racing_upload_in_between)
    result = run(csv_file([row("PO-1"), row("PO-2"), row("PO-3", sku="GADGET")]), settings, distributor=dist)
    # The first COPY broke the unique key on PO-1: the chunk was looked up; PO-2 came in between, so its COPY
    # broke it again, and the chunk was looked up and written once more.
    assert calls == [["PO-1", "PO-2", "PO-3"]] * 2
    assert (result.orders_accepted, result.orders_duplicate, result.lines_accepted) == (1, 2, 1)
    created = list(Order.select().where(Order.source_batch == result.batch_id))
    assert [(o.external_ref, o.status) for o in created] == [("PO-3", "reviewing")]
    assert StatusChange.select().where(StatusChange.entity_id == created[0].id).count() == 2
    assert [json.loads(m.payload)[0] for m in OutboxMessage.select().order_by(OutboxMessage.id)][-1] == [created[0].id]


def test_a_clean_chunk_costs_the_id_reservation_three_copies_and_the_nudge(world, settings, monkeypatch):
    monkeypatch.setattr(writing, "ORDERS_PER_CHUNK", 2)
    statements = []
    real_execute, real_copy = type(database.obj).execute_sql, copying.copy_lines

    def counted_execute(self, sql, *args, **kwargs):
        if sql.split()[0].upper() not in ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"):  # one transaction a chunk
            statements.append(sql.split()[0].upper())
        return real_execute(self, sql, *args, **kwargs)

    def counted_copy(model, fields, lines):
        statements.append(f"COPY {model._meta.table_name}")
        return real_copy(model, fields, lines)

    def chunk_statements(order_count: int) -> list[str]:
        statements.clear()
        run(csv_file([row(f"PO-{order_count}-{i}") for i in range(order_count)]), settings)
        return list(statements)

    monkeypatch.setattr(type(database.obj), "execute_sql", counted_execute)
    monkeypatch.setattr(copying, "copy_lines", counted_copy)
    one, three = chunk_statements(2), chunk_statements(6)
    per_chunk = ["SELECT", "COPY order", "COPY order_line", "COPY status_change", "INSERT"]
    assert len(three) - len(one) == 2 * len(per_chunk)  # no look-up of refs, no statement per order
    assert [s for s in three if s.startswith("COPY")] == [s for s in per_chunk if s.startswith("COPY")] * 3


def test_ids_are_reserved_for_the_orders_a_file_can_hold_not_a_whole_chunk(world, settings):
    first = run(csv_file([row("PO-1"), row("PO-2")]), settings)
    second = run(csv_file([row("PO-3"), row("PO-4")]), settings)
    ids = [[o.id for o in Order.select().where(Order.source_batch == result.batch_id).order_by(Order.id)]
           for result in (first, second)]
    assert ids[1] == [ids[0][1] + 1, ids[0][1] + 2]  # (a rejected order still costs the id kept for it)


def tuples_processed_soon(watcher, backend: int, wait_s: float = 5.0) -> int:
    """The server's COPY progress, given a busy server a few seconds to report the chunks it was already sent."""
    deadline = time.monotonic() + wait_s
    while True:
        with watcher.cursor() as cursor:
            cursor.execute("SELECT tuples_processed FROM pg_stat_progress_copy WHERE pid = %s", (backend,))
            processed = cursor.fetchone()[0]
        if processed or time.monotonic() > deadline:
            return processed
        time.sleep(0.05)


def test_copy_lines_streams_while_postgresql_parses_and_round_trips_awkward_values(pg_rolled_back):
    texts = ["a\\tb", "\\N", "x\ty", "multi\r\nline", ""]
    fields = [StatusChange.entity, StatusChange.entity_id, StatusChange.from_status, StatusChange.to_status,
              StatusChange.actor, StatusChange.reason, StatusChange.at]
    rows = [("order", number, None, "received", text, text, datetime(2030, 1, 2, 3, 4, 5, 678))
            for number, text in enumerate(texts)]
    backend = database.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
    watcher = psycopg2.connect(dbname=pg_rolled_back.database, **pg_rolled_back.connect_params)
    watcher.autocommit = True
    seen_by_server = []

    def lines():
        for row in rows:
            yield "\t".join(copying.copy_value(value) for value in row) + "\n"
        for number in range(len(rows), 20_000):
            if number == 15_000:  # still drawing lines: how many has the server parsed and stored already?
                seen_by_server.append(tuples_processed_soon(watcher, backend))
            yield f"order\t{number}\t\\N\treceived\tbulk\t\t2030-01-02 03:04:05\n"

    try:
        copying.copy_lines(StatusChange, fields, lines())
    finally:
        watcher.close()
    assert 0 < seen_by_server[0] < 15_000
    back = StatusChange.select().order_by(StatusChange.entity_id).limit(len(rows)).tuples()
    assert [row[1:] for row in back] == rows
    assert StatusChange.select().count() == 20_000


def test_an_error_while_drawing_rows_comes_out_as_itself_and_nothing_of_the_copy_stays(pg_rolled_back):
    def lines():
        yield "order\t1\t\\N\treceived\tbulk\t\t2030-01-02 03:04:05\n"
        raise LookupError("the spill lost a row")

    with pytest.raises(LookupError, match="the spill lost a row"), database.atomic():
        copying.copy_lines(StatusChange, [StatusChange.entity, StatusChange.entity_id, StatusChange.from_status,
                                          StatusChange.to_status, StatusChange.actor, StatusChange.reason,
                                          StatusChange.at], lines())
    assert StatusChange.select().count() == 0
