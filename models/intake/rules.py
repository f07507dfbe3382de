"""Whose order reference is it: the intake scope in which a (channel, external_ref) names one order.

Pure rules: standard library only. An external_ref is the submitter's own number (a distributor's PO, a
customer's PO keyed in by ops, a shop's order id), so two submitters may use the same one: idempotency and
duplicate detection compare (channel, scope, external_ref), and the unique index on orders holds the same key.
The scope is a non-empty text, never NULL, because a unique index treats NULLs as all different.
"""
from __future__ import annotations


def partner_scope(partner_id: int) -> str:
    """A partner's own references: what its users, API tokens, uploads and order mails submit."""
    return f"partner:{partner_id}"


OPS_SCOPE_PREFIX = "ops:customer:"  # then the customer's id


def ops_scope(customer_id: int) -> str:
    """References keyed in by ops staff (no partner) are the customer's own PO numbers: scoped per customer,
    so two customers' PO-100 are two orders and ops re-sending one is still answered with the first."""
    return f"{OPS_SCOPE_PREFIX}{customer_id}"


def channel_scope(channel_code: str) -> str:
    """A marketplace channel's order ids, apart from every order submitted through the API or portal."""
    return f"channel:{channel_code}"


def submitter_scope(*, placed_by_id: int | None, customer_id: int) -> str:
    """The scope of an order placed by a partner (``placed_by_id``) or, with None, by ops for ``customer_id``."""
    return partner_scope(placed_by_id) if placed_by_id is not None else ops_scope(customer_id)
