"""The one validator of configuration fields: every error names the field, the allowed range and the value."""

from __future__ import annotations

import math
import numbers


def check_int(name: str, value: object, low: int | None = None, high: int | None = None) -> None:
    """Raise ``ValueError`` unless ``value`` is an integer (not a bool) in [low, high]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer{_range(low, high, True, True)}, got {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{name} must be an integer{_range(low, high, True, True)}, got {value!r}")


def check_number(
    name: str,
    value: object,
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
    allow_none: bool = False,
) -> None:
    """Raise ``ValueError`` unless ``value`` is a finite real number (not a bool) in the given range; bounds are
    closed unless ``low_open``/``high_open``. ``allow_none`` accepts ``None`` as "not set"."""
    if value is None and allow_none:
        return
    bounds = _range(low, high, not low_open, not high_open)
    what = f"{'None or ' if allow_none else ''}a finite number{bounds}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be {what}, got {value!r}")
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high:
        raise ValueError(f"{name} must be {what}, got {value!r}")


def check_choice(name: str, value: object, choices: tuple) -> None:
    """Raise ``ValueError`` unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")


def _range(low, high, low_closed: bool, high_closed: bool) -> str:
    if low is None and high is None:
        return ""
    if high is None:
        return f" {'>=' if low_closed else '>'} {low}"
    if low is None:
        return f" {'<=' if high_closed else '<'} {high}"
    return f" in {'[' if low_closed else '('}{low}, {high}{']' if high_closed else ')'}"
