"""Every actor of the pipeline: the module `dramatiq` (and `oms worker`) loads."""
from workers import broker  # noqa: F401 - installs the broker before the actors are declared
from workers.allocation import allocate_orders
from workers.forecasts import recompute_forecasts
from workers.intake import intake_orders
from workers.notifications import mail_shipment_events, mail_stock_alerts
from workers.replenishment import compute_replenishment
from workers.reports import refresh_report_rollups
from workers.return_mails import mail_return_updates
from workers.returns import advance_returns
from workers.review import review_orders
from workers.shipping import create_shipments, release_failed_bookings, request_waybills
from workers.supplier_mails import mail_purchase_order_updates
from workers.tracking import poll_tracking
from workers.webhooks import deliver_webhooks

ACTORS = (intake_orders, review_orders, allocate_orders, create_shipments, request_waybills, release_failed_bookings,
          poll_tracking, advance_returns, mail_stock_alerts, mail_shipment_events, mail_return_updates,
          mail_purchase_order_updates, recompute_forecasts, compute_replenishment,
          refresh_report_rollups, deliver_webhooks)
