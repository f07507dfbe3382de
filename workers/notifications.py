"""Notifications: low-stock alert mails to the supplier and ops, sent after the alert is committed."""
import dramatiq

from models.stages import ALERT_MAILS
from models.stock_alerts import mail_stock_alert
from workers.batch import run_for_each
from workers.broker import current_settings
from workers.options import MAIL_STAGE


@dramatiq.actor(queue_name=ALERT_MAILS.queue_name, actor_name=ALERT_MAILS.actor_name, **MAIL_STAGE)
def mail_stock_alerts(alert_ids: list[int]) -> None:
    settings = current_settings()
    run_for_each(alert_ids, lambda alert_id: mail_stock_alert(alert_id, settings), what="low-stock mail for alert")
