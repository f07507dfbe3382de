"""The language each user reads the portal in, and each partner's for the documents it receives (dispatch notes,
invoices, purchase orders). '' means none chosen: the browser's choice, or English on paper."""

COLUMNS = (
    ('user', 'locale', "VARCHAR(16) NOT NULL DEFAULT ''"),
    ('partner', 'locale', "VARCHAR(16) NOT NULL DEFAULT ''"),
)


def up(migrator, db):
    for table, column, definition in COLUMNS:
        db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "{column}" {definition}')


def down(migrator, db):
    migrator.migrate(*(migrator.drop_column(table, column) for table, column, _ in reversed(COLUMNS)))
