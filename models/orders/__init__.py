"""Canonical orders, their lines and reservations, their state machine, the pipeline steps and cancellation."""
