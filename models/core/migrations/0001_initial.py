"""Initial schema: every table of the OMS (a frozen copy, independent of the live models)."""
# Generated from a schema diff on 2026-11-28 03:25.
from peewee import *


def up(migrator, db):
    class Partner(Model):
        code = CharField(unique=True, max_length=64)
        name = CharField(max_length=200)
        kind = CharField(index=True, max_length=16)
        distributor = ForeignKeyField('self', null=True, on_delete='SET NULL')
        email = CharField(max_length=254, default='')
        region = CharField(max_length=64, default='')
        credit_limit = DecimalField(null=True, max_digits=14, decimal_places=2)
        payment_terms_days = IntegerField(default=30)
        outstanding_balance = DecimalField(max_digits=14, decimal_places=2, default=0)
        blocked = BooleanField(default=False)
        lead_time_days = IntegerField(null=True)
        created_at = DateTimeField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'partner'
            constraints = [SQL("CHECK (kind IN ('customer', 'distributor', 'supplier'))")]
    db.create_tables([Partner])

    class Warehouse(Model):
        code = CharField(unique=True, max_length=64)
        name = CharField(max_length=200)
        region = CharField(index=True, max_length=64)
        address = TextField(default='')
        active = BooleanField(default=True)
        class Meta:
            database = db
            table_name = 'warehouse'
    db.create_tables([Warehouse])

    class Order(Model):
        channel = CharField(max_length=32)
        external_ref = CharField(max_length=128)
        customer = ForeignKeyField(Partner, on_delete='RESTRICT')
        placed_by = ForeignKeyField(Partner, null=True, on_delete='SET NULL')
        currency = CharField(max_length=3)
        subtotal = DecimalField(max_digits=14, decimal_places=2, default=0)
        shipping_total = DecimalField(max_digits=14, decimal_places=2, default=0)
        total = DecimalField(max_digits=14, decimal_places=2, default=0)
        status = CharField(max_length=32, default='received')
        priority = IntegerField(default=0)
        ship_to_name = CharField(max_length=200)
        ship_to_phone = CharField(max_length=64, default='')
        ship_to_email = CharField(max_length=254, default='')
        ship_to_address = TextField()
        ship_to_city = CharField(max_length=128)
        ship_to_region = CharField(max_length=64)
        ship_to_postcode = CharField(max_length=32, default='')
        ship_to_country = CharField(max_length=2)
        requested_delivery_date = DateField(null=True)
        notes = TextField(default='')
        status_reason = TextField(default='')
        created_at = DateTimeField()
        status_changed_at = DateTimeField()
        redriven_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'order'
            constraints = [SQL("CHECK (status IN ('received', 'reviewing', 'on_hold', 'approved', 'partially_allocated', 'backordered', 'allocated', 'shipped', 'delivered', 'rejected', 'cancelled'))")]
            indexes = ((('channel', 'external_ref'), True), (('status', 'status_changed_at'), False), (('customer', 'status'), False), (('placed_by', 'created_at'), False))
    db.create_tables([Order])

    class PurchaseOrder(Model):
        number = CharField(unique=True, max_length=64)
        supplier = ForeignKeyField(Partner, on_delete='RESTRICT')
        status = CharField(max_length=32, default='draft')
        dropship = BooleanField(default=False)
        warehouse = ForeignKeyField(Warehouse, null=True, on_delete='RESTRICT')
        sales_order = ForeignKeyField(Order, null=True, on_delete='RESTRICT')
        currency = CharField(max_length=3, default='USD')
        expected_at = DateField(null=True)
        created_at = DateTimeField()
        status_changed_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'purchase_order'
            indexes = ((('supplier', 'status'), False),)
    db.create_tables([PurchaseOrder])

    class AdvanceShippingNotice(Model):
        purchase_order = ForeignKeyField(PurchaseOrder, on_delete='CASCADE')
        reference = CharField(max_length=64)
        carrier = CharField(max_length=64, default='')
        tracking_number = CharField(max_length=64, default='')
        shipped_at = DateTimeField(null=True)
        expected_at = DateTimeField(null=True)
        status = CharField(max_length=16, default='in_transit')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'advance_shipping_notice'
            indexes = ((('purchase_order', 'reference'), True),)
    db.create_tables([AdvanceShippingNotice])

    class Product(Model):
        sku = CharField(unique=True, max_length=64)
        name = CharField(max_length=200)
        unit_price = DecimalField(max_digits=14, decimal_places=2)
        currency = CharField(max_length=3, default='USD')
        weight_kg = DecimalField(decimal_places=3, default=0)
        supplier = ForeignKeyField(Partner, null=True, on_delete='SET NULL')
        dropship = BooleanField(default=False)
        reorder_point = IntegerField(default=0)
        active = BooleanField(default=True)
        created_at = DateTimeField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'product'
    db.create_tables([Product])

    class PurchaseOrderLine(Model):
        purchase_order = ForeignKeyField(PurchaseOrder, on_delete='CASCADE')
        product = ForeignKeyField(Product, on_delete='RESTRICT')
        quantity = IntegerField()
        unit_cost = DecimalField(max_digits=14, decimal_places=2, default=0)
        received_quantity = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'purchase_order_line'
            constraints = [SQL('CHECK (quantity > 0)'), SQL('CHECK (received_quantity >= 0)')]
            indexes = ((('purchase_order', 'product'), True),)
    db.create_tables([PurchaseOrderLine])

    class AdvanceShippingNoticeLine(Model):
        asn = ForeignKeyField(AdvanceShippingNotice, on_delete='CASCADE')
        purchase_order_line = ForeignKeyField(PurchaseOrderLine, on_delete='RESTRICT')
        quantity = IntegerField()
        class Meta:
            database = db
            table_name = 'advance_shipping_notice_line'
            constraints = [SQL('CHECK (quantity > 0)')]
            indexes = ((('asn', 'purchase_order_line'), True),)
    db.create_tables([AdvanceShippingNoticeLine])

    class User(Model):
        email = CharField(unique=True, max_length=254)
        password_hash = CharField()
        role = CharField(max_length=32)
        partner = ForeignKeyField(Partner, null=True, on_delete='RESTRICT')
        active = BooleanField(default=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'user'
    db.create_tables([User])

    class ApiToken(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        token_hash = CharField(unique=True, max_length=64)
        prefix = CharField(max_length=12)
        created_at = DateTimeField()
        last_used_at = DateTimeField(null=True)
        revoked_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'api_token'
    db.create_tables([ApiToken])

    class Lane(Model):
        warehouse = ForeignKeyField(Warehouse, on_delete='CASCADE')
        region = CharField(max_length=64)
        cost = DecimalField(max_digits=14, decimal_places=2)
        lead_time_days = IntegerField()
        class Meta:
            database = db
            table_name = 'lane'
            indexes = ((('warehouse', 'region'), True),)
    db.create_tables([Lane])

    class OrderLine(Model):
        order = ForeignKeyField(Order, on_delete='CASCADE')
        line_no = IntegerField()
        product = ForeignKeyField(Product, on_delete='RESTRICT')
        sku = CharField(max_length=64)
        quantity = IntegerField()
        unit_price = DecimalField(max_digits=14, decimal_places=2)
        line_total = DecimalField(max_digits=14, decimal_places=2)
        class Meta:
            database = db
            table_name = 'order_line'
            constraints = [SQL('CHECK (quantity > 0)'), SQL('CHECK (unit_price >= 0)')]
            indexes = ((('order', 'line_no'), True),)
    db.create_tables([OrderLine])

    class OutboxMessage(Model):
        queue_name = CharField(max_length=64)
        actor_name = CharField(max_length=64)
        payload = TextField()
        created_at = DateTimeField()
        claimed_until = DateTimeField(null=True)
        claim_token = CharField(null=True, max_length=32)
        sent_at = DateTimeField(null=True)
        attempts = IntegerField(default=0)
        last_error = TextField(default='')
        class Meta:
            database = db
            table_name = 'outbox_message'
            indexes = ((('sent_at', 'id'), False),)
    db.create_tables([OutboxMessage])

    class Stock(Model):
        warehouse = ForeignKeyField(Warehouse, on_delete='RESTRICT')
        product = ForeignKeyField(Product, on_delete='RESTRICT')
        on_hand = IntegerField(default=0)
        reserved = IntegerField(default=0)
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'stock'
            constraints = [SQL('CHECK (on_hand >= 0)'), SQL('CHECK (reserved >= 0)'), SQL('CHECK (reserved <= on_hand)')]
            indexes = ((('warehouse', 'product'), True),)
    db.create_tables([Stock])

    class Reservation(Model):
        order_line = ForeignKeyField(OrderLine, on_delete='CASCADE')
        warehouse = ForeignKeyField(Warehouse, on_delete='RESTRICT')
        stock = ForeignKeyField(Stock, on_delete='RESTRICT')
        quantity = IntegerField()
        status = CharField(max_length=16, default='active')
        created_at = DateTimeField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'reservation'
            constraints = [SQL('CHECK (quantity > 0)')]
            indexes = ((('order_line', 'warehouse'), True), (('stock', 'status'), False))
    db.create_tables([Reservation])

    class ReturnRequest(Model):
        order = ForeignKeyField(Order, on_delete='RESTRICT')
        customer = ForeignKeyField(Partner, on_delete='RESTRICT')
        status = CharField(max_length=32, default='requested')
        resolution = CharField(max_length=16)
        reason = CharField(max_length=32)
        comment = TextField(default='')
        decision = CharField(max_length=16, default='')
        decision_reasons = TextField(default='')
        refund_amount = DecimalField(max_digits=14, decimal_places=2, default=0)
        replacement_order = ForeignKeyField(Order, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        status_changed_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'return_request'
            indexes = ((('status', 'status_changed_at'), False),)
    db.create_tables([ReturnRequest])

    class ReturnLine(Model):
        return_request = ForeignKeyField(ReturnRequest, on_delete='CASCADE')
        order_line = ForeignKeyField(OrderLine, on_delete='RESTRICT')
        quantity = IntegerField()
        condition = CharField(max_length=16, default='')
        class Meta:
            database = db
            table_name = 'return_line'
            constraints = [SQL('CHECK (quantity > 0)')]
            indexes = ((('return_request', 'order_line'), True),)
    db.create_tables([ReturnLine])

    class Shipment(Model):
        order = ForeignKeyField(Order, on_delete='CASCADE')
        warehouse = ForeignKeyField(Warehouse, on_delete='RESTRICT')
        wave = IntegerField(default=1)
        status = CharField(max_length=32, default='ready')
        weight_kg = DecimalField(decimal_places=3, default=0)
        carrier = CharField(max_length=32, default='sandbox')
        created_at = DateTimeField()
        status_changed_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'shipment'
            indexes = ((('order', 'warehouse', 'wave'), True), (('status', 'status_changed_at'), False))
    db.create_tables([Shipment])

    class ShipmentLine(Model):
        shipment = ForeignKeyField(Shipment, on_delete='CASCADE')
        order_line = ForeignKeyField(OrderLine, on_delete='RESTRICT')
        quantity = IntegerField()
        class Meta:
            database = db
            table_name = 'shipment_line'
            constraints = [SQL('CHECK (quantity > 0)')]
            indexes = ((('shipment', 'order_line'), True),)
    db.create_tables([ShipmentLine])

    class StatusChange(Model):
        entity = CharField(max_length=16)
        entity_id = IntegerField()
        from_status = CharField(null=True, max_length=32)
        to_status = CharField(max_length=32)
        actor = CharField(max_length=254)
        reason = TextField(default='')
        at = DateTimeField()
        class Meta:
            database = db
            table_name = 'status_change'
            indexes = ((('entity', 'entity_id', 'at'), False),)
    db.create_tables([StatusChange])

    class TrackingEvent(Model):
        shipment = ForeignKeyField(Shipment, on_delete='CASCADE')
        carrier = CharField(max_length=32)
        carrier_event_id = CharField(max_length=128)
        code = CharField(max_length=32)
        description = TextField(default='')
        location = CharField(max_length=200, default='')
        occurred_at = DateTimeField()
        received_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'tracking_event'
            indexes = ((('carrier', 'carrier_event_id'), True), (('shipment', 'occurred_at'), False))
    db.create_tables([TrackingEvent])

    class Waybill(Model):
        shipment = ForeignKeyField(Shipment, unique=True, on_delete='CASCADE')
        carrier = CharField(max_length=32)
        idempotency_key = CharField(unique=True, max_length=64)
        status = CharField(max_length=16, default='requested')
        waybill_number = CharField(unique=True, null=True, max_length=64)
        tracking_url = CharField(max_length=500, default='')
        attempts = IntegerField(default=0)
        last_error = TextField(default='')
        requested_at = DateTimeField()
        issued_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'waybill'
    db.create_tables([Waybill])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('waybill'))
    migrator.migrate(migrator.drop_table('tracking_event'))
    migrator.migrate(migrator.drop_table('status_change'))
    migrator.migrate(migrator.drop_table('shipment_line'))
    migrator.migrate(migrator.drop_table('shipment'))
    migrator.migrate(migrator.drop_table('return_line'))
    migrator.migrate(migrator.drop_table('return_request'))
    migrator.migrate(migrator.drop_table('reservation'))
    migrator.migrate(migrator.drop_table('stock'))
    migrator.migrate(migrator.drop_table('outbox_message'))
    migrator.migrate(migrator.drop_table('order_line'))
    migrator.migrate(migrator.drop_table('lane'))
    migrator.migrate(migrator.drop_table('api_token'))
    migrator.migrate(migrator.drop_table('user'))
    migrator.migrate(migrator.drop_table('advance_shipping_notice_line'))
    migrator.migrate(migrator.drop_table('purchase_order_line'))
    migrator.migrate(migrator.drop_table('product'))
    migrator.migrate(migrator.drop_table('advance_shipping_notice'))
    migrator.migrate(migrator.drop_table('purchase_order'))
    migrator.migrate(migrator.drop_table('order'))
    migrator.migrate(migrator.drop_table('warehouse'))
    migrator.migrate(migrator.drop_table('partner'))
