"""Enrichment: quotes with their speakers, and named entities."""
