"""Only the ordinary case: catches a missing discount and nothing else."""
from discount import calculate_discount


def test_ten_percent_off():
    assert calculate_discount(100, 10) == 90


def test_half_price():
    assert calculate_discount(30, 50) == 15
