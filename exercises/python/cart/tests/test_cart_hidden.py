"""Hidden tests for python/cart: run in their own pytest process."""
import pytest

from cart import Cart, Product


def test_zero_price_is_allowed():
    assert Product("gift", 0, 1).price == 0


def test_bool_is_not_a_price():
    with pytest.raises(ValueError):
        Product("pen", True, 1)


def test_quantity_must_be_positive():
    p = Product("pen", 1.5, 5)
    with pytest.raises(ValueError):
        Cart().add_to_cart(p, 0)
    assert p.inventory_count == 5


def test_adding_twice_accumulates():
    p = Product("pen", 1.5, 5)
    cart = Cart()
    cart.add_to_cart(p, 2)
    cart.add_to_cart(p, 3)
    assert cart.quantity(p) == 5
    assert p.inventory_count == 0
