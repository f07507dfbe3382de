"""Report revenue is net of tax: rebuild the sales rollups from the raw orders now that an order can carry its tax
inside its prices (0021). The first fill of the rollups moved here from 0018: the rollup code reads the columns
of every migration before this one, so it can only run after them."""


def up(migrator, db):
    from models.reports.sales_rollup import rebuild_rollups

    rebuild_rollups()


def down(migrator, db):
    pass  # the rollups rebuilt stay correct for the older code, which counted the same orders
