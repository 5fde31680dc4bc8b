"""Copies: what a copy is (fingerprints) and how one is found and verified (dedup)."""
