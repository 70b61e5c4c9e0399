"""Helpers every gap-layer module shares: patching moto methods, and AWS's wording for constraint errors."""

from __future__ import annotations

import functools
from typing import Any


def _patch(cls: Any, name: str):
    """Replace cls.name with the decorated function; the original is passed as the first argument."""

    def wrap(fn):
        original = getattr(cls, name)

        @functools.wraps(original)
        def patched(*args: Any, **kwargs: Any) -> Any:
            return fn(original, *args, **kwargs)

        setattr(cls, name, patched)
        return fn

    return wrap


def _constraint(value: Any, where: str, constraint: str) -> str:
    """AWS's wording for a request that fails the API model's constraints (Coral validation)."""
    return f"1 validation error detected: Value '{value}' at '{where}' failed to satisfy constraint: {constraint}"


def _check_range(value: Any, where: str, low: int, high: int, error: type) -> None:
    if value is None:
        return
    if not isinstance(value, int) or value < low:
        raise error(_constraint(value, where, f"Member must have value greater than or equal to {low}"))
    if value > high:
        raise error(_constraint(value, where, f"Member must have value less than or equal to {high}"))


def _check_enum(value: Any, where: str, allowed: list[str], error: type) -> None:
    if value is not None and value not in allowed:
        raise error(_constraint(value, where, f"Member must satisfy enum value set: [{', '.join(allowed)}]"))
