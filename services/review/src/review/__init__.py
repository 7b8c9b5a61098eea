"""lexseal review."""
