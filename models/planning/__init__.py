"""Demand planning: forecasts of weekly demand per SKU and warehouse, and the replenishment they suggest."""
