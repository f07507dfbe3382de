"""The supplier's mail when one of its purchase orders is sent, changed or cancelled."""
from __future__ import annotations

from models.core.config import Settings


def mail_purchase_order_update(purchase_order_id: int, event: str, settings: Settings) -> bool:
    """Mail the supplier what ``event`` means for the purchase order; False when there is no one to tell."""
    raise NotImplementedError
