"""lexseal contract."""
