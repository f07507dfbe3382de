"""Order intake: import batches and their row errors, column mappings, sales channels, inbound mail;
orders remember their source; a line may wait for its SKU to be matched (product NULL)."""
from peewee import *


def up(migrator, db):
    class Partner(Model):
        class Meta:
            database = db
            table_name = 'partner'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class ColumnMapping(Model):
        distributor = ForeignKeyField(Partner, unique=True, on_delete='CASCADE')
        mapping_json = TextField(default='{}')
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'column_mapping'
    db.create_tables([ColumnMapping])

    class ImportBatch(Model):
        channel = CharField(max_length=16, default='file')
        distributor = ForeignKeyField(Partner, null=True, on_delete='RESTRICT')
        submitted_by = CharField(max_length=254)
        filename = CharField()
        stored_path = CharField(max_length=500, default='')
        sha256 = CharField(index=True, max_length=64)
        size_bytes = BigIntegerField(default=0)
        status = CharField(max_length=16, default='processing')
        rows = IntegerField(default=0)
        orders_accepted = IntegerField(default=0)
        orders_rejected = IntegerField(default=0)
        orders_duplicate = IntegerField(default=0)
        lines_accepted = IntegerField(default=0)
        failure = TextField(default='')
        created_at = DateTimeField()
        finished_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'import_batch'
            indexes = ((('distributor', 'created_at'), False),)
    db.create_tables([ImportBatch])

    class ImportRowError(Model):
        batch = ForeignKeyField(ImportBatch, on_delete='CASCADE')
        row = IntegerField()
        external_ref = CharField(max_length=128, default='')
        field = CharField(max_length=64, default='')
        message = TextField()
        class Meta:
            database = db
            table_name = 'import_row_error'
            indexes = ((('batch', 'row'), False),)
    db.create_tables([ImportRowError])

    class IntakeMessage(Model):
        message_id = CharField(unique=True)
        mail_from = CharField(max_length=254)
        subject = CharField(max_length=500, default='')
        body_text = TextField(default='')
        stored_path = CharField(max_length=500, default='')
        status = CharField(max_length=16, default='unparsed')
        batch = ForeignKeyField(ImportBatch, null=True, on_delete='SET NULL')
        handled_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        handled_note = TextField(default='')
        received_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'intake_message'
            indexes = ((('status', 'received_at'), False),)
    db.create_tables([IntakeMessage])

    class SalesChannel(Model):
        code = CharField(unique=True, max_length=32)
        kind = CharField(max_length=16)
        name = CharField(max_length=200)
        webhook_secret = CharField()
        customer = ForeignKeyField(Partner, on_delete='RESTRICT')
        default_region = CharField(max_length=64, default='')
        region_map_json = TextField(default='{}')
        active = BooleanField(default=True)
        class Meta:
            database = db
            table_name = 'sales_channel'
            constraints = [SQL("CHECK (kind IN ('shopify', 'woocommerce'))")]
    db.create_tables([SalesChannel])

    migrator.migrate(
        migrator.add_column("order", "submitted_by", CharField(max_length=254, default="")),
        migrator.add_column("order", "source_batch_id",
                            ForeignKeyField(ImportBatch, null=True, field=ImportBatch.id, on_delete="SET NULL")),
        migrator.add_column("order", "source_message_id",
                            ForeignKeyField(IntakeMessage, null=True, field=IntakeMessage.id, on_delete="SET NULL")),
        migrator.drop_not_null("order_line", "product_id"),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column("order", "source_message_id"),
        migrator.drop_column("order", "source_batch_id"),
        migrator.drop_column("order", "submitted_by"),
    )
    migrator.migrate(migrator.drop_table('sales_channel'))
    migrator.migrate(migrator.drop_table('intake_message'))
    migrator.migrate(migrator.drop_table('import_row_error'))
    migrator.migrate(migrator.drop_table('import_batch'))
    migrator.migrate(migrator.drop_table('column_mapping'))
