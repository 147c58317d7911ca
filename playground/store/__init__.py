"""The store layer: `from playground.store import api as store`, then `store.get(...)`, `store.apply(...)`.

This package imports nothing above it (import-linter checks it in CI).
"""
