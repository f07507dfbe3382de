"""The template and values of an order file's row error (models.core.texts), as JSON beside the English, so the
import page reads in its reader's language. NULL for errors stored before."""

COLUMNS = (
    ('import_row_error', 'message_text', "TEXT NULL"),
)


def up(migrator, db):
    for table, column, definition in COLUMNS:
        db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "{column}" {definition}')


def down(migrator, db):
    migrator.migrate(*(migrator.drop_column(table, column) for table, column, _ in reversed(COLUMNS)))
