"""The customer's return mails, one per step of a return, sent after the step is committed."""
import dramatiq

from models.core.stages import RETURN_MAILS
from models.returns.mails import mail_return_update
from workers.broker import current_settings
from workers.options import MAIL_STAGE


@dramatiq.actor(queue_name=RETURN_MAILS.queue_name, actor_name=RETURN_MAILS.actor_name, **MAIL_STAGE)
def mail_return_updates(return_id: int, status: str) -> None:
    """Mail the customer about ``status`` of the return; an SMTP failure raises and is retried."""
    mail_return_update(return_id, status, current_settings())
