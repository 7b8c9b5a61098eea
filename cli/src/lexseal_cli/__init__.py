"""lexseal's command line, a client of the gateway only."""
