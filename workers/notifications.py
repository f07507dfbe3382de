"""Notifications: low-stock alert mails to the supplier and ops, and shipment mails to the customer, each
sent after what it reports is committed."""
import dramatiq

from models.core.stages import ALERT_MAILS, SHIPMENT_MAILS
from models.inventory.alerts import mail_stock_alert
from models.shipping.events import mail_shipment_event
from workers.batch import run_for_each
from workers.broker import current_settings
from workers.options import MAIL_STAGE


@dramatiq.actor(queue_name=ALERT_MAILS.queue_name, actor_name=ALERT_MAILS.actor_name, **MAIL_STAGE)
def mail_stock_alerts(alert_ids: list[int]) -> None:
    settings = current_settings()
    run_for_each(alert_ids, lambda alert_id: mail_stock_alert(alert_id, settings), what="low-stock mail for alert")


@dramatiq.actor(queue_name=SHIPMENT_MAILS.queue_name, actor_name=SHIPMENT_MAILS.actor_name, **MAIL_STAGE)
def mail_shipment_events(event_ids: list[int]) -> None:
    settings = current_settings()
    run_for_each(event_ids, lambda event_id: mail_shipment_event(event_id, settings),
                 what="customer mail for shipment event")
