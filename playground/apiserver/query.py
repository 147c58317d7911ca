"""A request's query parameters read as the API server reads them: a bad one is a 400 naming it."""
from __future__ import annotations

from playground.store.errors import BadRequest


def count(value: str | None, name: str) -> int | None:
    """A whole number, zero or more (`limit`, `tailLines`, `timeoutSeconds`, a resourceVersion);
    None when the parameter is absent or empty."""
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f'{name}: Invalid value: "{value}": must be an integer') from None
    if number < 0:
        raise BadRequest(f'{name}: Invalid value: "{value}": must be zero or more')
    return number
