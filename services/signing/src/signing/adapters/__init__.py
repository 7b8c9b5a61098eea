"""PDF, PKI, timestamp and seal adapters of the signing service."""
