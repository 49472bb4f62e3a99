"""Tests for calculate_discount(price, percent) in discount.py.

Write tests that pass on a correct calculate_discount and fail on a wrong
one. Each test is a function whose name starts with test_.
"""
import pytest

from discount import calculate_discount


def test_ten_percent_off():
    assert calculate_discount(100, 10) == 90


# More tests here: what about 0 %, 100 %, prices that do not divide evenly,
# invalid input (pytest.raises), ...?
