"""A suite for calculate_discount: ordinary discounts, the edges of the
allowed range, rounding to cents, the 0.01 floor and invalid input."""
import pytest

from discount import calculate_discount


def test_ten_percent_off():
    assert calculate_discount(100, 10) == 90


def test_no_discount_keeps_the_price():
    assert calculate_discount(40, 0) == 40


def test_half_price():
    assert calculate_discount(30, 50) == 15


def test_a_quarter_off_a_small_price():
    assert calculate_discount(4, 25) == 3


def test_rounds_to_cents():
    assert calculate_discount(19.99, 15) == 16.99


def test_rounds_half_cents_up():
    assert calculate_discount(1.25, 50) == 0.63
    assert calculate_discount(0.05, 10) == 0.05


def test_full_discount_never_makes_an_item_free():
    assert calculate_discount(10, 100) == 0.01


def test_tiny_result_is_raised_to_one_cent():
    assert calculate_discount(0.01, 99) == 0.01


def test_a_cent_just_above_the_floor_stays():
    assert calculate_discount(0.02, 50) == 0.01
    assert calculate_discount(0.04, 50) == 0.02


def test_free_item_stays_free():
    assert calculate_discount(0, 30) == 0


def test_negative_price_is_refused():
    with pytest.raises(ValueError):
        calculate_discount(-1, 10)


def test_a_tiny_negative_price_is_refused():
    with pytest.raises(ValueError):
        calculate_discount(-0.01, 0)


@pytest.mark.parametrize("percent", [-1, 101, 150])
def test_percent_out_of_range_is_refused(percent):
    with pytest.raises(ValueError):
        calculate_discount(50, percent)


def test_both_ends_of_the_range_are_allowed():
    assert calculate_discount(50, 0) == 50
    assert calculate_discount(50, 100) == 0.01
