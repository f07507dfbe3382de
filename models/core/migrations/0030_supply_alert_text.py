"""The template and values of a supply alert's message (models.core.texts), as JSON beside the English, so the
alerts page reads in its reader's language. NULL for alerts raised before."""

COLUMNS = (
    ('supply_alert', 'message_text', "TEXT NULL"),
)


def up(migrator, db):
    for table, column, definition in COLUMNS:
        db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "{column}" {definition}')


def down(migrator, db):
    migrator.migrate(*(migrator.drop_column(table, column) for table, column, _ in reversed(COLUMNS)))
