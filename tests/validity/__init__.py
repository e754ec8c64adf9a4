"""Validity suite: tests of what a score means (ablations, rewrites, gamed texts, the document gate)."""
