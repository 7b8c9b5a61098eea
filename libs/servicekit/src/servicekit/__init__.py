"""Plumbing every lexseal service uses the same way."""
