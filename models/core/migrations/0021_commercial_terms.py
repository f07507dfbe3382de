"""Commercial terms on the tables every context shares: how each order line was priced (given or resolved, the
resolved list price and its explanation) and taxed, the order's tax total and whether its prices include tax, the
customer's currency and group, and the product's tax class.

Each column is added with a constant database default (one ALTER each: no table rebuild on SQLite, no rewrite on
PostgreSQL), so the bulk writers that name their columns (COPY, multi-row INSERT) keep working unchanged."""

COLUMNS = (
    ('order_line', 'price_given', 'BOOLEAN NOT NULL DEFAULT TRUE'),
    ('order_line', 'list_price', 'NUMERIC(14, 2)'),
    ('order_line', 'price_note', "TEXT NOT NULL DEFAULT ''"),
    ('order_line', 'tax_rate', 'NUMERIC(7, 4) NOT NULL DEFAULT 0'),
    ('order_line', 'tax_amount', 'NUMERIC(14, 2) NOT NULL DEFAULT 0'),
    ('order', 'tax_total', 'NUMERIC(14, 2) NOT NULL DEFAULT 0'),
    ('order', 'prices_include_tax', 'BOOLEAN NOT NULL DEFAULT FALSE'),
    ('partner', 'currency', "VARCHAR(3) NOT NULL DEFAULT 'USD'"),
    ('partner', 'customer_group', "VARCHAR(64) NOT NULL DEFAULT ''"),
    ('product', 'tax_class', "VARCHAR(32) NOT NULL DEFAULT 'standard'"),
)


def up(migrator, db):
    for table, column, definition in COLUMNS:
        db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "{column}" {definition}')


def down(migrator, db):
    migrator.migrate(*(migrator.drop_column(table, column) for table, column, _ in reversed(COLUMNS)))
