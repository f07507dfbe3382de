"""Every channel into one canonical order: API and phone entry, order files, mail, marketplace webhooks, SKU
matching."""
