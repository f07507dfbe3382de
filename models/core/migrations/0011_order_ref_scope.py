"""Order references per submitter: an order's (channel, external_ref) is unique within its intake scope only
(see models.intake.rules), so one distributor's PO-1 can no longer be answered with, or block, another's.

The scope is a NOT NULL text (NULLs never collide in a unique index, on SQLite and PostgreSQL alike).
Existing orders get the scope intake would give them now: the placing partner's, the sales channel's for
webhook orders (placed by no partner, submitted by "channel:<code>"), else ops' for the order's customer.
"""


def up(migrator, db):
    # One ALTER with a constant default: no table rebuild on SQLite, no table rewrite on PostgreSQL.
    db.execute_sql('ALTER TABLE "order" ADD COLUMN "intake_scope" VARCHAR(64) NOT NULL DEFAULT \'\'')
    db.execute_sql('UPDATE "order" SET "intake_scope" = \'partner:\' || CAST("placed_by_id" AS VARCHAR(20)) '
                   'WHERE "placed_by_id" IS NOT NULL')
    db.execute_sql('UPDATE "order" SET "intake_scope" = \'channel:\' || "channel" '
                   'WHERE "placed_by_id" IS NULL AND "submitted_by" = \'channel:\' || "channel"')
    db.execute_sql('UPDATE "order" SET "intake_scope" = \'ops:customer:\' || CAST("customer_id" AS VARCHAR(20)) '
                   'WHERE "intake_scope" = \'\'')
    migrator.migrate(
        migrator.drop_index('order', 'order_channel_external_ref'),
        migrator.add_index('order', ('channel', 'external_ref', 'intake_scope'), unique=True),
    )


def down(migrator, db):
    # Fails while two submitters share a (channel, external_ref): the old key cannot hold both orders.
    migrator.migrate(
        migrator.drop_index('order', 'order_channel_external_ref_intake_scope'),
        migrator.add_index('order', ('channel', 'external_ref'), unique=True),
        migrator.drop_column('order', 'intake_scope'),
    )
