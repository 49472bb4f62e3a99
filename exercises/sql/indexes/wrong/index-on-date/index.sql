CREATE INDEX orders_by_date ON orders (placed_on);
