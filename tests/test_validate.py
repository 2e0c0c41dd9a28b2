"""The one field validator: every error names the field, the allowed range and the value."""

import math

import pytest

from cooccur.validate import check_choice, check_int, check_number


@pytest.mark.parametrize(("value", "low", "high", "message"), [
    (2, 3, None, "L must be an integer >= 3, got 2"),
    (True, 0, None, "L must be an integer >= 0, got True"),
    (3.0, 0, 10, r"L must be an integer in \[0, 10\], got 3.0"),
    (11, None, 10, "L must be an integer <= 10, got 11"),
])
def test_check_int_refuses_and_names(value, low, high, message):
    with pytest.raises(ValueError, match=message):
        check_int("L", value, low, high)


def test_check_int_accepts_the_bounds():
    check_int("L", 3, 3, 3)
    check_int("L", 10**12)


@pytest.mark.parametrize(("value", "kwargs", "message"), [
    (0.0, {"low": 0.0, "low_open": True}, r"s must be a finite number > 0.0, got 0.0"),
    (1.0, {"low": 0.0, "high": 1.0, "high_open": True}, r"s must be a finite number in \[0.0, 1.0\), got 1.0"),
    (math.nan, {}, "s must be a finite number, got nan"),
    (None, {}, "s must be a finite number, got None"),
    ("1", {}, "s must be a finite number, got '1'"),
])
def test_check_number_refuses_and_names(value, kwargs, message):
    with pytest.raises(ValueError, match=message):
        check_number("s", value, **kwargs)


def test_check_number_accepts_none_when_allowed_and_ints():
    check_number("s", None, allow_none=True)
    check_number("s", 1, 0.0, 1.0)
    with pytest.raises(ValueError, match="s must be None or a finite number >= 0, got -1"):
        check_number("s", -1, 0, allow_none=True)


def test_check_choice_lists_the_choices():
    check_choice("init", "theory", ("theory", "kaiming"))
    with pytest.raises(ValueError, match="init must be one of 'theory', 'kaiming'; got 'glorot'"):
        check_choice("init", "glorot", ("theory", "kaiming"))
