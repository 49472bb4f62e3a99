"""Visible tests for python/cart: the learner sees their names and failures."""
import pytest

from cart import Cart, Product


def test_product_fields():
    p = Product("pen", 1.5, 10)
    assert p.name == "pen"
    assert p.price == 1.5
    assert p.inventory_count == 10


@pytest.mark.parametrize("price", [-1, -0.01])
def test_invalid_price_negative(price):
    with pytest.raises(ValueError):
        Product("pen", price, 1)


def test_invalid_price_not_a_number():
    with pytest.raises(ValueError):
        Product("pen", "cheap", 1)


def test_update_price():
    p = Product("pen", 1.5, 10)
    p.update_price(2.25)
    assert p.price == 2.25


def test_update_price_invalid():
    p = Product("pen", 1.5, 10)
    with pytest.raises(ValueError):
        p.update_price(-3)
    assert p.price == 1.5


class TestAddToCart:
    def test_adds_and_takes_inventory(self):
        p = Product("pen", 1.5, 10)
        cart = Cart()
        cart.add_to_cart(p, 3)
        assert cart.quantity(p) == 3
        assert p.inventory_count == 7

    def test_total(self):
        pen, ink = Product("pen", 1.5, 10), Product("ink", 4.0, 2)
        cart = Cart()
        cart.add_to_cart(pen, 2)
        cart.add_to_cart(ink, 1)
        total = cart.total()
        # type() is checked first: an object whose __eq__ is always true
        # would pass any == (isinstance can be fooled by __class__; type
        # cannot)
        assert type(total) in (int, float), "total() must return a number"
        assert total == pytest.approx(7.0)

    def test_not_enough_inventory(self):
        p = Product("pen", 1.5, 2)
        cart = Cart()
        with pytest.raises(ValueError):
            cart.add_to_cart(p, 3)
        assert p.inventory_count == 2
        assert cart.quantity(p) == 0
