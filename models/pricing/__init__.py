"""Commercial terms: price lists, contract prices and the versioned price book that holds them, how an order line
is priced (rules.py resolves and explains), their import and editing, and tax rates."""
