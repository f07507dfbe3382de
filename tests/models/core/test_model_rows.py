"""model_rows and value_rows build the same instances and tuples as peewee, value for value and type for type, on
both databases: the claim that PostgreSQL's driver already gives each column as its field would is checked here for
the tables the pipeline loads in bulk."""
import peewee

from models.allocation.batch_inputs import PLANNED_PRODUCT_FIELDS
from models.allocation.step import allocate_orders
from models.core.model_rows import model_rows, value_rows
from models.intake.entry import place_order
from models.inventory.tables import Product, Stock
from models.orders.tables import Order, OrderLine
from models.partners.tables import Partner
from models.review.step import review_orders
from models.shipping.tables import Shipment
from schemas.orders import order_schema
from tests.factories import allow_repeat_orders, make_world, order_body


def _placed_and_allocated(count: int) -> list[int]:
    make_world()
    allow_repeat_orders()
    ids = [place_order(order_schema.load(order_body(f"PO-{n}", lines=[
        {"sku": "WIDGET", "quantity": n + 1, "unit_price": "10.00"}, {"sku": "GADGET", "quantity": 1}])),
        actor="test")[0].id for n in range(count)]
    review_orders(ids, actor="test")
    allocate_orders(ids, actor="test")
    return ids


def _typed(instance: peewee.Model) -> dict:
    return {name: (type(value), value) for name, value in instance.__data__.items()}


def _same(query: peewee.ModelSelect, joined: str | None = None) -> int:
    expected, made = list(query.clone()), model_rows(query.clone())
    assert [_typed(row) for row in made] == [_typed(row) for row in expected]
    if joined:
        assert [_typed(row.__rel__[joined]) for row in made] == [_typed(row.__rel__[joined]) for row in expected]
    assert not any(row._dirty for row in made)
    return len(made)


def test_model_rows_builds_what_peewee_builds(any_db):
    ids = _placed_and_allocated(3)
    assert _same(Order.select().where(Order.id.in_(ids)).order_by(Order.id)) == 3
    assert _same(OrderLine.select(OrderLine, *PLANNED_PRODUCT_FIELDS).join(Product)
                 .where(OrderLine.order.in_(ids)).order_by(OrderLine.id), joined="product") == 6
    assert _same(Stock.select().order_by(Stock.id)) == 4
    assert _same(Partner.select().order_by(Partner.id)) >= 3
    assert _same(Shipment.select(Shipment, Order.id, Order.external_ref, Order.ship_to_postcode).join(Order)
                 .order_by(Shipment.id), joined="order") == 3
    # without the joined row's key peewee sets the foreign key to None; model_rows keeps the column's value
    shipment = model_rows(Shipment.select(Shipment, Order.external_ref).join(Order).order_by(Shipment.id))[0]
    assert (shipment.order_id, shipment.order.external_ref) == (ids[0], "PO-0")
    line = model_rows(OrderLine.select(OrderLine, *PLANNED_PRODUCT_FIELDS).join(Product)
                      .where(OrderLine.order == ids[0]).order_by(OrderLine.line_no))[0]
    assert (line.order_id, line.product.sku, line.product_id) == (ids[0], "WIDGET", line.product.id)


def test_model_rows_leaves_other_selects_to_peewee(any_db):
    _placed_and_allocated(1)
    counted = Order.select(Order.status, peewee.fn.COUNT(Order.id).alias("n")).group_by(Order.status)
    assert [(row.status, row.n) for row in model_rows(counted)] == [("allocated", 1)]


def test_value_rows_reads_what_peewee_tuples_read(any_db):
    ids = _placed_and_allocated(2)
    query = (OrderLine.select(OrderLine.order, OrderLine.line_no, OrderLine.sku, OrderLine.quantity,
                              OrderLine.unit_price, OrderLine.price_given, OrderLine.product, Product.unit_price,
                              Product.dropship, Product.supplier, Product.weight_kg)
             .join(Product, peewee.JOIN.LEFT_OUTER).where(OrderLine.order.in_(ids)).order_by(OrderLine.id))
    expected, read = list(query.clone().tuples()), value_rows(query.clone())
    assert len(read) == 4
    assert [[(type(v), v) for v in row] for row in read] == [[(type(v), v) for v in row] for row in expected]
    assert value_rows(Order.select(peewee.fn.COUNT(Order.id))) == [(2,)]


def test_insert_models_returns_what_peewee_reads_back(any_db):
    from datetime import date, datetime
    from decimal import Decimal

    from models.core.bulk_insert import insert_models
    from models.receivables.ledger import Invoice

    world = make_world()
    order, _ = place_order(order_schema.load(order_body("INV-1")), actor="test")
    [made] = insert_models(Invoice, [{"number": "INV-T1", "customer": world["customer"].id, "order": order.id,
                                      "currency": "USD", "amount": Decimal("12.34"), "status": "open",
                                      "issued_at": datetime(2026, 12, 6, 7, 0), "due_on": date(2027, 1, 5)}])
    read = Invoice.get_by_id(made.id)
    assert made.__data__ == read.__data__
    assert (type(made.amount), type(made.due_on), made.customer_id) == (Decimal, date, world["customer"].id)
