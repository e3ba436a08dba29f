"""Exchanging case files with other systems: what goes out, in which format,
through the confidentiality policy (cases/policy.py)."""
