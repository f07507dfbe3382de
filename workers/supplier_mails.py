"""The supplier's purchase-order mails, sent after the change is committed."""
import dramatiq

from models.core.stages import SUPPLIER_MAILS
from models.supply.mails import mail_purchase_order_update
from workers.broker import current_settings
from workers.options import MAIL_STAGE


@dramatiq.actor(queue_name=SUPPLIER_MAILS.queue_name, actor_name=SUPPLIER_MAILS.actor_name, **MAIL_STAGE)
def mail_purchase_order_updates(purchase_order_id: int, event: str) -> None:
    """Mail the supplier about ``event`` (sent, changed, cancelled…) of the purchase order; SMTP failures retry."""
    mail_purchase_order_update(purchase_order_id, event, current_settings())
