"""Products, warehouses, lanes and live stock per warehouse: movements, transfers, low-stock alerts."""
