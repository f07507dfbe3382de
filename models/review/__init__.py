"""Order review: the pure credit, amount, stock and block rules, their versioned settings, decisions and holds."""
