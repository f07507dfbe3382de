"""Order review: rule-set versions, the decision of every review, backorder permission per customer and SKU."""
from datetime import datetime, timezone

from peewee import *

DEFAULT_RULES = (
    '{"amount_hold_threshold": "25000.00", "amount_senior_threshold": "100000.00", "duplicate_window_minutes": 60, '
    '"enabled": ["amount", "credit_limit", "customer_blocked", "duplicate", "overdue", "ship_to", "stock", '
    '"unknown_sku"], "hold_max_age_days": 0, "overdue_grace_days": 0, "overrides": {}}')


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("partner", "allow_backorders", BooleanField(default=True)),
        migrator.add_column("product", "allow_backorders", BooleanField(default=True)),
    )

    class Order(Model):
        class Meta:
            database = db
            table_name = 'order'

    class ReviewRuleSet(Model):
        document_json = TextField()
        created_by = CharField(max_length=254)
        note = CharField(max_length=500, default='')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'review_rule_set'

    class OrderReview(Model):
        order = ForeignKeyField(Order, on_delete='CASCADE', index=False)
        outcome = CharField(max_length=16)
        rule_set = ForeignKeyField(ReviewRuleSet, on_delete='RESTRICT')
        reasons_json = TextField(default='[]')
        codes = CharField(max_length=255, default='')
        release_roles = CharField(max_length=255, default='')
        actor = CharField(max_length=254)
        decided_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'order_review'
            indexes = ((('order', 'id'), False),)
    db.create_tables([ReviewRuleSet, OrderReview])
    # Version 1: the defaults every decision made before ops change anything is recorded under.
    ReviewRuleSet.insert(document_json=DEFAULT_RULES, created_by='system', note='defaults',
                         created_at=datetime.now(timezone.utc).replace(tzinfo=None)).execute()


def down(migrator, db):
    migrator.migrate(migrator.drop_table('order_review'))
    migrator.migrate(migrator.drop_table('review_rule_set'))
    migrator.migrate(migrator.drop_column("product", "allow_backorders"),
                     migrator.drop_column("partner", "allow_backorders"))
