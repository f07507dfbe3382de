"""Drop-ship: the supplier ships a sales order's lines straight to the customer; its ASN becomes the shipment."""
from __future__ import annotations


def ship_dropship_asn(asn_id: int, *, actor: str) -> int:
    """Turn a drop-ship PO's ASN into the sales order's shipment (inside the caller's transaction); its id."""
    raise NotImplementedError
