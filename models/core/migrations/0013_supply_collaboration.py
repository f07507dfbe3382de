"""Supply collaboration: purchase orders with confirmations, counter-proposals and revisions; ASNs dated and
turned into drop-ship shipments; receipts with discrepancies; supply alerts; supplier pack sizes and automatic
replenishment switches; demand forecasts and replenishment suggestions."""
from peewee import *


def _table(db, name):
    class Table(Model):
        class Meta:
            database = db
            table_name = name
    return Table


def up(migrator, db):
    Partner, Product, Warehouse = _table(db, 'partner'), _table(db, 'product'), _table(db, 'warehouse')
    OrderLine, Shipment = _table(db, 'order_line'), _table(db, 'shipment')
    PurchaseOrder, PurchaseOrderLine = _table(db, 'purchase_order'), _table(db, 'purchase_order_line')
    Asn = _table(db, 'advance_shipping_notice')
    migrator.migrate(
        migrator.add_column('purchase_order', 'origin', CharField(max_length=16, default='manual')),
        migrator.add_column('purchase_order', 'created_by', CharField(max_length=254, default='')),
        migrator.add_column('purchase_order', 'note', TextField(default='')),
        migrator.add_column('purchase_order', 'revision', IntegerField(default=0)),
        migrator.add_column('purchase_order', 'sent_at', DateTimeField(null=True)),
        migrator.add_column('purchase_order', 'answered_at', DateTimeField(null=True)),
        migrator.add_column('purchase_order', 'confirm_by', DateTimeField(null=True)),
        migrator.add_column('purchase_order', 'closed_at', DateTimeField(null=True)),
        migrator.add_column('purchase_order', 'status_reason', TextField(default='')),
        migrator.add_index('purchase_order', ('status', 'status_changed_at'), False),
        migrator.add_column('purchase_order_line', 'order_line_id',
                            ForeignKeyField(OrderLine, field=OrderLine.id, null=True, on_delete='RESTRICT')),
        migrator.add_column('purchase_order_line', 'confirmed_quantity', IntegerField(null=True)),
        migrator.add_column('purchase_order_line', 'promised_date', DateField(null=True)),
        migrator.add_column('purchase_order_line', 'proposed_quantity', IntegerField(null=True)),
        migrator.add_column('purchase_order_line', 'proposed_date', DateField(null=True)),
        migrator.add_column('purchase_order_line', 'confirmed_at', DateTimeField(null=True)),
        migrator.add_column('purchase_order_line', 'damaged_quantity', IntegerField(default=0)),
        migrator.drop_column('advance_shipping_notice', 'expected_at'),
        migrator.add_column('advance_shipping_notice', 'expected_on', DateField(null=True)),
        migrator.add_column('advance_shipping_notice', 'shipment_id',
                            ForeignKeyField(Shipment, field=Shipment.id, null=True, unique=True,
                                            on_delete='SET NULL')),
        migrator.add_column('advance_shipping_notice', 'created_by', CharField(max_length=254, default='')),
        migrator.add_column('advance_shipping_notice', 'received_at', DateTimeField(null=True)),
        migrator.drop_not_null('shipment', 'warehouse_id'),
        migrator.add_column('shipment', 'supplier_id',
                            ForeignKeyField(Partner, field=Partner.id, null=True, on_delete='RESTRICT')),
        migrator.add_column('product', 'pack_size', IntegerField(default=1)),
        migrator.add_column('product', 'min_order_quantity', IntegerField(default=0)),
        migrator.add_column('product', 'auto_replenish', BooleanField(default=False)),
        migrator.add_column('partner', 'auto_replenish', BooleanField(default=False)),
    )

    class PurchaseReceipt(Model):
        purchase_order = ForeignKeyField(PurchaseOrder, on_delete='CASCADE')
        asn = ForeignKeyField(Asn, null=True, on_delete='SET NULL')
        received_at = DateTimeField()
        actor = CharField(max_length=254)
        note = TextField(default='')
        class Meta:
            database = db
            table_name = 'purchase_receipt'

    class PurchaseReceiptLine(Model):
        receipt = ForeignKeyField(PurchaseReceipt, on_delete='CASCADE')
        purchase_order_line = ForeignKeyField(PurchaseOrderLine, on_delete='RESTRICT')
        announced_quantity = IntegerField(null=True)
        received_quantity = IntegerField(default=0)
        damaged_quantity = IntegerField(default=0)
        discrepancy = CharField(max_length=32, default='')
        class Meta:
            database = db
            table_name = 'purchase_receipt_line'
            indexes = ((('receipt', 'purchase_order_line'), True),)

    class SupplyAlert(Model):
        purchase_order = ForeignKeyField(PurchaseOrder, on_delete='CASCADE')
        kind = CharField(max_length=32)
        message = TextField()
        status = CharField(max_length=8, default='open')
        raised_at = DateTimeField()
        resolved_at = DateTimeField(null=True)
        resolved_by = CharField(max_length=254, default='')
        class Meta:
            database = db
            table_name = 'supply_alert'
            indexes = ((('purchase_order', 'kind'), True), (('status', 'raised_at'), False))

    class DemandForecast(Model):
        series = CharField(max_length=140, unique=True)
        product = ForeignKeyField(Product, on_delete='CASCADE')
        warehouse = ForeignKeyField(Warehouse, null=True, on_delete='CASCADE')
        method = CharField(max_length=32)
        mase = DecimalField(max_digits=12, decimal_places=4, null=True)
        history_weeks = IntegerField()
        horizon_weeks = IntegerField()
        mean_weekly = DecimalField(max_digits=14, decimal_places=3, default=0)
        weekly_std = DecimalField(max_digits=14, decimal_places=3, default=0)
        computed_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'demand_forecast'
            indexes = ((('product', 'warehouse'), False),)

    class ForecastPeriod(Model):
        forecast = ForeignKeyField(DemandForecast, on_delete='CASCADE')
        week_start = DateField()
        quantity = DecimalField(max_digits=14, decimal_places=2)
        low = DecimalField(max_digits=14, decimal_places=2)
        high = DecimalField(max_digits=14, decimal_places=2)
        class Meta:
            database = db
            table_name = 'forecast_period'
            indexes = ((('forecast', 'week_start'), True),)

    class ForecastRun(Model):
        started_at = DateTimeField()
        finished_at = DateTimeField(null=True)
        status = CharField(max_length=16, default='running')
        series = IntegerField(default=0)
        seconds = DecimalField(max_digits=10, decimal_places=3, null=True)
        requested_by = CharField(max_length=254, default='')
        error = TextField(default='')
        class Meta:
            database = db
            table_name = 'forecast_run'

    class ReplenishmentSuggestion(Model):
        product = ForeignKeyField(Product, on_delete='CASCADE')
        warehouse = ForeignKeyField(Warehouse, on_delete='CASCADE')
        supplier = ForeignKeyField(Partner, null=True, on_delete='SET NULL')
        status = CharField(max_length=16, default='open')
        suggested_quantity = IntegerField(default=0)
        edited_quantity = IntegerField(null=True)
        reorder_point = IntegerField(default=0)
        order_up_to = IntegerField(default=0)
        safety_stock = IntegerField(default=0)
        lead_time_days = IntegerField(default=0)
        service_level = DecimalField(max_digits=6, decimal_places=4, default=0)
        sku_class = CharField(max_length=1, default='C')
        forecast_over_lead = DecimalField(max_digits=14, decimal_places=2, default=0)
        on_hand = IntegerField(default=0)
        reserved = IntegerField(default=0)
        incoming = IntegerField(default=0)
        backordered = IntegerField(default=0)
        explanation = TextField(default='')
        purchase_order = ForeignKeyField(PurchaseOrder, null=True, on_delete='SET NULL')
        computed_at = DateTimeField()
        ordered_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'replenishment_suggestion'
            indexes = ((('product', 'warehouse'), True), (('status', 'supplier'), False))

    class ReplenishmentRuleSet(Model):
        document_json = TextField()
        created_by = CharField(max_length=254)
        note = CharField(max_length=500, default='')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'replenishment_rule_set'

    db.create_tables([PurchaseReceipt, PurchaseReceiptLine, SupplyAlert, DemandForecast, ForecastPeriod,
                      ForecastRun, ReplenishmentSuggestion, ReplenishmentRuleSet])


def down(migrator, db):
    migrator.migrate(*(migrator.drop_table(name) for name in (
        'replenishment_rule_set', 'replenishment_suggestion', 'forecast_run', 'forecast_period', 'demand_forecast',
        'supply_alert', 'purchase_receipt_line', 'purchase_receipt')))
    migrator.migrate(
        migrator.drop_column('partner', 'auto_replenish'),
        *(migrator.drop_column('product', c) for c in ('auto_replenish', 'min_order_quantity', 'pack_size')),
        migrator.drop_column('shipment', 'supplier_id'),
        *(migrator.drop_column('advance_shipping_notice', c)
          for c in ('received_at', 'created_by', 'shipment_id', 'expected_on')),
        migrator.add_column('advance_shipping_notice', 'expected_at', DateTimeField(null=True)),
        *(migrator.drop_column('purchase_order_line', c) for c in (
            'damaged_quantity', 'confirmed_at', 'proposed_date', 'proposed_quantity', 'promised_date',
            'confirmed_quantity', 'order_line_id')),
        migrator.drop_index('purchase_order', 'purchase_order_status_status_changed_at'),
        *(migrator.drop_column('purchase_order', c) for c in (
            'status_reason', 'closed_at', 'confirm_by', 'answered_at', 'sent_at', 'revision', 'note', 'created_by',
            'origin')),
    )
