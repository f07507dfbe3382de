"""Outbound webhooks (Standard Webhooks): subscriptions of ops and partners, the events fanned out to them from
rows their changes committed, and the signed deliveries with their retries, log and automatic disabling."""
