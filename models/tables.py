"""Every table of the OMS, in an order they can be created in: each context's tables module registers its own
(see models.core.registry); importing them all here collects the whole schema."""
from models.allocation import config as _allocation_config  # noqa: F401
from models.core import audit as _audit  # noqa: F401
from models.core import outbox as _outbox  # noqa: F401
from models.core import rate_limits as _rate_limits  # noqa: F401
from models.core.registry import registered_tables
from models.currency import tables as _currency_tables  # noqa: F401
from models.intake import tables as _intake_tables  # noqa: F401
from models.inventory import tables as _inventory_tables  # noqa: F401
from models.operations import queue_tables as _queue_tables  # noqa: F401
from models.orders import allocation_plans as _allocation_plans  # noqa: F401
from models.orders import change_tables as _order_change_tables  # noqa: F401
from models.orders import tables as _orders_tables  # noqa: F401
from models.partners import tables as _partners_tables  # noqa: F401
from models.planning import tables as _planning_tables  # noqa: F401
from models.pricing import tax_tables as _tax_tables  # noqa: F401
from models.pricing import versions as _price_book_versions  # noqa: F401
from models.receivables import ledger as _ledger  # noqa: F401
from models.reports import inventory_tables as _inventory_report_tables  # noqa: F401
from models.reports import tables as _reports_tables  # noqa: F401
from models.returns import tables as _returns_tables  # noqa: F401
from models.review import reviews as _reviews  # noqa: F401
from models.shipping import tables as _shipping_tables  # noqa: F401
from models.supply import tables as _supply_tables  # noqa: F401
from models.webhooks import tables as _webhook_tables  # noqa: F401

ALL_TABLES = registered_tables()
