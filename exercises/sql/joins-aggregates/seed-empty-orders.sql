-- Customers without orders, and one country with a single big order.
INSERT INTO customers (id, name, country) VALUES
    (1, 'Ann', 'FR'), (2, 'Bo', 'FR'), (3, 'Cy', 'DE');
INSERT INTO orders (id, customer_id, placed_on, total, coupon) VALUES
    (1, 3, '2024-01-01', 500.00, 'BIG');
