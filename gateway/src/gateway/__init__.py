"""lexseal gateway."""
