"""Drop single-column indexes that a composite index already leads with: every order written pays for
each index, and bulk imports write tens of thousands of orders at a time."""


def up(migrator, db):
    migrator.migrate(
        migrator.drop_index("order", "order_customer_id"),  # covered by (customer_id, status)
        migrator.drop_index("order", "order_placed_by_id"),  # covered by (placed_by_id, created_at)
        migrator.drop_index("order_line", "orderline_order_id"),  # covered by (order_id, line_no)
    )


def down(migrator, db):
    migrator.migrate(
        migrator.add_index("order", ("customer_id",)),
        migrator.add_index("order", ("placed_by_id",)),
        migrator.add_index("order_line", ("order_id",)),
    )
