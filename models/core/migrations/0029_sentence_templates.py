"""The template and values of sentences kept as text (models.core.texts), as JSON beside the English: how an order
line was priced and taxed, and why a replenishment suggestion orders what it does. NULL for rows written before."""

COLUMNS = (
    ('order_line', 'price_note_text', "TEXT NULL"),
    ('replenishment_suggestion', 'explanation_text', "TEXT NULL"),
)


def up(migrator, db):
    for table, column, definition in COLUMNS:
        db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "{column}" {definition}')


def down(migrator, db):
    migrator.migrate(*(migrator.drop_column(table, column) for table, column, _ in reversed(COLUMNS)))
