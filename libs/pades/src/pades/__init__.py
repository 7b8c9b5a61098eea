"""lexseal's PAdES engine: page geometry, PDF preparation, QR stamp, seals, signing, LTV and
verification. It knows no service: keys, certificates and time-stamps are handed in."""
