"""Canonical orders, their lines and reservations, their state machine, the pipeline steps, cancellation, and
what a partner sees of an order (partner_view)."""
