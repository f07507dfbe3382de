"""Currencies: exchange rates by day against the base currency, and converting money between currencies."""
