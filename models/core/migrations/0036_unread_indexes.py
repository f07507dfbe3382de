"""Two indexes every order writes an entry to and no query reads: a shipment's own index on its events (the unique
(shipment, kind, booking) index leads with the shipment and serves every look-up by it), and the reviews' index by
rule set (rule sets are versioned, never deleted, and no page or report selects reviews by version)."""
UNREAD = {  # name: (table, column)
    "shipmentevent_shipment_id": ("shipment_event", "shipment_id"),
    "orderreview_rule_set_id": ("order_review", "rule_set_id"),
}


def up(migrator, db):
    for name in UNREAD:
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')


def down(migrator, db):
    for name, (table, column) in UNREAD.items():
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")')
