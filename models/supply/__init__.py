"""The supplier side: purchase orders, advance shipping notices, receipts and the supplier scorecard."""
