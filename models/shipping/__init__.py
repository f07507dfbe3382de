"""Shipments, carrier choice, waybills booked once, dispatch documents, tracking and its public lookup."""
