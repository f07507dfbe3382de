"""Returns: the pure approval rules and their settings, labels, receipt and inspection, refunds, exchanges, feedback."""
