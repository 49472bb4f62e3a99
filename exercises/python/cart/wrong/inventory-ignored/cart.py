"""A product with a price and an inventory, and a cart that takes from it."""


def _check_price(price):
    if isinstance(price, bool) or not isinstance(price, (int, float)):
        raise ValueError("price must be a number, not %r" % (price,))
    if price < 0:
        raise ValueError("price must not be negative, got %r" % (price,))
    return price


class Product:
    def __init__(self, name, price, inventory_count):
        self.name = name
        self.price = _check_price(price)
        self.inventory_count = inventory_count

    def update_price(self, price):
        self.price = _check_price(price)


class Cart:
    def __init__(self):
        self._items = {}

    def add_to_cart(self, product, quantity):
        if quantity <= 0:
            raise ValueError("quantity must be positive")
        if quantity > product.inventory_count:
            raise ValueError("only %d %s left" % (product.inventory_count, product.name))
        self._items[id(product)] = (product, self.quantity(product) + quantity)

    def quantity(self, product):
        return self._items.get(id(product), (product, 0))[1]

    def total(self):
        return sum(p.price * q for p, q in self._items.values())
