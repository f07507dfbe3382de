"""Who may read the ops-only report APIs: ops tokens; any other role is refused with 403."""
from __future__ import annotations

from flask import g

from models.core.errors import PermissionDenied


def require_ops_token() -> None:
    if not g.api_user.is_ops:
        raise PermissionDenied(f"role {g.api_user.role} may not read this report")
