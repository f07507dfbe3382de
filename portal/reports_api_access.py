"""Who may read the report APIs: ops tokens everything, a supplier token its own SKUs; others get 403."""
from __future__ import annotations

from flask import g

from models.core.errors import PermissionDenied


def require_ops_token() -> None:
    if not g.api_user.is_ops:
        raise PermissionDenied(f"role {g.api_user.role} may not read this report")


def supplier_scope(report: str) -> int | None:
    """The supplier whose SKUs an API token may see in ``report``: None (every SKU) for ops, its own partner id for
    a supplier; PermissionDenied for any other role."""
    user = g.api_user
    if user.role == "supplier" and user.partner_id is not None:
        return user.partner_id
    if user.is_ops:
        return None
    raise PermissionDenied(f"role {user.role} may not read the {report} report")
