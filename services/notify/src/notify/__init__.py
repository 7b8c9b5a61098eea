"""lexseal notify."""
