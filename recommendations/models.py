"""Recommendations and their implementation tracking (a later issue)."""
