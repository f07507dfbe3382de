"""Replenishment suggestions per SKU × warehouse from the forecasts, stock, incoming goods and backorders."""
from __future__ import annotations


def compute_replenishment(product_ids: list[int] | None = None, *, actor: str) -> int:
    """Recompute the suggestions of ``product_ids`` (None: every product); returns how many rows changed."""
    raise NotImplementedError
