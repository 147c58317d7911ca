"""kubectl's own errors: what it prints after `error: ` when it refuses before or after asking
the API server (cmdutil.CheckErr). Errors from the server (NotFound, Invalid, ...) are the
store's (playground/store/errors.py) and pass through unchanged.
"""
from __future__ import annotations


class KubectlError(Exception):
    """What kubectl prints after `error: `."""
