"""Invoices, payments and each customer's outstanding balance."""
