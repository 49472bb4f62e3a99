"""Ordinary discounts and invalid input, but no test of rounding or of a
100 % discount."""
import pytest

from discount import calculate_discount


def test_ten_percent_off():
    assert calculate_discount(100, 10) == 90


def test_percent_above_100_is_refused():
    with pytest.raises(ValueError):
        calculate_discount(50, 120)


def test_negative_price_is_refused():
    with pytest.raises(ValueError):
        calculate_discount(-5, 10)
