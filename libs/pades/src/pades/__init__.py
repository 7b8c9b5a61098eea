"""lexseal's PAdES engine: page geometry, PDF preparation, QR stamp, seals, signing, LTV and
verification. It knows no service: keys, certificates and time-stamps are handed in."""

from .hexstrings import install as _install_hex_reader

_install_hex_reader()
