import pytest

from models.core.errors import OMSError, ValidationFailed
from models.demo_data import demo_is_needed, seed_demo
from models.invariants import receivables_add_up
from models.inventory.tables import Lane, Product, Stock, Warehouse
from models.orders.tables import Order, OrderLine, Reservation
from models.partners.accounts import authenticate
from models.partners.tables import ROLES, Partner, User
from models.receivables.ledger import Invoice, Payment, PaymentApplication
from models.shipping.tables import Shipment, ShipmentLine, Waybill
from models.supply.tables import (
    AdvanceShippingNotice,
    AdvanceShippingNoticeLine,
    PurchaseOrder,
    PurchaseOrderLine,
)


@pytest.fixture
def seeded(db):
    return seed_demo(password="demo-pass-123")


def test_counts(seeded):
    assert (seeded.suppliers, seeded.products, seeded.distributors, seeded.customers) == (2, 50, 2, 20)
    assert Product.select().count() == 50
    assert Partner.select().where(Partner.kind == "customer").count() == 20
    assert Partner.select().where(Partner.kind == "distributor").count() == 2
    assert Partner.select().where(Partner.kind == "supplier").count() == 2
    assert seeded.stock_rows == Stock.select().count() == 50 * seeded.warehouses


def test_warehouses_in_distinct_regions_with_a_lane_to_every_region(seeded):
    regions = [warehouse.region for warehouse in Warehouse.select()]
    assert len(regions) >= 3 and len(set(regions)) == len(regions)
    assert all(warehouse.address for warehouse in Warehouse.select())
    assert seeded.lanes == Lane.select().count() == len(regions) ** 2
    for warehouse in Warehouse.select():
        lanes = {lane.region: lane for lane in warehouse.lanes}
        assert set(lanes) == set(regions)
        home = lanes.pop(warehouse.region)
        assert all(home.cost < lane.cost and home.lead_time_days < lane.lead_time_days for lane in lanes.values())


def test_every_product_has_valid_stock_in_every_warehouse(seeded):
    warehouses = Warehouse.select().count()
    for product in Product.select():
        rows = list(product.stock)
        assert len(rows) == warehouses
        assert all(0 <= row.reserved <= row.on_hand for row in rows)
    on_hand = [row.on_hand for row in Stock.select()]
    assert 0 in on_hand and max(on_hand) > 0


def test_catalogue_is_varied(seeded):
    products = list(Product.select())
    assert len({product.sku for product in products}) == 50
    assert all(2 <= product.unit_price <= 500 and product.weight_kg > 0 for product in products)
    assert any(product.dropship for product in products) and not all(product.dropship for product in products)
    assert {product.supplier.kind for product in products} == {"supplier"}


def test_customers_have_a_spread_of_credit_terms(seeded):
    customers = list(Partner.select().where(Partner.kind == "customer"))
    regions = {warehouse.region for warehouse in Warehouse.select()}
    assert all(customer.region in regions and "@" in customer.email for customer in customers)
    assert any(customer.credit_limit is None for customer in customers)
    assert any(customer.credit_limit is not None and customer.credit_limit <= 500 for customer in customers)
    assert sum(customer.blocked for customer in customers) == 1
    assert {customer.payment_terms_days for customer in customers} == {0, 30, 60}
    assert any(customer.outstanding_balance > 0 for customer in customers)
    served = [customer for customer in customers if customer.distributor_id]
    assert len(served) >= 2 and all(customer.distributor.kind == "distributor" for customer in served)


def test_opening_balances_are_opening_invoices(seeded):
    owing = list(Partner.select().where(Partner.outstanding_balance > 0))
    invoices = {invoice.number: invoice.amount for invoice in Invoice.select().where(Invoice.order.is_null())}
    assert owing and invoices == {f"OPEN-{customer.code}": customer.outstanding_balance for customer in owing}
    assert receivables_add_up() == []


def test_one_login_per_role_that_authenticates(seeded):
    assert sorted(role for _, role, _ in seeded.logins) == sorted(ROLES)
    assert User.select().count() == len(ROLES)
    for email, role, password in seeded.logins:
        user = authenticate(email, password)
        assert user is not None and user.role == role
        assert authenticate(email, "wrong-password") is None
    assert User.get(User.email == "supplier@relay.example").partner.kind == "supplier"
    assert User.get(User.email == "distributor@relay.example").partner.kind == "distributor"


def test_seeding_twice_is_refused(seeded):
    assert not demo_is_needed()
    with pytest.raises(OMSError):
        seed_demo()
    assert Product.select().count() == 50


def test_a_purchase_order_waits_for_the_demo_supplier_and_another_is_on_its_way(seeded):
    waiting, announced = (PurchaseOrder.get(PurchaseOrder.number == number) for number in seeded.purchase_orders)
    login = next(email for email, role, _ in seeded.logins if role == "supplier")
    supplier_id = User.get(User.email == login).partner_id
    assert (waiting.status, waiting.supplier_id, waiting.lines.count()) == ("sent", supplier_id, 3)
    assert (announced.status, announced.supplier_id) == ("shipped", supplier_id)
    assert [asn.tracking_number for asn in announced.asns] == ["RFC-DEMO-0001"]


def test_empty_database_needs_the_demo(db):
    assert demo_is_needed()


def test_same_world_every_time(db):
    seed_demo()
    first = list(Product.select(Product.sku, Product.unit_price, Product.weight_kg).order_by(Product.sku).tuples())
    with db.atomic():
        for model in (PaymentApplication, Payment, Invoice, Reservation, AdvanceShippingNoticeLine,
                      AdvanceShippingNotice, PurchaseOrderLine, PurchaseOrder, Waybill, ShipmentLine, Shipment,
                      OrderLine, Order, User, Stock, Lane, Product, Warehouse):
            model.delete().execute()
        Partner.update(distributor=None).execute()
        Partner.delete().execute()
    seed_demo()
    assert list(Product.select(Product.sku, Product.unit_price, Product.weight_kg)
                .order_by(Product.sku).tuples()) == first


def test_a_failure_leaves_the_database_empty(db):
    with pytest.raises(ValidationFailed):
        seed_demo(password="short")  # the first login refuses it, after every other row was written
    assert demo_is_needed()
    assert Product.select().count() == Warehouse.select().count() == 0


def test_the_demo_prices_a_distributor_customer_by_contract_list_and_group(seeded):
    from datetime import date

    from models.pricing.price_check import customer_prices
    from models.pricing.versions import price_book_in_force

    version, book = price_book_in_force()
    assert version is not None and len(book.lists) == 3 and len(book.contracts) == 1
    harbor = Partner.get(Partner.code == "CUST-001")
    contract = book.contracts[0]
    prices = customer_prices(harbor, skus=[contract.sku], quantity=10, day=date.today()).prices
    assert prices[0].resolution.source == "contract"
    volume_sku = next(sku for pl in book.lists if pl.applies_to == "distributor" for sku in pl.entries)
    big = customer_prices(harbor, skus=[volume_sku], quantity=100, day=date.today()).prices[0].resolution
    assert big.source == "distributor" and "break ≥ 100 units" in big.explanation
    assert Partner.select().where(Partner.customer_group == "trade").exists()
