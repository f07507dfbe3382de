"""After-sales: return rule-set versions, what each return decided and why, exchange SKUs and inspection per
line, reverse labels (one per return), refunds (one per return), return photos, quarantined stock, final-sale
SKUs and order feedback."""
from datetime import datetime, timezone

from peewee import *

DEFAULT_RETURN_RULES = (
    '{"auto_approve_reasons": ["damaged", "defective", "wrong_item"], "enabled": ["already_returned", '
    '"final_sale", "reason", "refund_amount", "return_rate", "window"], "max_auto_refund": "1000.00", '
    '"max_return_rate": "0.30", "refund_on_approval_below": "0.00", "return_rate_min_orders": 5, '
    '"window_days": 30}')


def up(migrator, db):
    class Order(Model):
        class Meta:
            database = db
            table_name = 'order'

    class Product(Model):
        class Meta:
            database = db
            table_name = 'product'

    class Partner(Model):
        class Meta:
            database = db
            table_name = 'partner'

    class Warehouse(Model):
        class Meta:
            database = db
            table_name = 'warehouse'

    class ReturnRequest(Model):
        class Meta:
            database = db
            table_name = 'return_request'

    migrator.migrate(
        migrator.add_column('product', 'final_sale', BooleanField(default=False)),
        migrator.add_column('stock', 'quarantined', IntegerField(default=0)),
        migrator.add_column('return_request', 'currency', CharField(max_length=3, default='USD')),
        migrator.add_column('return_request', 'rule_set_version', IntegerField(null=True)),
        migrator.add_column('return_request', 'requested_via', CharField(max_length=32, default='api')),
        migrator.add_column('return_request', 'requested_by', CharField(max_length=254, default='')),
        migrator.add_column('return_request', 'decided_by', CharField(max_length=254, default='')),
        migrator.add_column('return_request', 'decided_at', DateTimeField(null=True)),
        migrator.add_column('return_request', 'decision_note', TextField(default='')),
        migrator.add_column('return_request', 'warehouse_id',
                            ForeignKeyField(Warehouse, field=Warehouse.id, null=True, on_delete='RESTRICT')),
        migrator.add_column('return_line', 'unit_price', DecimalField(max_digits=14, decimal_places=2, default=0)),
        migrator.add_column('return_line', 'exchange_product_id',
                            ForeignKeyField(Product, field=Product.id, null=True, on_delete='RESTRICT')),
        migrator.add_column('return_line', 'supplier_id',
                            ForeignKeyField(Partner, field=Partner.id, null=True, on_delete='SET NULL')),
        migrator.add_column('return_line', 'inspected_at', DateTimeField(null=True)),
        migrator.add_column('return_line', 'inspection_note', TextField(default='')),
    )
    db.execute_sql('CREATE INDEX return_line_supplier ON return_line (supplier_id) WHERE supplier_id IS NOT NULL')

    class ReturnRuleSet(Model):
        document_json = TextField()
        created_by = CharField(max_length=254)
        note = CharField(max_length=500, default='')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'return_rule_set'

    class ReturnLabel(Model):
        return_request = ForeignKeyField(ReturnRequest, unique=True, on_delete='CASCADE')
        carrier = CharField(max_length=32)
        idempotency_key = CharField(max_length=64, unique=True)
        status = CharField(max_length=16, default='requested')
        waybill_number = CharField(max_length=64, null=True, unique=True)
        tracking_url = CharField(max_length=500, default='')
        attempts = IntegerField(default=0)
        last_error = TextField(default='')
        last_attempt_at = DateTimeField(null=True)
        requested_at = DateTimeField()
        issued_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'return_label'

    class Refund(Model):
        return_request = ForeignKeyField(ReturnRequest, unique=True, on_delete='RESTRICT')
        customer = ForeignKeyField(Partner, on_delete='RESTRICT')
        amount = DecimalField(max_digits=14, decimal_places=2)
        currency = CharField(max_length=3)
        method = CharField(max_length=16)
        reference = CharField(max_length=80, unique=True)
        status = CharField(max_length=16)
        created_by = CharField(max_length=254)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'refund'
            constraints = [SQL('CHECK (amount >= 0)')]

    class ReturnPhoto(Model):
        return_request = ForeignKeyField(ReturnRequest, on_delete='CASCADE')
        filename = CharField(max_length=200)
        content_type = CharField(max_length=64)
        size_bytes = IntegerField()
        stored_name = CharField(max_length=100, unique=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'return_photo'

    class OrderFeedback(Model):
        order = ForeignKeyField(Order, unique=True, on_delete='CASCADE')
        rating = IntegerField()
        comment = TextField(default='')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'order_feedback'
            constraints = [SQL('CHECK (rating BETWEEN 1 AND 5)')]

    db.create_tables([ReturnRuleSet, ReturnLabel, Refund, ReturnPhoto, OrderFeedback])
    ReturnRuleSet.insert(document_json=DEFAULT_RETURN_RULES, created_by='system', note='defaults',
                         created_at=datetime.now(timezone.utc).replace(tzinfo=None)).execute()


def down(migrator, db):
    for table in ('order_feedback', 'return_photo', 'refund', 'return_label', 'return_rule_set'):
        migrator.migrate(migrator.drop_table(table))
    db.execute_sql('DROP INDEX return_line_supplier')
    migrator.migrate(
        *(migrator.drop_column('return_line', c) for c in
          ('inspection_note', 'inspected_at', 'supplier_id', 'exchange_product_id', 'unit_price')),
        *(migrator.drop_column('return_request', c) for c in
          ('warehouse_id', 'decision_note', 'decided_at', 'decided_by', 'requested_by', 'requested_via',
           'rule_set_version', 'currency')),
        migrator.drop_column('stock', 'quarantined'),
        migrator.drop_column('product', 'final_sale'))
